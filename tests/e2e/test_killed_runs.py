"""A cycle killed with SIGKILL (as the OOM killer does) mid-run: no Prefect server is left
behind, and the next run marks the dead one crashed, in the store and in Prefect, and
counts the API calls it had spent against the daily budget."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from config.loader import load_settings
from connectors.store import Store
from flows.runtime import Runtime
from tests.conftest import start_sandbox

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).parents[2]
WAIT_SECONDS = 300


@pytest.fixture(scope="module")
def own_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A sandbox of this module's own: the cycles here write To Do tasks and a digest."""
    with start_sandbox(tmp_path_factory.mktemp("killed-runs-sandbox")) as process:
        yield process.info


def processes_with(variable: str) -> list[int]:
    """Ids of the processes whose environment holds `variable` (NAME=value) exactly."""
    found = []
    needle = variable.encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if needle in environ:
            found.append(int(entry.name))
    return found


def wait_for(condition: Any, what: str, seconds: float = WAIT_SECONDS) -> Any:
    """Poll `condition` until it returns something true; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"gave up after {seconds:.0f} s waiting for {what}")


def recorded_calls(store_url: str) -> dict[str, int] | None:
    """The API calls the running run has put on record so far, once it has any."""
    with Store(store_url) as store:
        runs = store.runs("kam-cycle")
    running = runs[runs["status"] == "running"]
    for summary in running["summary"]:
        calls = (summary or {}).get("api_calls") or {}
        if calls.get("salesforce"):
            return dict(calls)
    return None


def prefect_states(prefect_home: Path) -> dict[str, str]:
    """Flow run id → state type, read from the Prefect database the runs used."""
    with sqlite3.connect(prefect_home / "prefect.db") as database:
        return dict(database.execute("SELECT id, state_type FROM flow_run").fetchall())


def test_killed_cycle_leaves_no_server_and_is_marked_crashed(
    own_sandbox: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefect_home = tmp_path / "prefect-home"
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env |= {"REQUESTS_CA_BUNDLE": own_sandbox["ca_bundle"], "PREFECT_HOME": str(prefect_home),
            "KAMSYNC_STORE__URL": store_url,
            "KAMSYNC_REPORTS__LOCAL_DIR": str(tmp_path / "out")}  # fmt: skip
    command = [sys.executable, "-m", "flows.cli", "run", "cycle", "--config",
               own_sandbox["config"]]  # fmt: skip
    pipes = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    cycle = subprocess.Popen(command, env=env, cwd=ROOT, **pipes)  # type: ignore[call-overload]
    try:
        spent = wait_for(lambda: recorded_calls(store_url), "the run to record its API calls")
    finally:
        cycle.send_signal(signal.SIGKILL)  # the CLI process only, as the OOM killer would
        cycle.wait(timeout=30)
    marker = f"PREFECT_HOME={prefect_home}"
    wait_for(lambda: not processes_with(marker), "the temporary Prefect server to end", 60)
    running_in_prefect = [run for run, state in prefect_states(prefect_home).items()
                          if state == "RUNNING"]  # fmt: skip
    assert len(running_in_prefect) == 1

    rerun = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True,
                           timeout=WAIT_SECONDS)  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    assert "marked crashed" in rerun.stderr
    with Store(store_url) as store:
        runs = store.runs("kam-cycle").set_index("id")
    assert runs["status"].tolist() == ["completed", "crashed"]  # newest first
    killed = runs[runs["status"] == "crashed"].iloc[0]
    assert pd.notna(killed["finished_at"])
    assert killed["summary"]["api_calls"]["salesforce"] >= spent["salesforce"]
    assert prefect_states(prefect_home)[running_in_prefect[0]] == "CRASHED"
    assert not processes_with(marker), "the rerun left its Prefect server behind"

    # The budget the next run starts from: both runs' calls, the killed one's included.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", own_sandbox["ca_bundle"])
    monkeypatch.setenv("CURL_CA_BUNDLE", own_sandbox["ca_bundle"])
    settings = load_settings(own_sandbox["config"]).model_copy(deep=True)
    settings.store.url = store_url
    runtime = Runtime(settings)
    try:
        completed = runs[runs["status"] == "completed"].iloc[0]["summary"]["api_calls"]
        assert runtime.calls_today("salesforce") == (
            killed["summary"]["api_calls"]["salesforce"] + completed["salesforce"]
        )
    finally:
        runtime.close()
