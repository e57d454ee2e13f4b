"""MAPI extended properties on Outlook items (messages, events).

A client writes `singleValueExtendedProperties: [{"id": "String {guid} Name X",
"value": "..."}]` on create or update. Outlook never returns them unless asked
with `$expand=singleValueExtendedProperties($filter=id eq '...')`, and finds
items by them with `$filter=singleValueExtendedProperties/Any(ep: ep/id eq
'...' and ep/value eq '...')`. The stand-in keeps them under a `_` key so no
default response carries them.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.graph.errors import GraphError, bad_request
from sandbox.graph.odata import Node, ODataSyntaxError, parse_filter
from sandbox.graph.odata_eval import matches
from sandbox.state import Doc

SINGLE = "singleValueExtendedProperties"
MULTI = "multiValueExtendedProperties"
NAMES = frozenset({SINGLE, MULTI})

_TYPES = (
    "Binary|Boolean|Currency|CLSID|Double|Float|Integer|Long|Short|SystemTime|String|"
    "BinaryArray|CLSIDArray|CurrencyArray|DoubleArray|FloatArray|IntegerArray|LongArray|"
    "ShortArray|SystemTimeArray|StringArray"
)
_GUID = r"\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}"
_PROPERTY_ID = re.compile(
    rf"^(?:{_TYPES}) (?:0x[0-9A-Fa-f]{{4}}|{_GUID} (?:Name \S.*|Id 0x[0-9A-Fa-f]+))$"
)


def stored_key(name: str) -> str:
    """Where an item keeps the extended properties a client wrote."""
    return f"_{name}"


def accept(body: dict[str, Any], into: Doc) -> None:
    """Move the extended properties of a create/update body into `into`'s hidden keys.

    Properties with an id already stored replace it; the others are added.
    """
    for name in NAMES & body.keys():
        written = _checked(body[name], name)
        current = {str(p["id"]): p for p in into.get(stored_key(name)) or []}
        current.update({str(p["id"]): p for p in written})
        into[stored_key(name)] = list(current.values())


def _checked(value: Any, name: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise bad_request(f"The property '{name}' must be a collection.")
    properties = []
    for item in value:
        key = item.get("id") if isinstance(item, dict) else None
        if not isinstance(key, str) or not _PROPERTY_ID.match(key):
            raise GraphError(
                400, "ErrorInvalidProperty", f"The extended property id '{key}' is invalid."
            )
        if "value" not in item:
            raise bad_request(f"The extended property '{key}' has no value.")
        properties.append({"id": key, "value": item["value"]})
    return properties


def parse_expansion(options: str, name: str) -> Node:
    """The `$filter` inside `singleValueExtendedProperties($filter=...)`."""
    option, _, text = options.partition("=")
    if option.strip() != "$filter" or not text.strip():
        raise bad_request(
            f"Parsing OData Select and Expand failed: '{name}' must be expanded with "
            "$filter on its id."
        )
    try:
        return parse_filter(text.strip())
    except ODataSyntaxError as exc:
        raise bad_request(f"Invalid filter clause: {exc}") from exc


def expanded(doc: Doc, expansions: dict[str, Node]) -> dict[str, Any]:
    """The expanded extended properties of `doc` (an expansion matching none is left out)."""
    shown = {}
    for name, node in expansions.items():
        chosen = [p for p in doc.get(stored_key(name)) or [] if matches(node, p)]
        if chosen:
            shown[name] = chosen
    return shown
