"""Compound address fields (`BillingAddress`): read-only values the REST API builds
from their component fields (BillingStreet, BillingCity ...).

The REST API answers an object with every component (missing ones null) or null
when all are empty; describe names the compound on each component
(`compoundFieldName`); Bulk API 2.0 refuses compound fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.salesforce import schema
from sandbox.state import Doc

#: Component suffix -> key in the address value, in the order Salesforce writes the keys.
ADDRESS_PARTS = {
    "City": "city",
    "Country": "country",
    "GeocodeAccuracy": "geocodeAccuracy",
    "Latitude": "latitude",
    "Longitude": "longitude",
    "PostalCode": "postalCode",
    "State": "state",
    "Street": "street",
}


def address_prefix(compound: str) -> str:
    """The components' common prefix: BillingAddress -> Billing."""
    return compound.removesuffix("Address")


def address_reader(compound: str) -> Callable[[Doc], Any]:
    """Reads the address value of a stored record (components it lacks count as null)."""
    prefix = address_prefix(compound)
    parts = [(prefix + suffix, key) for suffix, key in ADDRESS_PARTS.items()]

    def read(record: Doc) -> dict[str, Any] | None:
        value = {key: record.get(component) for component, key in parts}
        return value if any(part is not None for part in value.values()) else None

    return read


def compound_field_name(sobject: str, name: str) -> str | None:
    """The compound field that `name` is a component of (BillingCity -> BillingAddress)."""
    for candidate, field in schema.OBJECTS.get(sobject, {}).items():
        if field.type != schema.ADDRESS:
            continue
        prefix = address_prefix(candidate)
        if name.startswith(prefix) and name[len(prefix) :] in ADDRESS_PARTS:
            return candidate
    return None
