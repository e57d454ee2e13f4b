"""The README's "Running on several machines" on one machine, for test_work_pool.py: a
Prefect server on PostgreSQL, a `process` work pool, workers, and the state they leave.

Every command runs as the README gives it, as a subprocess with its own PREFECT_HOME and
log file, in a process group of its own so that stopping it leaves nothing behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from connectors.store.schema import mirror_records, runs, watermarks

#: What the runs of a test end in; anything else is still on its way.
TERMINAL_STATES = frozenset({"COMPLETED", "FAILED", "CRASHED", "CANCELLED", "CANCELLING"})

#: Every deployment's schedule off: only the runs a test triggers happen.
SCHEDULES_OFF = """
[schedules.kam-cycle]
cron = "0 7 * * 1-5"
active = false
[schedules.salesforce-sync]
cron = "*/15 8-18 * * 1-5"
active = false
[schedules.m365-sync]
cron = "*/15 8-18 * * 1-5"
active = false
"""


def asyncpg_url(url: str) -> str:
    """The Prefect server's form of a `postgresql+psycopg://` URL (it needs asyncpg)."""
    return url.replace("postgresql+psycopg://", "postgresql+asyncpg://", 1)


def clean_environment() -> dict[str, str]:
    """This process's environment without Prefect or kamsync settings, which a test sets
    itself (the harness's API URL, a monkeypatched store) and must not leak to a worker."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.upper().startswith(("PREFECT_", "KAMSYNC_"))
    }


class Processes:
    """Background commands, each with a log file in `folder` and a process group of its own;
    `stop_all` ends them, newest first, and whatever they started."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started: dict[str, subprocess.Popen[bytes]] = {}

    def start(
        self, name: str, command: list[str], env: dict[str, str], cwd: Path | None = None
    ) -> subprocess.Popen[bytes]:
        with self.log(name).open("wb") as log:
            process = subprocess.Popen(
                command, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        self.started[name] = process
        return process

    def log(self, name: str) -> Path:
        return self.folder / f"{name}.log"

    def tail(self, name: str, chars: int = 3000) -> str:
        """The end of a command's output, for failure messages."""
        try:
            return self.log(name).read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""

    def tails(self) -> str:
        return "\n".join(f"--- {name} ---\n{self.tail(name)}" for name in self.started)

    def stop_all(self, seconds: float = 30) -> list[str]:
        """SIGTERM each group (a worker and a server stop on it), SIGKILL what outlives
        `seconds`, then SIGKILL the children that left the group (a process worker starts
        each flow run in a session of its own). Return what had to be killed."""
        killed: list[str] = []
        for name, process in reversed(self.started.items()):
            children = _descendants(process.pid)
            if process.poll() is None:
                _signal_group(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=seconds)
                except subprocess.TimeoutExpired:
                    killed.append(name)
            if _signal_group(process.pid, signal.SIGKILL) and name not in killed:
                killed.append(name)
            process.wait()
            for pid in children:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(f"{name} child {pid}")
                except ProcessLookupError:
                    pass
        return killed


def _signal_group(pgid: int, sent: signal.Signals) -> bool:
    """Signal a process group; False when it has no process left."""
    try:
        os.killpg(pgid, sent)
    except ProcessLookupError:
        return False
    return True


def _descendants(pid: int) -> list[int]:
    """Every live process below `pid`, from /proc (their sessions may differ from its)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone while we looked
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def run_command(
    command: list[str], env: dict[str, str], cwd: Path | None = None, seconds: float = 120
) -> str:
    """Run a CLI command to its end; its output, or a test failure showing it."""
    result = subprocess.run(
        command, env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=seconds, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(command[2:])} exited {result.returncode}:\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result.stdout


def api(api_url: str, method: str, path: str, body: Any = None) -> Any:
    """One call to the Prefect server's REST API; its JSON answer."""
    answer = requests.request(method, f"{api_url}{path}", json=body, timeout=30)
    answer.raise_for_status()
    return answer.json() if answer.content else None


def wait_healthy(api_url: str, processes: Processes, name: str, seconds: float) -> None:
    """Wait until the server `name` answers /health; fail with its log if it exits or is late."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if processes.started[name].poll() is not None:
            pytest.fail(f"the Prefect server exited:\n{processes.tail(name)}")
        try:
            if requests.get(f"{api_url}/health", timeout=5).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    pytest.fail(
        f"the Prefect server was not healthy within {seconds:.0f} s:\n{processes.tail(name)}"
    )


def wait_for_workers(
    api_url: str, pool: str, names: set[str], seconds: float
) -> list[dict[str, Any]]:
    """The pool's workers once those named are registered and ONLINE."""
    deadline = time.monotonic() + seconds
    while True:
        workers = api(api_url, "POST", f"/work_pools/{pool}/workers/filter", {})
        online = {worker["name"] for worker in workers if worker["status"] == "ONLINE"}
        if names <= online or time.monotonic() > deadline:
            return list(workers)
        time.sleep(0.5)


def trigger(api_url: str, deployment: str) -> str:
    """Start a run of deployment `<flow>/<deployment>` (named alike) as the UI's Quick run
    does; its flow run id."""
    found = api(api_url, "GET", f"/deployments/name/{deployment}/{deployment}")
    run = api(api_url, "POST", f"/deployments/{found['id']}/create_flow_run", {})
    return str(run["id"])


def wait_for_runs(api_url: str, run_ids: list[str], seconds: float) -> list[dict[str, Any]]:
    """The flow runs once each is in a final state (in `run_ids`' order); fail when late."""
    deadline = time.monotonic() + seconds
    while True:
        found = api(api_url, "POST", "/flow_runs/filter",
                    {"flow_runs": {"id": {"any_": run_ids}}})  # fmt: skip
        runs = {run["id"]: run for run in found}
        if all(runs.get(run_id, {}).get("state_type") in TERMINAL_STATES for run_id in run_ids):
            return [runs[run_id] for run_id in run_ids]
        if time.monotonic() > deadline:
            states = {run["name"]: run["state_type"] for run in found}
            pytest.fail(f"flow runs not finished within {seconds:.0f} s: {states}")
        time.sleep(1)


def run_logs(api_url: str, run_id: str) -> str:
    """A flow run's log lines as its workers and engine sent them to the server."""
    logs = api(api_url, "POST", "/logs/filter",
               {"logs": {"flow_run_id": {"any_": [run_id]}}, "sort": "TIMESTAMP_ASC"})  # fmt: skip
    return "\n".join(f"{entry['level']:>2} {entry['message']}" for entry in logs)


@dataclass(frozen=True)
class StoreState:
    """What the sync flows leave in a store, minus the values that differ run to run
    (times, delta links, modstamps read at another instant)."""

    #: (source, object) -> ids of the live mirrored records
    records: dict[tuple[str, str], frozenset[str]]
    #: the names of every watermark stream
    streams: frozenset[str]
    #: (flow, status) -> how many runs the run log holds
    runs: dict[tuple[str, str], int]

    def counts(self) -> dict[tuple[str, str], int]:
        return {key: len(ids) for key, ids in sorted(self.records.items())}


def read_store_state(url: str) -> StoreState:
    """The StoreState of the kamsync store at `url`, read through its table definitions."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            live = sa.select(
                mirror_records.c.source, mirror_records.c.object_name, mirror_records.c.record_id
            ).where(mirror_records.c.is_deleted.is_(False))
            rows = connection.execute(live).all()
            stream_names = frozenset(connection.execute(sa.select(watermarks.c.stream)).scalars())
            logged = connection.execute(sa.select(runs.c.flow, runs.c.status)).all()
    finally:
        engine.dispose()
    records: dict[tuple[str, str], set[str]] = {}
    for source, object_name, record_id in rows:
        records.setdefault((source, object_name), set()).add(record_id)
    return StoreState(
        records={key: frozenset(ids) for key, ids in records.items()},
        streams=stream_names,
        runs=dict(Counter((flow, status) for flow, status in logged)),
    )
