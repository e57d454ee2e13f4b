"""Aggregate functions without GROUP BY: COUNT(), COUNT(field), COUNT_DISTINCT,
SUM, AVG, MIN and MAX over all matching records, answered as one
AggregateResult record (`expr0`, `expr1` ... unless aliased), like Salesforce.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.salesforce import schema
from sandbox.salesforce.errors import SoqlError
from sandbox.salesforce.soql_ast import Aggregate
from sandbox.salesforce.soql_fields import NUMBER_TYPES, RecordLinks, comparable, resolve_path
from sandbox.state import Doc


@dataclass(frozen=True)
class AggregateColumn:
    label: str
    function: str
    read: Callable[[Doc], Any]
    key: Callable[[Any], Any]

    def compute(self, records: list[Doc]) -> Any:
        values = [value for value in map(self.read, records) if value is not None]
        if self.function == "COUNT":
            return len(values)
        if self.function == "COUNT_DISTINCT":
            return len({self.key(value) for value in values})
        if not values:
            return None
        if self.function == "SUM":
            return sum(values)
        if self.function == "AVG":
            return sum(values) / len(values)
        pick = min if self.function == "MIN" else max
        return pick(values, key=self.key)


def plan_aggregates(
    sobject: str, aggregates: list[Aggregate], links: RecordLinks
) -> list[AggregateColumn]:
    """Check each aggregate against the schema and name its result column."""
    columns: list[AggregateColumn] = []
    unnamed = 0
    for aggregate in aggregates:
        if aggregate.argument is None:
            raise SoqlError(
                "MALFORMED_QUERY",
                "COUNT() must be the only element in the SELECT list",
                aggregate.at,
            )
        path = resolve_path(sobject, aggregate.argument)
        if not _accepts(aggregate.function, path.field.type):
            raise SoqlError(
                "MALFORMED_QUERY",
                f"field {path.dotted()} does not support aggregate operator {aggregate.function}",
                aggregate.argument.at,
            )
        label = aggregate.alias or f"expr{unnamed}"
        unnamed += aggregate.alias is None
        columns.append(
            AggregateColumn(
                label, aggregate.function, links.getter(path), comparable(path.field.type)
            )
        )
    return columns


def _accepts(function: str, field_type: str) -> bool:
    if function in ("SUM", "AVG"):
        return field_type in NUMBER_TYPES
    if function in ("MIN", "MAX"):
        return field_type not in (schema.BOOLEAN, schema.MULTIPICKLIST, schema.ADDRESS)
    return field_type != schema.ADDRESS


def aggregate_record(columns: list[AggregateColumn], records: list[Doc]) -> dict[str, Any]:
    result: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
    for column in columns:
        result[column.label] = column.compute(records)
    return result
