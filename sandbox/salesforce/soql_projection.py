"""The select list as a tree, rendered into query records shaped like Salesforce's:
`attributes` first, then the selected fields in select order, parent paths
nested under their relationship (`null` when there is no parent) and child
subqueries as `{"totalSize", "done", "records"}` (`null` when no child matches).
"""

from __future__ import annotations

from collections.abc import Callable
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

#: For one page: a parent record's id -> its matching child records, in order.
ChildLookup = Callable[[str], list[Doc]]


@dataclass(frozen=True)
class Leaf:
    """A selected field and how to read it from a record of its branch's object."""

    name: str
    read: Callable[[Doc], Any]


@dataclass
class ChildBranch:
    """A child subquery: `rows()` prepares, once per page, the lookup of child records."""

    relationship: str
    projection: Projection
    rows: Callable[[], ChildLookup]


@dataclass
class Selection:
    """Fields selected on one object: leaves, parent relationships and child subqueries."""

    #: set on a parent branch: the hop that leads here from the record above
    hop: Hop | None = None
    children: list[Leaf | Selection | ChildBranch] = field(default_factory=list)

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
    #: the selected field paths in select order (the columns of a CSV rendering)
    columns: list[ResolvedPath] = field(default_factory=list)

    @property
    def child_branches(self) -> list[ChildBranch]:
        return [child for child in self.root.children if isinstance(child, ChildBranch)]

    def render_page(self, records: list[Doc], version: str) -> list[dict[str, Any]]:
        """Render a page of records; child subqueries are looked up once per page."""
        lookups = {branch.relationship: branch.rows() for branch in self.child_branches}
        return [
            self._render(self.sobject, record, self.root, version, False, lookups)
            for record in records
        ]

    def _render(
        self,
        sobject: str,
        record: Doc,
        selection: Selection,
        version: str,
        via_name_entity: bool,
        lookups: dict[str, ChildLookup],
    ) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "attributes": {
                "type": NAME_ENTITY if via_name_entity else sobject,
                "url": f"/services/data/{version}/sobjects/{sobject}/{record['Id']}",
            }
        }
        for child in selection.children:
            if isinstance(child, Leaf):
                shown[child.name] = (
                    name_entity_value(sobject, record, child.name)
                    if via_name_entity
                    else child.read(record)
                )
            elif isinstance(child, ChildBranch):
                shown[child.relationship] = _child_result(
                    child, lookups[child.relationship](record["Id"]), version
                )
            else:
                assert child.hop is not None
                parent = self.links.follow(record, child.hop)
                shown[child.hop.relationship] = (
                    None
                    if parent is None
                    else self._render(*parent, child, version, child.hop.polymorphic, lookups)
                )
        return shown


def _child_result(branch: ChildBranch, rows: list[Doc], version: str) -> dict[str, Any] | None:
    if not rows:
        return None
    return {
        "totalSize": len(rows),
        "done": True,
        "records": branch.projection.render_page(rows, version),
    }


def build_projection(
    sobject: str, items: list[FieldPath | ChildBranch], links: RecordLinks
) -> Projection:
    """Check the selected paths and arrange them with the child subqueries in select
    order; a field selected twice is refused."""
    root = Selection()
    projection = Projection(sobject, root, links)
    seen: set[str] = set()
    for item in items:
        if isinstance(item, ChildBranch):
            root.children.append(item)
            continue
        resolved = resolve_path(sobject, item)
        dotted = resolved.dotted()
        if dotted.lower() in seen:
            raise SoqlError("MALFORMED_QUERY", f"duplicate field selected: {dotted}", item.at)
        seen.add(dotted.lower())
        selection = root
        for hop in resolved.hops:
            selection = selection.branch(hop)
        selection.children.append(
            Leaf(resolved.name, links.leaf_reader(resolved.entity, resolved.name))
        )
        projection.columns.append(resolved)
    return projection
