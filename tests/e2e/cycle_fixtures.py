"""Session fixtures of the crash-point and chaos tests (imported by tests/e2e/conftest.py):
one seeded tiny state to copy, one Prefect server for every child process, and the end
state of a clean cycle on that seed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from config.loader import load_settings
from flows.cli import app
from flows.verify import verify
from tests.e2e.cycle_runs import SandboxCopy, prefect_server, seed_state
from tests.e2e.end_state import EndState


@pytest.fixture(scope="session")
def cycle_seed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The seeded tiny state to copy, and the API URL of a Prefect server for the cycles."""
    home = tmp_path_factory.mktemp("cycle-seed")
    seed = seed_state(home / "seed")
    with prefect_server(home / "prefect") as server:
        yield seed, server.api_url


def verify_exit_code(sandbox: SandboxCopy) -> tuple[int, str]:
    """`kamsync verify` on the sandbox copy, in this process (a child costs seconds)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in sandbox.env().items():
            if name.startswith(("KAMSYNC_", "REQUESTS_", "CURL_")):
                patch.setenv(name, value)
        result = CliRunner().invoke(app, ["verify", "--config", sandbox.config])
    return result.exit_code, result.output


def verify_findings(sandbox: SandboxCopy) -> list[str]:
    """What `kamsync verify` finds off, as "check | where | detail" lines (unwrapped)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REQUESTS_CA_BUNDLE", sandbox.info["ca_bundle"])
        findings = verify(load_settings(sandbox.config))
    return [f"{f.check} | {f.where} | {f.detail}" for f in findings]


@dataclass(frozen=True)
class CleanCycle:
    """A copy of the seed after one uninterrupted cycle (sandbox stopped), and its end state."""

    state: Path
    end_state: EndState


@pytest.fixture(scope="session")
def clean_cycle(
    cycle_seed: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> CleanCycle:
    """One uninterrupted cycle on a copy of the seed; `kamsync verify` finds it clean."""
    seed, api_url = cycle_seed
    with SandboxCopy(seed, tmp_path_factory.mktemp("clean") / "state", api_url) as sandbox:
        run = sandbox.cycle()
        assert run.returncode == 0, run.describe()
        code, output = verify_exit_code(sandbox)
        assert code == 0, output
        return CleanCycle(sandbox.home, sandbox.end_state())


@pytest.fixture(scope="session")
def clean_end_state(clean_cycle: CleanCycle) -> EndState:
    """The end state of a clean cycle on the seed every crash and chaos case copies."""
    return clean_cycle.end_state
