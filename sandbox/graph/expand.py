"""`$expand` as Outlook reads it: navigation names, and extended properties with a `$filter`.

`$expand=singleValueExtendedProperties($filter=id eq '...')` is the only way
an extended property leaves the mailbox; the items are split at top-level
commas only, since filters may hold commas and parentheses of their own.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from sandbox.graph.errors import bad_request
from sandbox.graph.extended_properties import expanded, parse_expansion
from sandbox.graph.odata import Node
from sandbox.graph.schema import ResourceType

Doc = dict[str, Any]


def entity_expansions(request: Request, resource: ResourceType) -> dict[str, Node]:
    """The extended-property expansions of a request (`name($filter=id eq '...')`)."""
    _, extended = parse_expand(request.query_params, frozenset(), resource)
    return extended


def with_expansions(shaped: dict[str, Any], doc: Doc, expansions: dict[str, Node]) -> Doc:
    """A shaped item plus the extended properties its request expanded."""
    return shaped | expanded(doc, expansions) if expansions else shaped


def parse_expand(
    params: Any, expandable: frozenset[str], resource: ResourceType
) -> tuple[set[str], dict[str, Node]]:
    """Expanded navigation names, and the extended-property expansions with their filters."""
    names: set[str] = set()
    extended: dict[str, Node] = {}
    for item in split_top_level(params.get("$expand", "")):
        name, _, options = item.partition("(")
        name = name.strip()
        if name in resource.extended:
            extended[name] = parse_expansion(options.rstrip().removesuffix(")"), name)
        elif name not in expandable:
            raise bad_request(
                f"Parsing OData Select and Expand failed: Could not find a property named '{name}'."
            )
        names.add(name)
    return names, extended


def split_top_level(text: str) -> list[str]:
    """Comma-separated items, ignoring commas inside parentheses and quotes."""
    items, depth, quoted, start = [], 0, False, 0
    for at, char in enumerate(text):
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
        elif not quoted and depth == 0 and char == ",":
            items.append(text[start:at])
            start = at + 1
    items.append(text[start:])
    return [item.strip() for item in items if item.strip()]
