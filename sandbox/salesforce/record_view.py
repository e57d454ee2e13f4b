"""Records as the REST API shows them: `attributes` (type and URL) followed by the
asked fields, formula and compound fields computed when read.
"""

from __future__ import annotations

from typing import Any

from sandbox.salesforce import schema
from sandbox.salesforce.errors import WSDL_HINT, ApiError
from sandbox.salesforce.soql_fields import RecordLinks, find_field
from sandbox.state import Doc, DocStore


def record_url(sobject: str, record_id: str, version: str) -> str:
    return f"/services/data/{version}/sobjects/{sobject}/{record_id}"


def requested_fields(sobject: str, fields_param: str | None) -> list[str]:
    """Canonical names of a `fields=` list (every field when absent), else INVALID_FIELD."""
    if not fields_param:
        return list(schema.fields_of(sobject))
    names = []
    for requested in fields_param.split(","):
        found = find_field(sobject, requested.strip())
        if found is None:
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"No such column '{requested.strip()}' on entity '{sobject}'. If you are "
                "attempting to use a custom field, be sure to append the '__c' after the "
                "custom field name. " + WSDL_HINT,
            )
        names.append(found[0])
    return names


class RecordView:
    """Shows records of one org (reading parents for cross-object formulas)."""

    def __init__(self, store: DocStore) -> None:
        self._links = RecordLinks(store)

    def body(self, sobject: str, record: Doc, names: list[str], version: str) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "attributes": {"type": sobject, "url": record_url(sobject, record["Id"], version)}
        }
        shown.update((name, self._links.leaf_reader(sobject, name)(record)) for name in names)
        return shown
