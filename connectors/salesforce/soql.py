"""SOQL for pulls: the select list, the cursor window, and splits for long field lists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import quote

from simple_salesforce import format_soql

from connectors.salesforce.describe import PullPlan

#: Salesforce refuses request URIs longer than this.
MAX_URL_CHARS = 16_384
#: Room for scheme, host, `/services/data/vXX.X/queryAll/?q=` and headroom.
URL_OVERHEAD = 400
_SF_DATETIME = "%Y-%m-%dT%H:%M:%S.%f%z"


def parse_sf_datetime(value: str) -> datetime:
    """Parse Salesforce's `2026-11-27T03:40:16.000+0000` (or ISO with Z) to aware UTC."""
    try:
        parsed = datetime.strptime(value, _SF_DATETIME)
    except ValueError:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.astimezone(UTC)


def soql_datetime(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def window_clause(cursor: str, start: datetime | None, end: datetime | None) -> str:
    """` WHERE cursor >= start AND cursor < end` (either bound optional)."""
    parts = []
    if start is not None:
        parts.append(format_soql(f"{cursor} >= {{:literal}}", soql_datetime(start)))
    if end is not None:
        parts.append(format_soql(f"{cursor} < {{:literal}}", soql_datetime(end)))
    return f" WHERE {' AND '.join(parts)}" if parts else ""


def select_query(
    plan: PullPlan, fields: Sequence[str], start: datetime | None, end: datetime | None
) -> str:
    order = f" ORDER BY {plan.cursor} ASC, Id ASC"
    where = window_clause(plan.cursor, start, end)
    return f"SELECT {', '.join(fields)} FROM {plan.name}{where}{order}"


def count_query(plan: PullPlan, start: datetime | None, end: datetime | None = None) -> str:
    return f"SELECT COUNT() FROM {plan.name}{window_clause(plan.cursor, start, end)}"


def by_ids_query(sobject: str, fields: Sequence[str], ids: Sequence[str]) -> str:
    return format_soql(f"SELECT {', '.join(fields)} FROM {sobject} WHERE Id IN {{}}", list(ids))


def url_length(soql: str) -> int:
    return len(quote(soql, safe="")) + URL_OVERHEAD


def field_chunks(plan: PullPlan, start: datetime | None, end: datetime | None) -> list[list[str]]:
    """The select list cut so each query's URL fits; every chunk starts with the key fields.

    One chunk (the usual case) is the whole list. The first chunk also carries
    the cursor and IsDeleted, which drive paging and deletes.
    """
    keys = ["Id", plan.cursor, *(["IsDeleted"] if plan.has_is_deleted else [])]
    rest = [name for name in plan.fields if name not in keys]
    if url_length(select_query(plan, [*keys, *rest], start, end)) <= MAX_URL_CHARS:
        return [[*keys, *rest]]
    # Later chunks are fetched by Id (200 ids per query), so leave room for those.
    budget = MAX_URL_CHARS - url_length(by_ids_query(plan.name, ["Id"], ["x" * 18] * 200))
    chunks: list[list[str]] = [list(keys)]
    for name in rest:
        candidate = [*chunks[-1], name]
        if len(quote(", ".join(candidate), safe="")) > budget:
            chunks.append(["Id", name])
        else:
            chunks[-1] = candidate
    return chunks
