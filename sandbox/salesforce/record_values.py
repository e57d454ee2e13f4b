"""Checks one written field value against its schema type and stores it in the
REST API's format (datetimes normalised to UTC "....000+0000", ids to 18
characters), refusing bad values with Salesforce's error codes.
"""

from __future__ import annotations

from typing import Any

from sandbox.ids import to_id18
from sandbox.salesforce import schema
from sandbox.salesforce.errors import ApiError
from sandbox.salesforce.schema import Field
from sandbox.salesforce.soql_dates import format_instant, parse_day, parse_instant
from sandbox.salesforce.soql_fields import ID_TYPES, NUMBER_TYPES, TEXT_TYPES
from sandbox.state import DocStore

_ID_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_JSON_KINDS = {
    bool: "VALUE_TRUE",
    int: "VALUE_NUMBER_INT",
    float: "VALUE_NUMBER_FLOAT",
    str: "VALUE_STRING",
    list: "START_ARRAY",
    dict: "START_OBJECT",
}


def _cannot_read(type_name: str, value: Any) -> ApiError:
    kind = _JSON_KINDS.get(type(value), "VALUE_STRING")
    return ApiError(
        400,
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {type_name} from {kind} value {value} or request "
        "may be missing a required field",
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def coerce_value(name: str, field: Field, value: Any, store: DocStore) -> Any:
    """The value to store for `name`, or the ApiError Salesforce would answer."""
    if value is None:
        return False if field.type == schema.BOOLEAN else None
    if field.type in TEXT_TYPES or field.type == schema.MULTIPICKLIST:
        # a multi-select picklist is written as one "A;B" string, like a text field
        return _text(name, field, value)
    if field.type == schema.BOOLEAN:
        if not isinstance(value, bool):
            raise _cannot_read("boolean", value)
        return value
    if field.type in NUMBER_TYPES:
        return _number(field, value)
    if field.type == schema.DATE:
        return _day(value)
    if field.type == schema.DATETIME:
        return _instant(value)
    if field.type in ID_TYPES:
        return _reference(name, field, value, store)
    raise _cannot_read(field.type, value)


def _text(name: str, field: Field, value: Any) -> str:
    if _is_number(value):
        return str(value)
    if not isinstance(value, str):
        raise _cannot_read("string", value)
    if field.type == schema.EMAIL and value:
        local, _, domain = value.partition("@")
        if not local or "." not in domain:
            raise ApiError(
                400, "INVALID_EMAIL_ADDRESS", f"{name}: invalid email address: {value}", [name]
            )
    return value


def _number(field: Field, value: Any) -> int | float:
    if not _is_number(value):
        raise _cannot_read("double", value)
    if field.type == schema.INT:
        if value != int(value):
            raise _cannot_read("int", value)
        return int(value)
    return float(value)


def _day(value: Any) -> str:
    try:
        return parse_day(value).isoformat()
    except (TypeError, ValueError):
        raise _cannot_read("date", value) from None


def _instant(value: Any) -> str:
    try:
        return format_instant(parse_instant(value))
    except (TypeError, ValueError):
        raise _cannot_read("datetime", value) from None


def _reference(name: str, field: Field, value: Any, store: DocStore) -> str:
    """An id pointing at an existing, undeleted record of one of the field's targets."""
    text = str(value)
    if len(text) not in (15, 18) or not set(text) <= _ID_CHARS:
        raise ApiError(400, "MALFORMED_ID", f"{name}: id value of incorrect type: {text}", [name])
    record_id = to_id18(text)
    for target in field.reference_to:
        found = store.get(target, record_id)
        if found is not None and not found.get("IsDeleted"):
            return record_id
    raise ApiError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [name])
