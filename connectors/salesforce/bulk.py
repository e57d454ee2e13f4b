"""Bulk API 2.0 query jobs through simple-salesforce, read back into REST's values.

The CSV a job returns has only strings; each column is converted by its
describe type so a record mirrored via Bulk equals the same record via REST.
Results may come in any order, so the watermark (the window's largest
cursor) is committed only with the last batch.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from typing import Any

import pandas as pd
from simple_salesforce import Salesforce
from simple_salesforce.bulk2 import ColumnDelimiter, LineEnding, Operation

from connectors.salesforce.batch import Batch
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.describe import PullPlan
from connectors.salesforce.policy import BulkJobFailed, decide, from_job
from connectors.salesforce.soql import select_query

__all__ = ["BulkJobFailed", "bulk_pull", "records_from_csv"]

PAGE_RECORDS = 50_000
POLL_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)
MAX_WAIT_SECONDS = 1800.0


def bulk_pull(
    client: SalesforceClient,
    plan: PullPlan,
    start: datetime | None,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Batch]:
    """Run one query job over the window and yield its result pages; a job that ends
    badly raises what the error policy says (BulkJobFailed: read the window over REST)."""
    soql = select_query(plan, list(plan.fields), start, None)
    operation = Operation.query_all if plan.has_is_deleted else Operation.query
    job_id = client.call(lambda sf: _jobs(sf, plan.name).create_job(
        operation, soql, ColumnDelimiter.COMMA, LineEnding.LF
    )["id"], what=f"Bulk API 2.0 query job on {plan.name}")  # fmt: skip
    _wait(client, plan.name, job_id, sleep)
    locator, latest, held = "", None, None
    while True:
        page = client.call(
            partial(_results_page, plan.name, job_id, locator),
            what=f"download of Bulk API 2.0 job {job_id} results on {plan.name}",
        )
        frame = records_from_csv(page["records"], plan)
        stamps = [stamp for stamp in frame[plan.cursor].tolist() if stamp]
        latest = max([*stamps, *([latest] if latest else [])], default=None)
        if held is not None:  # one page of look-ahead: only the last batch carries the watermark
            yield Batch(plan.name, held, None, via="bulk")
        held = frame
        locator = page["locator"]
        if not locator:
            break
    yield Batch(plan.name, held, latest, via="bulk")


def _results_page(sobject: str, job_id: str, locator: str, sf: Salesforce) -> Any:
    return _jobs(sf, sobject).get_query_results(job_id, locator, PAGE_RECORDS)


def _jobs(sf: Salesforce, sobject: str) -> Any:
    """simple-salesforce's Bulk API 2.0 job client for the object."""
    return getattr(sf.bulk2, sobject)._client


def _wait(
    client: SalesforceClient, sobject: str, job_id: str, sleep: Callable[[float], None]
) -> None:
    waited, attempt = 0.0, 0
    what = f"Bulk API 2.0 job {job_id} on {sobject}"
    while waited < MAX_WAIT_SECONDS:
        job = client.call(lambda sf: _jobs(sf, sobject).get_job(job_id, True), what=what)
        state = job.get("state")
        if state == "JobComplete":
            return
        if state in ("Failed", "Aborted"):
            raise decide(from_job(job)).error(what)
        pause = POLL_SECONDS[min(attempt, len(POLL_SECONDS) - 1)]
        sleep(pause)
        waited, attempt = waited + pause, attempt + 1
    not_done = {"state": "NotDone", "errorMessage": f"still {state} after {waited:.0f} s"}
    raise decide(from_job(not_done)).error(what)


def records_from_csv(text: str, plan: PullPlan) -> pd.DataFrame:
    """A results page as REST would have returned it: typed values, None for empty."""
    if not text.strip():
        return pd.DataFrame(columns=list(plan.fields))
    raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[])
    frame = pd.DataFrame(
        {name: _convert(raw[name], plan.types.get(name, "string")) for name in raw.columns}
    )
    return frame.reindex(columns=list(plan.fields))


def _convert(column: pd.Series, kind: str) -> pd.Series:
    parse = _PARSERS.get(kind, str)
    return pd.Series([None if text == "" else parse(text) for text in column], dtype=object)


def _rest_datetime(value: str) -> str:
    """`2026-11-27T03:40:16.000Z` (Bulk CSV) -> `2026-11-27T03:40:16.000+0000` (REST)."""
    return value[:-1] + "+0000" if value.endswith("Z") else value


_PARSERS: dict[str, Callable[[str], Any]] = {
    "boolean": lambda text: text.lower() == "true",
    "int": lambda text: int(float(text)),
    "double": float,
    "currency": float,
    "percent": float,
    "datetime": _rest_datetime,
}
