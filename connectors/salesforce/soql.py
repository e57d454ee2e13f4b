"""Every SOQL statement kamsync sends is built here: select lists, cursor windows,
id lists, and splits for long field lists.

Values (datetimes, ids) go through simple-salesforce's `format_soql`, which quotes
and escapes them; names (objects, fields) come from describe or config and must be
plain SOQL identifiers, so nothing read from the org or the config file can change
a statement's shape.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import quote

from simple_salesforce import format_soql

from connectors.errors import ConnectorConfigError
from connectors.salesforce.describe import PullPlan

#: Salesforce refuses request URIs longer than this.
MAX_URL_CHARS = 16_384
#: Room for scheme, host, `/services/data/vXX.X/queryAll/?q=` and headroom.
URL_OVERHEAD = 400
_SF_DATETIME = "%Y-%m-%dT%H:%M:%S.%f%z"
#: An object or field name, possibly through relationships (`Account.Owner.Name`).
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*")


#: SOQL's reserved words (and TYPEOF), which no object, field or relationship is named.
RESERVED = frozenset({
    "AND", "ASC", "DESC", "EXCLUDES", "FIRST", "FROM", "GROUP", "HAVING", "IN", "INCLUDES",
    "LAST", "LIKE", "LIMIT", "NOT", "NULL", "NULLS", "OR", "SELECT", "TYPEOF", "WHERE", "WITH",
})  # fmt: skip


def identifier(name: str) -> str:
    """`name` when it is a plain SOQL object or field name; ConnectorConfigError otherwise."""
    reserved = any(part.upper() in RESERVED for part in name.split("."))
    if reserved or not _IDENTIFIER.fullmatch(name):
        raise ConnectorConfigError(
            f"Salesforce name {name!r} is not an object or field name (letters, digits, "
            "underscores); check [salesforce.objects] in the config"
        )
    return name


def _select(fields: Sequence[str], sobject: str) -> str:
    """`SELECT a, b FROM X` with every name checked."""
    return f"SELECT {', '.join(map(identifier, fields))} FROM {identifier(sobject)}"


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
        parts.append(format_soql(f"{identifier(cursor)} >= {{:literal}}", soql_datetime(start)))
    if end is not None:
        parts.append(format_soql(f"{identifier(cursor)} < {{:literal}}", soql_datetime(end)))
    return f" WHERE {' AND '.join(parts)}" if parts else ""


def select_query(
    plan: PullPlan, fields: Sequence[str], start: datetime | None, end: datetime | None
) -> str:
    """The window's records in cursor order (Id breaks ties, so paging is stable)."""
    order = f" ORDER BY {identifier(plan.cursor)} ASC, Id ASC"
    return f"{_select(fields, plan.name)}{window_clause(plan.cursor, start, end)}{order}"


def count_query(plan: PullPlan, start: datetime | None, end: datetime | None = None) -> str:
    """`SELECT COUNT()` of the window (of every live record when unbounded)."""
    window = window_clause(plan.cursor, start, end)
    return f"SELECT COUNT() FROM {identifier(plan.name)}{window}"


def by_ids_query(sobject: str, fields: Sequence[str], ids: Sequence[str]) -> str:
    """Some fields of the records with these ids (each id quoted and escaped)."""
    return format_soql(f"{_select(fields, sobject)} WHERE Id IN {{}}", list(ids))


def all_records_query(sobject: str, fields: Sequence[str]) -> str:
    """Some fields of every live record (the integrity checks' id and formula reads)."""
    return _select(fields, sobject)


def earliest_query(plan: PullPlan) -> str:
    """The object's oldest cursor value: the lower bound of a full pull's window."""
    cursor = identifier(plan.cursor)
    return f"{_select([cursor], plan.name)} ORDER BY {cursor} ASC LIMIT 1"


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
