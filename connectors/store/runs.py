"""One row per flow run, for the CLI's summary, the daily API budget and later reporting.

A running row carries its progress in `summary` (who runs it, the API calls so far), so
a run whose process dies still counts against the budget and can be marked `crashed`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, insert, select, update

from connectors.store.schema import runs, utc_now

RUNNING = "running"
CRASHED = "crashed"
RUN_COLUMNS = ["id", "flow", "started_at", "finished_at", "status", "summary"]


def start_run(connection: Connection, flow: str) -> int:
    """Open a run of `flow` and return its id."""
    result = connection.execute(
        insert(runs).values(flow=flow, started_at=utc_now(), status=RUNNING).returning(runs.c.id)
    )
    return int(result.scalar_one())


def finish_run(connection: Connection, run_id: int, status: str, summary: dict[str, Any]) -> None:
    """Close a run with its final status and summary."""
    statement = (
        update(runs)
        .where(runs.c.id == run_id)
        .values(finished_at=utc_now(), status=status, summary=summary)
    )
    if connection.execute(statement).rowcount == 0:
        raise KeyError(f"no run {run_id}")


def read_runs(connection: Connection, flow: str | None) -> pd.DataFrame:
    """Runs newest first, optionally of one flow only; times in UTC."""
    query = select(*(runs.c[name] for name in RUN_COLUMNS)).order_by(runs.c.id.desc())
    if flow is not None:
        query = query.where(runs.c.flow == flow)
    frame = pd.DataFrame(connection.execute(query).all(), columns=RUN_COLUMNS)
    for column in ("started_at", "finished_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def record_progress(connection: Connection, run_id: int, progress: dict[str, Any]) -> bool:
    """Merge `progress` into a running run's summary; False when the run is no longer
    running (finished, or marked crashed by another run)."""
    row = connection.execute(
        select(runs.c.summary).where(runs.c.id == run_id, runs.c.status == RUNNING)
    ).one_or_none()
    if row is None:
        return False
    summary = {**(row.summary or {}), **progress}
    statement = (
        update(runs).where(runs.c.id == run_id, runs.c.status == RUNNING).values(summary=summary)
    )
    return bool(connection.execute(statement).rowcount)


def running_runs(connection: Connection, flow: str) -> list[tuple[int, Any, dict[str, Any]]]:
    """(id, started_at, summary) of the runs of `flow` still marked running, oldest first."""
    query = (
        select(runs.c.id, runs.c.started_at, runs.c.summary)
        .where(runs.c.flow == flow, runs.c.status == RUNNING)
        .order_by(runs.c.id)
    )
    return [(row.id, row.started_at, row.summary or {}) for row in connection.execute(query)]


def mark_crashed(connection: Connection, run_id: int, reason: str) -> bool:
    """Close a run whose process died, keeping its progress (the API calls it spent);
    False when it is not running any more."""
    row = connection.execute(
        select(runs.c.summary).where(runs.c.id == run_id, runs.c.status == RUNNING)
    ).one_or_none()
    if row is None:
        return False
    statement = (
        update(runs)
        .where(runs.c.id == run_id, runs.c.status == RUNNING)
        .values(
            status=CRASHED, finished_at=utc_now(), summary={**(row.summary or {}), "error": reason}
        )
    )
    return bool(connection.execute(statement).rowcount)
