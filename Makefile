# Everything a fresh machine needs beyond Python 3.11 and make happens here:
# each target creates or updates .venv from pyproject.toml + constraints.txt,
# and does nothing more when neither changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.kamsync-installed
export DO_NOT_TRACK := 1
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 60

.PHONY: venv demo serve test lint bench bench-graph bench-analysis soak clean

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,sandbox]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kamsync demo

# The demo sandbox plus every deployment on its schedule, with the Prefect UI at
# http://127.0.0.1:4200 (its first stdout line is JSON); Ctrl-C stops all of it.
serve: $(STAMP)
	@$(BIN)/kamsync serve --sandbox

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

# Benchmarks (not tests): PRESET=tiny|demo|medium|large. `bench` runs the
# Salesforce pull, then the Microsoft 365 sync (`bench-graph` runs that one
# alone: first and incremental sync of every mailbox, 20,000 To Do upserts).
# The sandbox state is seeded once and kept in .kamsync/bench-<preset>; medium
# is about 1M records, large about 5M (its sandbox holds about 13 GB).
# The Microsoft 365 sync works on WORKERS mailboxes at a time against a Graph
# stand-in answering in LATENCY_MS (real Graph: ~100 ms), and repeats its first
# sync one mailbox at a time to show the speed-up.
PRESET ?= demo
WORKERS ?= 8
LATENCY_MS ?= 100
GRAPH_BENCH = $(BIN)/python -m bench.graph_sync --preset $(PRESET) --workers $(WORKERS) --latency-ms $(LATENCY_MS)
bench: $(STAMP)
	$(BIN)/python -m bench.salesforce_pull --preset $(PRESET)
	$(GRAPH_BENCH)
	$(BIN)/python -m bench.analysis --preset $(PRESET)

# The whole analysis of one cycle on the preset's mirror (built from the seed once and kept
# in .kamsync/bench-analysis-<preset>.pkl): time per part, peak RSS, top costs.
bench-analysis: $(STAMP)
	$(BIN)/python -m bench.analysis --preset $(PRESET)

bench-graph: $(STAMP)
	$(GRAPH_BENCH)

# Kill soak (not in `make test`): SOAK_KILLS cycles on copies of a tiny sandbox, each
# killed with SIGKILL at a random moment, rerun to completion, checked with `kamsync
# verify` and compared with a clean cycle's end state; prints kills, reruns, differences.
SOAK_KILLS ?= 20
soak: $(STAMP)
	$(BIN)/python -m bench.soak --kills $(SOAK_KILLS)

clean:
	rm -rf $(VENV) .kamsync out
