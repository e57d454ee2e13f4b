"""Pull from Microsoft 365: each KAM's goals table, mirrored as `m365/goals`.

The goals workbook is read in the pull step like every other source, so the analysis
reads only the store. A table that cannot be read this cycle keeps its last mirrored
rows and records why in `m365/goal_reads`, which the analysis reports as a problem row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.errors import ConnectorError
from connectors.m365.workbook import read_table
from flows.progress import run_logger, step
from flows.runtime import Runtime

GOALS = "goals"
GOAL_READS = "goal_reads"


@dataclass(frozen=True)
class GoalsPull:
    mailbox: str
    #: goal rows mirrored (None when the table could not be read this cycle)
    rows: int | None
    error: str | None = None


@task(name="pull-goals", task_run_name="goals {mailbox}", cache_policy=NO_CACHE)
def pull_goals(runtime: Runtime, mailbox: str) -> GoalsPull:
    """Mirror one KAM's goals table as it is now (rows removed from the sheet disappear)."""
    reports, store = runtime.settings.reports, runtime.store
    read_at = datetime.now(UTC).isoformat()
    try:
        raw = read_table(runtime.graph, mailbox, reports.goals_workbook, reports.goals_table)
    except ConnectorError as exc:
        run_logger().warning("goals of %s not read: %s", mailbox, exc)
        failed = {"id": mailbox, "mailbox": mailbox, "read_at": read_at, "error": str(exc)}
        store.upsert_records("m365", GOAL_READS, pd.DataFrame([failed]), id_column="id",
                             modstamp_column=None)  # fmt: skip
        return GoalsPull(mailbox, None, str(exc))
    rows = _mirror_rows(raw, mailbox)
    written, _ = store.replace_records("m365", GOALS, rows, id_column="id",
                                       where={"kam": mailbox})  # fmt: skip
    status: dict[str, str | None] = {"id": mailbox, "mailbox": mailbox, "read_at": read_at,
                                     "error": None}  # fmt: skip
    store.upsert_records("m365", GOAL_READS, pd.DataFrame([status]), id_column="id",
                         modstamp_column=None)  # fmt: skip
    step("pull", f"{mailbox}: {written} goal rows mirrored")
    return GoalsPull(mailbox, written)


def _mirror_rows(raw: pd.DataFrame, mailbox: str) -> pd.DataFrame:
    """The table's rows as JSON-safe records keyed by KAM and sheet row."""
    rows = raw.astype(object).where(raw.notna(), None)
    rows = rows.assign(kam=mailbox)
    return rows.assign(id=[f"{mailbox}#{row}" for row in rows["sheet_row"]])
