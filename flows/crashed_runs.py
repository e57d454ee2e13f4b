"""Runs whose process died: found at the next start, marked crashed, their lock freed.

A run writes who runs it (host, process id and start time, its lock owner and its
Prefect flow run) into its running row when it starts. The next run of the same
flow marks a running row `crashed` when its process is gone (same host) or when it
no longer holds the flow's lock and its time to renew it ran out (any host). A dead
process's lock and outbox leases are freed at once, so the next run does not wait
for them to expire, and its Prefect flow run, if still Running, is set Crashed.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from connectors.store import Store
from flows.progress import run_logger


def this_process() -> dict[str, Any]:
    """Who runs a run, as written into its row: host, process id, process start time."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "started": _start_ticks(os.getpid())}


def process_is_gone(process: dict[str, Any]) -> bool:
    """Whether the process a run row names has ended (False when it cannot be told: it ran
    on another host, or the row names no process)."""
    if process.get("host") != socket.gethostname() or not isinstance(process.get("pid"), int):
        return False
    pid = process["pid"]
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # someone else's process: alive
    if not Path("/proc/self/stat").exists():
        return False  # no /proc: the pid answers, so take the process as alive
    ticks = _start_ticks(pid)
    if ticks is None:
        return True  # ended between the two looks, or a zombie
    recorded = process.get("started")
    return recorded is not None and ticks != recorded  # the pid now names another process


def _start_ticks(pid: int) -> int | None:
    """The process's start time (clock ticks since boot) from /proc, to tell a reused pid
    from the run's own; None when there is no such process or it is a zombie."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] == "Z" else int(fields[19])


def mark_crashed_runs(store: Store, flow: str, lock_seconds: float) -> list[int]:
    """Mark `flow`'s dead runs crashed (freeing a dead process's lock and leases); return
    their ids."""
    holder = store.lock_holder(flow)
    now = datetime.now(UTC)
    crashed = []
    for run_id, started_at, summary in store.running_runs(flow):
        owner = summary.get("owner")
        gone = process_is_gone(summary.get("process") or {})
        holds_lock = holder is not None and owner is not None and holder.owner == owner
        lapsed = not holds_lock and started_at + timedelta(seconds=lock_seconds) < now
        if not (gone or lapsed):
            continue
        reason = (
            "its process ended without finishing the run (killed?)"
            if gone
            else "it stopped renewing its lock (its process died or hung)"
        )
        if not store.mark_crashed(run_id, f"crashed: {reason}"):
            continue
        if gone and owner is not None:
            store.release_lock(flow, owner)
            store.release(owner)
        crashed.append(run_id)
        run_logger().warning("run #%s of %s marked crashed: %s", run_id, flow, reason)
        crash_prefect_run(summary.get("flow_run_id"), run_id, reason)
    return crashed


def crash_prefect_run(flow_run_id: str | None, run_id: int, reason: str) -> None:
    """Set the dead run's Prefect flow run Crashed if Prefect still shows it Running."""
    if not flow_run_id:
        return
    from prefect.client.orchestration import get_client
    from prefect.states import Crashed

    try:
        with get_client(sync_client=True) as client:
            flow_run = client.read_flow_run(UUID(flow_run_id))
            if flow_run.state is not None and flow_run.state.is_running():
                message = f"kamsync run #{run_id}: {reason}"
                client.set_flow_run_state(flow_run.id, Crashed(message=message), force=True)
    except Exception as exc:  # best effort: the store's record is the one kamsync reads
        run_logger().warning("Prefect flow run %s not marked Crashed: %s", flow_run_id, exc)
