# Everything a fresh machine needs beyond Python 3.11 and make happens here:
# each target creates or updates .venv from pyproject.toml + constraints.txt,
# and does nothing more when neither changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.kamsync-installed
export DO_NOT_TRACK := 1
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 60

.PHONY: venv demo test lint bench bench-graph clean

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kamsync demo

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

# Benchmarks (not tests): PRESET=tiny|demo|medium|large. `bench` runs the
# Salesforce pull, then the Microsoft 365 sync (`bench-graph` runs that one
# alone: first and incremental sync of every mailbox, 20,000 To Do upserts).
# The sandbox state is seeded once and kept in .kamsync/bench-<preset>; medium
# is about 1M records, large about 5M (its sandbox holds about 13 GB).
PRESET ?= demo
bench: $(STAMP)
	$(BIN)/python -m bench.salesforce_pull --preset $(PRESET)
	$(BIN)/python -m bench.graph_sync --preset $(PRESET)

bench-graph: $(STAMP)
	$(BIN)/python -m bench.graph_sync --preset $(PRESET)

clean:
	rm -rf $(VENV) .kamsync out
