"""Child relationship subqueries in the select list (`SELECT Name, (SELECT LastName
FROM Contacts ORDER BY LastName LIMIT 5) FROM Account`), one level deep as the
sandbox offers: the FROM names a child relationship of the outer object, and each
parent record gets its matching children, filtered, ordered and limited.
"""

from __future__ import annotations

from collections.abc import Callable

from sandbox.salesforce.child_relationships import find_child_relationship
from sandbox.salesforce.errors import WSDL_HINT, SoqlError, unsupported
from sandbox.salesforce.query_indexes import StoreIndexes
from sandbox.salesforce.soql_ast import ChildQuery, FieldPath
from sandbox.salesforce.soql_fields import RecordLinks
from sandbox.salesforce.soql_order import apply_order, build_sort_keys
from sandbox.salesforce.soql_projection import ChildBranch, ChildLookup, build_projection
from sandbox.salesforce.soql_where import WhereContext, compile_condition
from sandbox.state import Doc

#: Makes the WHERE context for a child object.
ContextFor = Callable[[str], WhereContext]


def plan_child_query(
    parent: str,
    child: ChildQuery,
    *,
    links: RecordLinks,
    indexes: StoreIndexes,
    context_for: ContextFor,
    include_deleted: bool,
) -> ChildBranch:
    """Check a child subquery against the schema and compile how to find each parent's rows."""
    query = child.query
    relationship = find_child_relationship(parent, query.sobject)
    if relationship is None or relationship.relationship_name is None:
        raise SoqlError(
            "INVALID_TYPE",
            f"Didn't understand relationship '{query.sobject}' in FROM part of query call. "
            "If you are attempting to use a custom relationship, be sure to append the '__r' "
            "after the custom relationship name. " + WSDL_HINT,
            query.sobject_at,
        )
    fields = [item for item in query.select if isinstance(item, FieldPath)]
    if len(fields) != len(query.select):
        raise unsupported("Aggregate functions in child relationship subqueries", child.at)
    if query.offset is not None:
        raise unsupported("OFFSET in child relationship subqueries", child.at)
    sobject, reference_field = relationship.child_sobject, relationship.field
    projection = build_projection(sobject, list(fields), links)
    matches = (
        compile_condition(query.where, context_for(sobject)) if query.where is not None else None
    )
    sort_keys = build_sort_keys(sobject, query.order_by, links)
    limit = query.limit

    def rows() -> ChildLookup:
        groups = indexes.children_of(sobject, reference_field)

        def lookup(parent_id: str) -> list[Doc]:
            found = [
                record
                for record in groups.get(parent_id, ())
                if (include_deleted or not record.get("IsDeleted"))
                and (matches is None or matches(record))
            ]
            return apply_order(found, sort_keys)[:limit]

        return lookup

    return ChildBranch(relationship.relationship_name, projection, rows)
