"""One row per flow run, for the CLI's summary and later reporting."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, insert, select, update

from connectors.store.schema import runs, utc_now

RUNNING = "running"
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
