"""Incremental pulls: the records changed since a watermark, as DataFrame batches.

Records come in `SystemModstamp` order so each batch's last stamp is a safe
watermark to commit with it. The next pull re-reads an overlap window before
the watermark (records committed late on the server); upserts by Id make the
re-read harmless.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd
from simple_salesforce import format_soql

from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.objects import ObjectSpec

DEFAULT_OVERLAP = timedelta(minutes=5)
_SF_DATETIME = "%Y-%m-%dT%H:%M:%S.%f%z"


@dataclass(frozen=True)
class Batch:
    """One page of changed records and the watermark to commit with it."""

    object_name: str
    records: pd.DataFrame
    watermark: str | None


def build_query(spec: ObjectSpec, since: str | None, overlap: timedelta = DEFAULT_OVERLAP) -> str:
    """The SOQL for a full pull (no watermark) or an incremental one."""
    select = ", ".join(spec.select_list())
    order = f" ORDER BY {spec.cursor} ASC, Id ASC"
    if since is None:
        return f"SELECT {select} FROM {spec.name}{order}"
    start = parse_sf_datetime(since) - overlap
    where = format_soql(
        f" WHERE {spec.cursor} >= {{:literal}}", start.strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    return f"SELECT {select} FROM {spec.name}{where}{order}"


def pull_object(
    client: SalesforceClient,
    spec: ObjectSpec,
    since: str | None,
    *,
    overlap: timedelta = DEFAULT_OVERLAP,
) -> Iterator[Batch]:
    """Yield the object's changed records page by page (deleted rows included)."""
    soql = build_query(spec, since, overlap)
    for records in client.query_pages(soql, include_deleted=spec.has_is_deleted):
        if not records:
            continue
        frame = pd.DataFrame.from_records(records, columns=list(spec.select_list()))
        yield Batch(spec.name, frame, records[-1].get(spec.cursor) or since)


def parse_sf_datetime(value: str) -> datetime:
    """Parse Salesforce's `2026-11-27T03:40:16.000+0000` (or ISO with Z) to aware UTC."""
    try:
        parsed = datetime.strptime(value, _SF_DATETIME)
    except ValueError:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.astimezone(UTC)
