"""ORDER BY: sort keys checked against the schema, and the stable sorts that apply them
(nulls first ascending and last descending unless NULLS FIRST/LAST says otherwise)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.salesforce import schema
from sandbox.salesforce.errors import SoqlError
from sandbox.salesforce.soql_ast import OrderItem
from sandbox.salesforce.soql_fields import RecordLinks, comparable_getter, resolve_path
from sandbox.state import Doc

#: Field types Salesforce cannot sort on.
UNSORTABLE_TYPES = frozenset({schema.ADDRESS, schema.MULTIPICKLIST})


@dataclass(frozen=True)
class SortKey:
    read: Callable[[Doc], Any]
    descending: bool
    nulls_last: bool


def build_sort_keys(
    sobject: str, order_by: tuple[OrderItem, ...], links: RecordLinks
) -> list[SortKey]:
    keys = []
    for item in order_by:
        path = resolve_path(sobject, item.field)
        if path.field.type in UNSORTABLE_TYPES:
            raise SoqlError(
                "INVALID_FIELD",
                f"field '{path.dotted()}' can not be sorted in a query call",
                item.field.at,
            )
        nulls_last = item.descending if item.nulls_last is None else item.nulls_last
        keys.append(SortKey(comparable_getter(path, links), item.descending, nulls_last))
    return keys


def apply_order(records: list[Doc], keys: list[SortKey]) -> list[Doc]:
    """Records ordered by the keys, the first key most significant."""
    for key in reversed(keys):
        records = _sorted(records, key)
    return records


def _sorted(records: list[Doc], key: SortKey) -> list[Doc]:
    """A stable sort on one key, nulls kept apart so they go first or last."""
    keyed = [(key.read(record), record) for record in records]
    nulls = [record for value, record in keyed if value is None]
    present = [(value, record) for value, record in keyed if value is not None]
    present.sort(key=lambda pair: pair[0], reverse=key.descending)
    ordered = [record for _, record in present]
    return ordered + nulls if key.nulls_last else nulls + ordered
