"""Live records by external-id value, for upserts and the uniqueness Salesforce enforces.

External ids match case-insensitively, as a default (case-insensitive unique)
external id field does. The index of an object is built from the store on first
use and then kept current by `RecordWriter`, which makes every record write;
a hit is checked against the record as the writer reads it before it is trusted.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from sandbox.salesforce import schema
from sandbox.state import Doc, DocStore


@cache
def external_id_fields(sobject: str) -> tuple[str, ...]:
    """The object's fields usable as upsert keys (schema `external_id`)."""
    return tuple(name for name, field in schema.fields_of(sobject).items() if field.external_id)


def match_key(value: object) -> str:
    """How an external id value is compared: as text, ignoring case."""
    return str(value).casefold()


def _keys(sobject: str, record: Doc | None) -> list[tuple[str, str]]:
    """(field, match key) of each external id the record holds while it is live."""
    if record is None or record.get("IsDeleted"):
        return []
    return [
        (field, match_key(record[field]))
        for field in external_id_fields(sobject)
        if record.get(field) not in (None, "")
    ]


class ExternalIdIndex:
    """Ids of live records per (object, external id field, value)."""

    def __init__(self, store: DocStore, read: Callable[[str, str], Doc | None]) -> None:
        self._store = store
        self._read = read
        self._by_object: dict[str, dict[tuple[str, str], set[str]]] = {}

    def ids(self, sobject: str, field: str, value: object) -> list[str]:
        """Ids of the live records whose `field` equals `value`, oldest first."""
        index = self._index(sobject)
        key = match_key(value)
        found = []
        for record_id in sorted(index.get((field, key), ())):
            record = self._read(sobject, record_id)
            if (field, key) in _keys(sobject, record):
                found.append(record_id)
        return found

    def replace(self, sobject: str, before: Doc | None, after: Doc | None) -> None:
        """Follow one record write (`before` None: created; `after` None: removed)."""
        if not external_id_fields(sobject):
            return
        index = self._index(sobject)
        record_id = str((after or before or {}).get("Id"))
        for entry in _keys(sobject, before):
            index.get(entry, set()).discard(record_id)
        for entry in _keys(sobject, after):
            index.setdefault(entry, set()).add(record_id)

    def _index(self, sobject: str) -> dict[tuple[str, str], set[str]]:
        """The object's index, built from the store (writes after this are replayed)."""
        index = self._by_object.get(sobject)
        if index is None:
            index = {}
            for record in self._store.iter(sobject):
                for entry in _keys(sobject, record):
                    index.setdefault(entry, set()).add(str(record["Id"]))
            self._by_object[sobject] = index
        return index
