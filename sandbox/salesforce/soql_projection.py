"""The select list as a tree, rendered into query records shaped like Salesforce's:
`attributes` first, then the selected fields in select order, parent paths
nested under their relationship (`null` when there is no parent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.salesforce.errors import SoqlError
from sandbox.salesforce.soql_ast import FieldPath
from sandbox.salesforce.soql_fields import (
    NAME_ENTITY,
    Hop,
    RecordLinks,
    ResolvedPath,
    name_entity_value,
    resolve_path,
)
from sandbox.state import Doc


@dataclass
class Selection:
    """Fields selected on one object: leaf names and parent relationships, in order."""

    #: set on a parent branch: the hop that leads here from the record above
    hop: Hop | None = None
    children: list[str | Selection] = field(default_factory=list)

    def branch(self, hop: Hop) -> Selection:
        for child in self.children:
            if isinstance(child, Selection) and child.hop == hop:
                return child
        created = Selection(hop)
        self.children.append(created)
        return created


@dataclass
class Projection:
    """Renders records of one queried object for one API version."""

    sobject: str
    root: Selection
    links: RecordLinks

    def render(self, record: Doc, version: str) -> dict[str, Any]:
        return self._render(self.sobject, record, self.root, version, via_name_entity=False)

    def _render(
        self,
        sobject: str,
        record: Doc,
        selection: Selection,
        version: str,
        via_name_entity: bool,
    ) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "attributes": {
                "type": NAME_ENTITY if via_name_entity else sobject,
                "url": f"/services/data/{version}/sobjects/{sobject}/{record['Id']}",
            }
        }
        for child in selection.children:
            if isinstance(child, str):
                shown[child] = (
                    name_entity_value(sobject, record, child)
                    if via_name_entity
                    else record.get(child)
                )
                continue
            assert child.hop is not None
            parent = self.links.follow(record, child.hop)
            shown[child.hop.relationship] = (
                None
                if parent is None
                else self._render(*parent, child, version, child.hop.polymorphic)
            )
        return shown


def build_projection(sobject: str, paths: list[FieldPath], links: RecordLinks) -> Projection:
    """Check the selected paths and arrange them; a field selected twice is refused."""
    root = Selection()
    seen: set[str] = set()
    for path in paths:
        resolved: ResolvedPath = resolve_path(sobject, path)
        dotted = resolved.dotted()
        if dotted.lower() in seen:
            raise SoqlError("MALFORMED_QUERY", f"duplicate field selected: {dotted}", path.at)
        seen.add(dotted.lower())
        selection = root
        for hop in resolved.hops:
            selection = selection.branch(hop)
        selection.children.append(resolved.name)
    return Projection(sobject, root, links)
