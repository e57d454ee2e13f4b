"""Creating, updating and deleting records the way the sObject REST API does:
field names checked against the schema, read-only and missing required
fields refused, bookkeeping fields stamped, computed fields derived, new ids
and auto-numbers drawn from counters kept in the store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sandbox.ids import salesforce_id, to_id18
from sandbox.salesforce import schema
from sandbox.salesforce.errors import ApiError
from sandbox.salesforce.record_rules import DEFAULTS, derive
from sandbox.salesforce.record_values import coerce_value
from sandbox.salesforce.soql_dates import format_instant
from sandbox.salesforce.soql_fields import find_field
from sandbox.state import Doc, DocStore

META = "_meta"
ID_COUNTERS = "id_counters"
AUTO_NUMBERS = "auto_numbers"
#: Auto-number fields Salesforce fills on create (eight digits).
AUTO_NUMBER_FIELDS = {"Case": "CaseNumber", "Contract": "ContractNumber"}
_ID_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def writable(field: schema.Field) -> bool:
    return field.updateable and not field.calculated


def required(field: schema.Field) -> bool:
    """Must have a value: non-nillable, client-written and not a checkbox (those default false)."""
    return not field.nillable and writable(field) and field.type != schema.BOOLEAN


class RecordWriter:
    """Applies client writes to the records of one org."""

    def __init__(self, store: DocStore, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()

    def existing(self, sobject: str, record_id: str) -> Doc:
        """The live record for a 15- or 18-character id, else the 404 Salesforce answers."""
        known = len(record_id) in (15, 18) and set(record_id) <= _ID_CHARS
        record = self._store.get(sobject, to_id18(record_id)) if known else None
        if record is None:
            raise ApiError(
                404,
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {record_id}",
            )
        if record.get("IsDeleted"):
            raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted")
        return record

    def create(self, sobject: str, body: Any, user_id: str) -> str:
        changes = self._changes(sobject, body)
        record: Doc = {name: None for name in schema.fields_of(sobject)}
        record.update(
            {
                name: False
                for name, field in schema.fields_of(sobject).items()
                if field.type == schema.BOOLEAN
            }
        )
        record.update(DEFAULTS.get(sobject, {}))
        if "OwnerId" in record:
            record["OwnerId"] = user_id
        record.update(changes)
        _check_required(sobject, record, list(schema.fields_of(sobject)))
        with self._lock:
            record["Id"] = self._next_id(sobject)
            if sobject in AUTO_NUMBER_FIELDS:
                record[AUTO_NUMBER_FIELDS[sobject]] = self._next_auto_number(sobject)
            now = self._stamp(record, user_id)
            record["CreatedDate"], record["CreatedById"] = now, user_id
            derive(sobject, record, None, self._store, now)
            self._store.put(sobject, record["Id"], record)
        return str(record["Id"])

    def update(self, sobject: str, record_id: str, body: Any, user_id: str) -> None:
        changes = self._changes(sobject, body)
        with self._lock:
            before = self.existing(sobject, record_id)
            record = {**before, **changes}
            _check_required(sobject, record, list(changes))
            now = self._stamp(record, user_id)
            derive(sobject, record, before, self._store, now)
            self._store.put(sobject, record["Id"], record)

    def delete(self, sobject: str, record_id: str, user_id: str) -> None:
        """Soft delete: the record stays, flagged, visible to queryAll only."""
        with self._lock:
            record = {**self.existing(sobject, record_id), "IsDeleted": True}
            self._stamp(record, user_id)
            self._store.put(sobject, record["Id"], record)

    def _stamp(self, record: Doc, user_id: str) -> str:
        now = format_instant(self._clock())
        record["LastModifiedDate"] = record["SystemModstamp"] = now
        record["LastModifiedById"] = user_id
        return now

    def _changes(self, sobject: str, body: Any) -> dict[str, Any]:
        """The body's fields in canonical spelling with stored-format values."""
        if not isinstance(body, dict):
            raise ApiError(
                400,
                "JSON_PARSER_ERROR",
                "Cannot deserialize instance of sObject from non-object value",
            )
        fields: dict[str, tuple[str, schema.Field]] = {}
        for name in body:
            found = find_field(sobject, name) if name != "attributes" else None
            if found is None and name != "attributes":
                raise ApiError(
                    400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject}"
                )
            if found is not None:
                fields[name] = found
        read_only = [canonical for canonical, field in fields.values() if not writable(field)]
        if read_only:
            raise ApiError(
                400,
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {', '.join(read_only)}. Please check the "
                "security settings of this field and verify that it is read/write for your "
                "profile or permission set.",
                read_only,
            )
        return {
            canonical: coerce_value(canonical, field, body[name], self._store)
            for name, (canonical, field) in fields.items()
        }

    def _next_id(self, sobject: str) -> str:
        counters = self._store.get(META, ID_COUNTERS) or {}
        number = int(counters.get(sobject, self._store.count(sobject) + 1))
        while self._store.get(sobject, salesforce_id(sobject, number)) is not None:
            number += 1
        self._store.put(META, ID_COUNTERS, {**counters, sobject: number + 1})
        return salesforce_id(sobject, number)

    def _next_auto_number(self, sobject: str) -> str:
        field = AUTO_NUMBER_FIELDS[sobject]
        counters = self._store.get(META, AUTO_NUMBERS) or {}
        number = counters.get(sobject)
        if number is None:
            taken = [
                int(record[field])
                for record in self._store.all(sobject)
                if str(record.get(field) or "").isdigit()
            ]
            number = max(taken, default=0) + 1
        self._store.put(META, AUTO_NUMBERS, {**counters, sobject: number + 1})
        return f"{number:08d}"


def _check_required(sobject: str, record: Doc, names: list[str]) -> None:
    fields = schema.fields_of(sobject)
    missing = [name for name in names if required(fields[name]) and record.get(name) in (None, "")]
    if missing:
        raise ApiError(
            400,
            "REQUIRED_FIELD_MISSING",
            f"Required fields are missing: [{', '.join(missing)}]",
            missing,
        )
