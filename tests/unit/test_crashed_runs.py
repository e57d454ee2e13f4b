"""Runs whose process died are marked crashed at the next start, free their lock at once,
and keep counting against the daily API budget; live runs are left alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from connectors.store import Store
from flows.crashed_runs import mark_crashed_runs, process_is_gone, this_process

FLOW = "kam-cycle"
LOCK_SECONDS = 1800.0


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'kamsync.db'}")


def dead_process() -> dict[str, object]:
    """The identity of a process that has ended (run, waited for)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return {**this_process(), "pid": child.pid, "started": None}


def running_run(store: Store, owner: str, process: dict[str, object], calls: int) -> int:
    """A run row as `start_guarded` leaves it, holding the flow's lock."""
    run_id = store.start_run(FLOW)
    store.record_progress(run_id, {"owner": owner, "process": process,
                                   "api_calls": {"salesforce": calls, "graph": 0}})  # fmt: skip
    store.acquire_lock(FLOW, owner, f"#{run_id}", LOCK_SECONDS)
    return run_id


def test_run_of_a_dead_process_is_marked_crashed_and_frees_its_lock(store: Store) -> None:
    run_id = running_run(store, "dead-owner", dead_process(), calls=40)

    assert mark_crashed_runs(store, FLOW, LOCK_SECONDS) == [run_id]

    row = store.runs(FLOW).set_index("id").loc[run_id]
    assert row["status"] == "crashed"
    assert row["summary"]["api_calls"]["salesforce"] == 40  # still counted by the budget
    assert "crashed" in row["summary"]["error"]
    assert store.lock_holder(FLOW) is None  # the next run need not wait 30 minutes


def test_live_run_is_left_running_with_its_lock(store: Store) -> None:
    run_id = running_run(store, "live-owner", this_process(), calls=5)

    assert mark_crashed_runs(store, FLOW, LOCK_SECONDS) == []

    assert store.runs(FLOW).set_index("id").loc[run_id, "status"] == "running"
    holder = store.lock_holder(FLOW)
    assert holder is not None and holder.owner == "live-owner"


def test_run_that_lost_its_lock_long_ago_is_marked_crashed(store: Store) -> None:
    # Its process cannot be checked (another host) and another run holds the lock now.
    run_id = running_run(store, "old-owner", {"host": "elsewhere", "pid": 1}, calls=3)
    store.release_lock(FLOW, "old-owner")
    store.acquire_lock(FLOW, "new-owner", "#new", LOCK_SECONDS)

    assert mark_crashed_runs(store, FLOW, lock_seconds=0.001) == [run_id]
    holder = store.lock_holder(FLOW)
    assert holder is not None and holder.owner == "new-owner"


def test_process_identity_tells_a_reused_pid() -> None:
    me = this_process()
    assert not process_is_gone(me)
    assert process_is_gone(dead_process())
    assert process_is_gone({**me, "started": -1})  # same pid, another process
    assert not process_is_gone({**me, "host": "another-host"})  # cannot tell: alive
