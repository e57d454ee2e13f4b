"""Proof that the mirror holds what the org holds: counts and, when they differ, ids.

`getDeleted` reaches back only 15 days and a missed window leaves no trace, so
after each pull the org's `COUNT()` is compared with the mirror; a mismatch
(or the periodic check) lists every live id, re-pulls the missing records and
reports the ones the org no longer has. The periodic check also re-reads
formula fields, which change without touching SystemModstamp.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pandas as pd

from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.describe import PullPlan
from connectors.salesforce.soql import (
    all_records_query,
    by_ids_query,
    count_query,
    field_chunks,
)

IDS_PER_QUERY = 200


@dataclass(frozen=True)
class IdDifference:
    """Live ids the mirror lacks, and mirrored ids the org no longer has."""

    missing: list[str]
    gone: list[str]


def org_count(client: SalesforceClient, plan: PullPlan) -> int:
    """Live records of the object in the org."""
    return client.count(count_query(plan, None))


def compare_ids(client: SalesforceClient, plan: PullPlan, mirrored: Iterable[str]) -> IdDifference:
    """List every live id (ids only: cheap) and compare with the mirror's."""
    live: set[str] = set()
    for records in client.query_pages(all_records_query(plan.name, ["Id"])):
        live.update(record["Id"] for record in records)
    mirror = set(mirrored)
    return IdDifference(sorted(live - mirror), sorted(mirror - live))


def formula_values(client: SalesforceClient, plan: PullPlan) -> pd.DataFrame:
    """Id and the formula fields of every live record (formulas move without SystemModstamp)."""
    fields = ["Id", *plan.formulas]
    rows = [
        row for page in client.query_pages(all_records_query(plan.name, fields)) for row in page
    ]
    return pd.DataFrame(rows, columns=fields, dtype=object)  # values as answered


def fields_by_id(
    client: SalesforceClient,
    sobject: str,
    fields: list[str],
    ids: list[str],
    *,
    include_deleted: bool = False,
) -> pd.DataFrame:
    """Some fields of the given records, 200 ids per query."""
    rows: list[dict[str, object]] = []
    for offset in range(0, len(ids), IDS_PER_QUERY):
        soql = by_ids_query(sobject, fields, ids[offset : offset + IDS_PER_QUERY])
        for page in client.query_pages(soql, include_deleted=include_deleted):
            rows.extend(page)
    return pd.DataFrame(rows, columns=fields, dtype=object)  # values as answered


def records_by_id(
    client: SalesforceClient, plan: PullPlan, ids: list[str]
) -> Iterator[pd.DataFrame]:
    """Every planned field of the given records, in frames of at most 200."""
    chunks = field_chunks(plan, None, None)
    for offset in range(0, len(ids), IDS_PER_QUERY):
        batch = ids[offset : offset + IDS_PER_QUERY]
        frame = fields_by_id(client, plan.name, chunks[0], batch)
        for fields in chunks[1:]:
            frame = frame.merge(fields_by_id(client, plan.name, fields, batch), on="Id", how="left")
        if len(frame):
            yield frame.reindex(columns=list(plan.fields))
