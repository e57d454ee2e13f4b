"""Incremental pulls: the records changed since a watermark, as DataFrame batches.

Records come in cursor order, so each REST batch's last stamp is a safe
watermark to commit with it; the next pull re-reads an overlap window before
it (upserts by Id make that harmless). Big windows go to Bulk API 2.0 (REST
if a bulk job fails); a window the org times out on is split in two.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from connectors.errors import FatalError
from connectors.salesforce.batch import Batch
from connectors.salesforce.bulk import bulk_pull
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.describe import PullPlan
from connectors.salesforce.integrity import fields_by_id
from connectors.salesforce.policy import BulkJobFailed, QueryTimeout
from connectors.salesforce.soql import (
    count_query,
    earliest_query,
    field_chunks,
    parse_sf_datetime,
    select_query,
)

__all__ = ["DEFAULT_OVERLAP", "Batch", "pull_object", "rest_pull", "window_start"]

DEFAULT_OVERLAP = timedelta(minutes=5)
#: A window narrower than this that still times out is a real failure.
SMALLEST_WINDOW = timedelta(minutes=1)


def window_start(since: str | None, overlap: timedelta) -> datetime | None:
    """Where a pull since the watermark `since` starts: `overlap` before it (None: all)."""
    return None if since is None else parse_sf_datetime(since) - overlap


def pull_object(
    client: SalesforceClient,
    plan: PullPlan,
    since: str | None,
    *,
    overlap: timedelta = DEFAULT_OVERLAP,
    bulk_threshold: int = 0,
    mirrored: int | None = None,
    estimate: int | None = None,
    first_page: dict[str, Any] | None = None,
    on_fallback: Callable[[str], None] | None = None,
) -> Iterator[Batch]:
    """Yield the object's records changed since `since` (all of them when None).

    With `bulk_threshold` > 0, a window holding at least that many records is
    pulled with Bulk API 2.0; `on_fallback(reason)` hears when REST takes over.
    An incremental window of an object whose mirror (`mirrored` records) is
    below the threshold goes to REST without counting it first; `estimate` is
    the window's count when the caller already has it, `first_page` the REST
    query's first answer when the caller fetched it (several at once, Composite).
    """
    start = window_start(since, overlap)
    worth_counting = bulk_threshold > 0 and (since is None or (mirrored or 0) >= bulk_threshold)
    if worth_counting and estimate is None:
        estimate = client.count(count_query(plan, start))
    if worth_counting and (estimate or 0) >= bulk_threshold:
        try:
            yield from bulk_pull(client, plan, start)
            return
        except BulkJobFailed as exc:
            if on_fallback is not None:
                on_fallback(str(exc))
    yield from rest_pull(client, plan, start, None, first_page=first_page)


def rest_pull(
    client: SalesforceClient,
    plan: PullPlan,
    start: datetime | None,
    end: datetime | None,
    *,
    first_page: dict[str, Any] | None = None,
) -> Iterator[Batch]:
    """REST query/queryMore over [start, end), halving the window on QUERY_TIMEOUT."""
    chunks = field_chunks(plan, start, end)
    soql = select_query(plan, chunks[0], start, end)
    pages = client.query_pages(
        soql, include_deleted=plan.has_is_deleted, first_page=first_page, can_split=True
    )
    try:
        for records in pages:
            if records:
                frame = _complete(client, plan, records, chunks[1:])
                yield Batch(plan.name, frame, records[-1].get(plan.cursor))
    except QueryTimeout:
        lower = start or _earliest(client, plan)
        upper = end or datetime.now(UTC) + timedelta(seconds=1)
        if lower is None or upper - lower <= SMALLEST_WINDOW:
            raise
        middle = lower + (upper - lower) / 2
        yield from rest_pull(client, plan, lower, middle)
        yield from rest_pull(client, plan, middle, end)


def _complete(
    client: SalesforceClient, plan: PullPlan, records: list[dict[str, Any]], more: list[list[str]]
) -> pd.DataFrame:
    """The page as a frame with every planned field (fetching extra chunks by Id).

    Values stay as the API answered them (object columns): inferred dtypes would turn a
    page's integers into floats as soon as one record's field is null."""
    frame = pd.DataFrame(records, dtype=object)
    ids = frame["Id"].tolist()
    for fields in more:
        extra = fields_by_id(client, plan.name, fields, ids, include_deleted=plan.has_is_deleted)
        frame = frame.merge(extra, on="Id", how="left")
    return frame.reindex(columns=list(plan.fields))


def _earliest(client: SalesforceClient, plan: PullPlan) -> datetime | None:
    """The oldest cursor value of the object (the lower bound of a full pull's window)."""
    soql = earliest_query(plan)
    for records in client.query_pages(soql, include_deleted=plan.has_is_deleted):
        if records and records[0].get(plan.cursor):
            return parse_sf_datetime(records[0][plan.cursor]) - timedelta(seconds=1)
        return None
    raise FatalError(f"Salesforce returned no page for {soql}")
