"""What a client may write: field names checked against the schema, read-only
fields refused, values stored in the REST API's formats, required fields present.
"""

from __future__ import annotations

from typing import Any

from sandbox.salesforce import schema
from sandbox.salesforce.errors import ApiError
from sandbox.salesforce.record_values import coerce_value
from sandbox.salesforce.soql_fields import find_field
from sandbox.state import Doc, DocStore


def writable(field: schema.Field) -> bool:
    """Settable on create and on update."""
    return field.updateable and not field.calculated


def createable(name: str, field: schema.Field) -> bool:
    """Settable on create: writable fields, plus a required parent reference that is
    fixed once the record exists (OpportunityLineItem.OpportunityId)."""
    fixed_parent = (
        field.type == schema.REFERENCE
        and not field.nillable
        and not field.calculated
        and name not in schema.SYSTEM_FIELDS
    )
    return writable(field) or fixed_parent


def required(name: str, field: schema.Field) -> bool:
    """Must have a value: non-nillable, client-written and not a checkbox (those default false)."""
    return not field.nillable and createable(name, field) and field.type != schema.BOOLEAN


def body_changes(sobject: str, body: Any, store: DocStore, *, creating: bool) -> dict[str, Any]:
    """The body's fields in canonical spelling with stored-format values, or the
    ApiError Salesforce answers (unknown field, read-only field, bad value)."""
    if not isinstance(body, dict):
        raise ApiError(
            400, "JSON_PARSER_ERROR", "Cannot deserialize instance of sObject from non-object value"
        )
    fields: dict[str, tuple[str, schema.Field]] = {}
    for name in body:
        if name == "attributes":
            continue
        found = find_field(sobject, name)
        if found is None:
            raise ApiError(
                400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {sobject}"
            )
        fields[name] = found
    settable = createable if creating else (lambda name, field: writable(field))
    read_only = [
        canonical for canonical, field in fields.values() if not settable(canonical, field)
    ]
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
        canonical: coerce_value(canonical, field, body[name], store)
        for name, (canonical, field) in fields.items()
    }


def check_required(sobject: str, record: Doc, names: list[str]) -> None:
    """REQUIRED_FIELD_MISSING when any of `names` is required and blank in `record`."""
    fields = schema.fields_of(sobject)
    missing = [
        name for name in names if required(name, fields[name]) and record.get(name) in (None, "")
    ]
    if missing:
        raise ApiError(
            400,
            "REQUIRED_FIELD_MISSING",
            f"Required fields are missing: [{', '.join(missing)}]",
            missing,
        )
