"""Runs parsed SOQL against the document store.

`SoqlEngine.plan` checks a query against the schema once and compiles it
(predicate, sort keys, projection or aggregates); `execute` then makes one
pass over the object's records, sorts and slices. Pages are rendered later
from the matching ids, so a query locator holds ids, not records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.salesforce.errors import WSDL_HINT, SoqlError
from sandbox.salesforce.soql_aggregates import AggregateColumn, plan_aggregates
from sandbox.salesforce.soql_ast import Aggregate, FieldPath, Query
from sandbox.salesforce.soql_fields import (
    ID_TYPES,
    RecordLinks,
    canonical_object,
    comparable_getter,
    resolve_path,
)
from sandbox.salesforce.soql_projection import Projection, build_projection
from sandbox.salesforce.soql_where import Predicate, WhereContext, compile_condition
from sandbox.state import Doc, DocStore

MAX_OFFSET = 2000


@dataclass(frozen=True)
class SortKey:
    read: Callable[[Doc], Any]
    descending: bool
    nulls_last: bool


@dataclass
class QueryPlan:
    """A checked, compiled query: what to match, how to order, what to return."""

    sobject: str
    include_deleted: bool
    predicate: Predicate | None = None
    sort_keys: list[SortKey] = field(default_factory=list)
    limit: int | None = None
    offset: int = 0
    #: exactly one of these three says what the query returns
    projection: Projection | None = None
    aggregates: list[AggregateColumn] = field(default_factory=list)
    count_only: bool = False


class SoqlEngine:
    """Plans and executes SOQL over one `DocStore` (one collection per sObject)."""

    def __init__(self, store: DocStore, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock
        self.links = RecordLinks(store)

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
        if query.where is not None:
            context = WhereContext(
                sobject,
                self.links,
                self._clock().astimezone(UTC).date(),
                lambda sub: self._semi_join(sub, include_deleted),
            )
            plan.predicate = compile_condition(query.where, context)
        plan.sort_keys = self._sort_keys(plan, query)
        return plan

    def _plan_select(self, plan: QueryPlan, query: Query) -> None:
        fields = [item for item in query.select if isinstance(item, FieldPath)]
        aggregates = [item for item in query.select if isinstance(item, Aggregate)]
        if not aggregates:
            plan.projection = build_projection(plan.sobject, fields, self.links)
            return
        if fields:
            raise SoqlError(
                "MALFORMED_QUERY",
                f"Field must be grouped or aggregated: {fields[0].dotted()}",
                fields[0].at,
            )
        first = aggregates[0]
        if len(aggregates) == 1 and first.function == "COUNT" and first.argument is None:
            plan.count_only = True
        else:
            plan.aggregates = plan_aggregates(plan.sobject, aggregates, self.links)

    def _sort_keys(self, plan: QueryPlan, query: Query) -> list[SortKey]:
        if query.order_by and plan.projection is None:
            item = query.order_by[0]
            raise SoqlError(
                "MALFORMED_QUERY",
                f"Ordered field must be grouped or aggregated: {item.field.dotted()}",
                item.field.at,
            )
        keys = []
        for item in query.order_by:
            read = comparable_getter(resolve_path(plan.sobject, item.field), self.links)
            # Salesforce's default puts nulls first ascending and last descending.
            nulls_last = item.descending if item.nulls_last is None else item.nulls_last
            keys.append(SortKey(read, item.descending, nulls_last))
        return keys

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
        matches = plan.predicate or (lambda record: True)
        hide_deleted = not plan.include_deleted
        records = [
            record
            for record in self._store.all(plan.sobject)
            if not (hide_deleted and record.get("IsDeleted")) and matches(record)
        ]
        for key in reversed(plan.sort_keys):
            records = _sorted(records, key)
        end = None if plan.limit is None else plan.offset + plan.limit
        return records[plan.offset : end]


def _sorted(records: list[Doc], key: SortKey) -> list[Doc]:
    """A stable sort on one key, nulls kept apart so they go first or last."""
    keyed = [(key.read(record), record) for record in records]
    nulls = [record for value, record in keyed if value is None]
    present = [(value, record) for value, record in keyed if value is not None]
    present.sort(key=lambda pair: pair[0], reverse=key.descending)
    ordered = [record for _, record in present]
    return ordered + nulls if key.nulls_last else nulls + ordered
