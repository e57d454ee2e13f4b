"""Creating, updating, upserting and deleting records the way the sObject REST API
does: bodies checked (`record_changes`), external ids kept unique, bookkeeping
fields stamped, computed fields derived, every write remembered by the open
transactions so an allOrNone request can roll it back.

Every record write of the org goes through `RecordWriter` (the external id index
follows its writes). `batch()` defers the store writes of a many-record request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.ids import KEY_PREFIXES, to_id18
from sandbox.salesforce import schema, transactions
from sandbox.salesforce.errors import ApiError
from sandbox.salesforce.external_ids import ExternalIdIndex, external_id_fields
from sandbox.salesforce.record_buffer import BufferedRecords
from sandbox.salesforce.record_changes import body_changes, check_required
from sandbox.salesforce.record_changes import writable as writable  # describe.py imports it here
from sandbox.salesforce.record_numbers import RecordNumbers
from sandbox.salesforce.record_rules import DEFAULTS, derive
from sandbox.salesforce.soql_dates import format_instant
from sandbox.salesforce.transactions import Transaction
from sandbox.state import Doc, DocStore

_ID_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def well_formed_id(sobject: str, record_id: str) -> bool:
    """A 15- or 18-character id carrying the object's key prefix."""
    return (
        len(record_id) in (15, 18)
        and set(record_id) <= _ID_CHARS
        and record_id[:3] == KEY_PREFIXES.get(sobject, record_id[:3])
    )


class MultipleMatches(Exception):
    """An upsert's external id value matches several records (HTTP 300)."""

    def __init__(self, sobject: str, record_ids: list[str]) -> None:
        super().__init__(f"{sobject}: {', '.join(record_ids)}")
        self.sobject = sobject
        self.record_ids = record_ids


@dataclass(frozen=True)
class UpsertOutcome:
    record_id: str
    created: bool


class RecordWriter:
    """Applies client writes to the records of one org (every record write goes here)."""

    def __init__(self, store: DocStore, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock
        self._lock = threading.RLock()
        self._records = BufferedRecords(store)
        self._numbers = RecordNumbers(store, self._records.get)
        self._external_ids = ExternalIdIndex(store, self._records.get)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Write the records of the block to the store together, at its end."""
        with self._lock, self._records.batch():
            yield

    def find(self, sobject: str, record_id: str) -> Doc | None:
        """The stored record (deleted ones included) for a well-formed id, else None."""
        if not well_formed_id(sobject, record_id):
            return None
        return self._records.get(sobject, to_id18(record_id))

    def existing(self, sobject: str, record_id: str) -> Doc:
        """The live record for a 15- or 18-character id, else the 404 Salesforce answers."""
        record = self.find(sobject, record_id)
        if record is None:
            raise ApiError(
                404,
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {record_id}",
            )
        if record.get("IsDeleted"):
            raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted")
        return record

    def matches(self, sobject: str, field: str, value: object) -> list[str]:
        """Ids of the live records whose external id `field` equals `value`."""
        return self._external_ids.ids(sobject, field, value)

    def create(self, sobject: str, body: Any, user_id: str) -> str:
        changes = body_changes(sobject, body, self._store, creating=True)
        fields = schema.fields_of(sobject)
        record: Doc = {
            name: False if field.type == schema.BOOLEAN else None for name, field in fields.items()
        }
        record.update(DEFAULTS.get(sobject, {}))
        if "OwnerId" in record:
            record["OwnerId"] = user_id
        record.update(changes)
        check_required(sobject, record, list(fields))
        with self._lock:
            self._check_unique(sobject, record, list(changes))
            record["Id"] = self._numbers.next_id(sobject)
            auto_number = self._numbers.next_auto_number(sobject)
            if auto_number is not None:
                field_name, number = auto_number
                record[field_name] = number
            now = self._stamp(record, user_id)
            record["CreatedDate"], record["CreatedById"] = now, user_id
            derive(sobject, record, None, self._store, now)
            self._save(sobject, None, record)
        return str(record["Id"])

    def update(self, sobject: str, record_id: str, body: Any, user_id: str) -> None:
        changes = body_changes(sobject, body, self._store, creating=False)
        with self._lock:
            before = self.existing(sobject, record_id)
            record = {**before, **changes}
            check_required(sobject, record, list(changes))
            self._check_unique(sobject, record, list(changes))
            now = self._stamp(record, user_id)
            derive(sobject, record, before, self._store, now)
            self._save(sobject, before, record)

    def upsert(
        self, sobject: str, field: str, value: str, body: Any, user_id: str
    ) -> UpsertOutcome:
        """Update the one record whose external id `field` is `value`, else create it
        with that value; MultipleMatches when several records hold it."""
        with self._lock:
            found = self.matches(sobject, field, value)
            if len(found) > 1:
                raise MultipleMatches(sobject, found)
            if found:
                self.update(sobject, found[0], body, user_id)
                return UpsertOutcome(found[0], created=False)
            with_key = {**body, field: value} if isinstance(body, dict) else body
            return UpsertOutcome(self.create(sobject, with_key, user_id), created=True)

    def delete(self, sobject: str, record_id: str, user_id: str) -> str:
        """Soft delete: the record stays, flagged, visible to queryAll only. Returns its id."""
        with self._lock:
            before = self.existing(sobject, record_id)
            record = {**before, "IsDeleted": True}
            self._stamp(record, user_id)
            self._save(sobject, before, record)
        return str(record["Id"])

    def rollback(self, undone: Transaction) -> None:
        """Put back every record `undone` remembers, as it was before the transaction."""
        with self._lock:
            for (sobject, record_id), before in undone.before.items():
                after = self._records.get(sobject, record_id)
                if before is None:
                    self._records.remove(sobject, record_id)
                else:
                    self._records.put(sobject, record_id, before)
                self._external_ids.replace(sobject, after, before)

    def _save(self, sobject: str, before: Doc | None, record: Doc) -> None:
        transactions.remember(sobject, record["Id"], before)
        self._records.put(sobject, record["Id"], record)
        self._external_ids.replace(sobject, before, record)

    def _stamp(self, record: Doc, user_id: str) -> str:
        now = format_instant(self._clock())
        record["LastModifiedDate"] = record["SystemModstamp"] = now
        record["LastModifiedById"] = user_id
        return now

    def _check_unique(self, sobject: str, record: Doc, names: list[str]) -> None:
        """DUPLICATE_VALUE when another live record already holds an external id set here."""
        for field in external_id_fields(sobject):
            if field not in names or record.get(field) in (None, ""):
                continue
            others = [
                found
                for found in self.matches(sobject, field, record[field])
                if found != record.get("Id")
            ]
            if others:
                raise ApiError(
                    400,
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {field} duplicates value on record with id: "
                    f"{others[0]}",
                    [],
                )
