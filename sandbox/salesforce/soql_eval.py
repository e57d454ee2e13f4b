"""Runs parsed SOQL against the document store.

`SoqlEngine.plan` checks a query against the schema once and compiles it
(which sorted index to read candidates from and within what bounds, the
predicate left to test, sort keys, projection or aggregates); `execute` then
takes the candidates, tests them, sorts and slices.

Candidates come from a sorted index (`query_indexes`): on the ORDER BY field
when it is a bookkeeping datetime or Id (optionally then Id), so no sort is
needed; else on a field the WHERE bounds; else on Id. Only what the index
cannot answer is tested record by record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sandbox.salesforce.errors import WSDL_HINT, SoqlError
from sandbox.salesforce.query_indexes import SORTABLE_FIELDS, indexes_for
from sandbox.salesforce.soql_aggregates import AggregateColumn, plan_aggregates
from sandbox.salesforce.soql_ast import Aggregate, ChildQuery, FieldPath, OrderItem, Query
from sandbox.salesforce.soql_children import plan_child_query
from sandbox.salesforce.soql_fields import ID_TYPES, RecordLinks, canonical_object, resolve_path
from sandbox.salesforce.soql_order import SortKey, apply_order, build_sort_keys
from sandbox.salesforce.soql_projection import ChildBranch, Projection, build_projection
from sandbox.salesforce.soql_ranges import Bounds, split_bounds
from sandbox.salesforce.soql_where import Predicate, WhereContext, compile_condition
from sandbox.state import Doc, DocStore

MAX_OFFSET = 2000


@dataclass
class QueryPlan:
    """A checked, compiled query: what to match, how to order, what to return."""

    sobject: str
    include_deleted: bool
    predicate: Predicate | None = None
    sort_keys: list[SortKey] = field(default_factory=list)
    limit: int | None = None
    offset: int = 0
    #: read candidates from the index sorted on this field, within `bounds`
    index_field: str = "Id"
    bounds: Bounds = field(default_factory=Bounds)
    #: the index order is the ORDER BY (reversed when `descending`), so no sort is needed
    index_ordered: bool = False
    descending: bool = False
    #: exactly one of these three says what the query returns
    projection: Projection | None = None
    aggregates: list[AggregateColumn] = field(default_factory=list)
    count_only: bool = False


class SoqlEngine:
    """Plans and executes SOQL over one `DocStore` (one collection per sObject)."""

    def __init__(self, store: DocStore, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self.links = RecordLinks(store)
        self.indexes = indexes_for(store)

    def plan(self, query: Query, *, include_deleted: bool) -> QueryPlan:
        sobject = canonical_object(query.sobject)
        if sobject is None:
            raise SoqlError(
                "INVALID_TYPE",
                f"sObject type '{query.sobject}' is not supported. If you are attempting to "
                "use a custom object, be sure to append the '__c' after the entity name. "
                + WSDL_HINT,
                query.sobject_at,
            )
        if query.offset is not None and query.offset > MAX_OFFSET:
            raise SoqlError(
                "NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}"
            )
        plan = QueryPlan(sobject, include_deleted, limit=query.limit, offset=query.offset or 0)
        self._plan_select(plan, query)
        if query.order_by and plan.projection is None:
            item = query.order_by[0]
            raise SoqlError(
                "MALFORMED_QUERY",
                f"Ordered field must be grouped or aggregated: {item.field.dotted()}",
                item.field.at,
            )
        plan.sort_keys = build_sort_keys(sobject, query.order_by, self.links)
        self._plan_access(plan, query)
        return plan

    def where_context(self, sobject: str, include_deleted: bool) -> WhereContext:
        """What WHERE clauses on `sobject` are compiled with (today, semi-join runner)."""
        return WhereContext(
            sobject,
            self.links,
            self._clock().astimezone(UTC).date(),
            lambda sub: self._semi_join(sub, include_deleted),
        )

    def _plan_select(self, plan: QueryPlan, query: Query) -> None:
        aggregates = [item for item in query.select if isinstance(item, Aggregate)]
        if not aggregates:
            items: list[FieldPath | ChildBranch] = [
                self._child_branch(plan, item) if isinstance(item, ChildQuery) else item
                for item in query.select
                if not isinstance(item, Aggregate)
            ]
            plan.projection = build_projection(plan.sobject, items, self.links)
            return
        others = [item for item in query.select if not isinstance(item, Aggregate)]
        if others:
            first = others[0]
            shown = first.dotted() if isinstance(first, FieldPath) else first.query.sobject
            raise SoqlError(
                "MALFORMED_QUERY", f"Field must be grouped or aggregated: {shown}", first.at
            )
        first_aggregate = aggregates[0]
        if (
            len(aggregates) == 1
            and first_aggregate.function == "COUNT"
            and first_aggregate.argument is None
        ):
            plan.count_only = True
        else:
            plan.aggregates = plan_aggregates(plan.sobject, aggregates, self.links)

    def _child_branch(self, plan: QueryPlan, child: ChildQuery) -> ChildBranch:
        return plan_child_query(
            plan.sobject,
            child,
            links=self.links,
            indexes=self.indexes,
            context_for=lambda sobject: self.where_context(sobject, plan.include_deleted),
            include_deleted=plan.include_deleted,
        )

    def _plan_access(self, plan: QueryPlan, query: Query) -> None:
        """Choose the index to read candidates from, and compile what is left to test."""
        context = self.where_context(plan.sobject, plan.include_deleted)
        ordered = _index_order(plan.sobject, query.order_by) if plan.projection else None
        residual = query.where
        for field_name in (ordered[0],) if ordered else SORTABLE_FIELDS:
            bounds, rest = split_bounds(query.where, field_name, context)
            if bounds is not None or ordered:
                plan.index_field, plan.bounds, residual = field_name, bounds or Bounds(), rest
                break
        if ordered:
            plan.index_ordered, plan.descending, plan.sort_keys = True, ordered[1], []
        if residual is not None:
            plan.predicate = compile_condition(residual, context)

    def _semi_join(self, subquery: Query, include_deleted: bool) -> frozenset[str]:
        selected = subquery.select[0]
        if len(subquery.select) != 1 or not isinstance(selected, FieldPath):
            raise SoqlError(
                "MALFORMED_QUERY",
                "Semi join sub-selects must select exactly one Id field",
                subquery.sobject_at,
            )
        plan = self.plan(subquery, include_deleted=include_deleted)
        path = resolve_path(plan.sobject, selected)
        if path.field.type not in ID_TYPES:
            raise SoqlError(
                "MALFORMED_QUERY",
                f"Semi join sub-selects must select an Id or reference field, "
                f"not '{path.dotted()}'",
                selected.at,
            )
        read = self.links.getter(path)
        return frozenset(value for value in map(read, self.execute(plan)) if value)

    def execute(self, plan: QueryPlan) -> list[Doc]:
        """The matching records, ordered, after OFFSET and LIMIT."""
        records = self.indexes.sorted_between(
            plan.sobject,
            plan.index_field,
            plan.bounds.as_tuple(),
            include_deleted=plan.include_deleted,
        )
        if plan.predicate is not None:
            matches = plan.predicate
            records = [record for record in records if matches(record)]
        if plan.index_ordered and plan.descending:
            records.reverse()
        records = apply_order(records, plan.sort_keys)
        if plan.offset == 0 and (plan.limit is None or plan.limit >= len(records)):
            return records  # already a list of its own: no copy of a large result
        end = None if plan.limit is None else plan.offset + plan.limit
        return records[plan.offset : end]


def _index_order(sobject: str, order_by: tuple[OrderItem, ...]) -> tuple[str, bool] | None:
    """(field, descending) when ORDER BY is `F` or `F, Id` on a sortable bookkeeping
    field, all one direction: the order a sorted index already holds."""
    names = []
    for item in order_by:
        path = resolve_path(sobject, item.field)
        if path.hops:
            return None
        names.append(path.name)
    directions = {item.descending for item in order_by}
    if len(directions) != 1 or names[0] not in SORTABLE_FIELDS:
        return None
    if names == [names[0]] or (names[0] != "Id" and names == [names[0], "Id"]):
        return names[0], directions.pop()
    return None
