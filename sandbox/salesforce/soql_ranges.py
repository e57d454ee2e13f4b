"""The range a WHERE clause sets on one field, so a query can read a slice of a
sorted index instead of testing every record; the rest of the condition is kept.

Only the top-level AND is looked at: `SystemModstamp >= X AND SystemModstamp < Y
AND IsDeleted = false` bounds SystemModstamp to [X, Y) and leaves
`IsDeleted = false` to test record by record.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sandbox.salesforce.soql_ast import BoolOp, Comparison, Condition, Literal
from sandbox.salesforce.soql_dates import parse_instant
from sandbox.salesforce.soql_fields import resolve_path
from sandbox.salesforce.soql_where import Span, WhereContext, typed_value

_RANGE_OPERATORS = frozenset({"=", "<", "<=", ">", ">="})
_BOUND_KINDS = frozenset({"datetime", "relative", "string", "date"})


@dataclass(frozen=True)
class Bounds:
    """low..high in the field's comparable values; None is unbounded."""

    low: str | None = None
    low_inclusive: bool = True
    high: str | None = None
    high_inclusive: bool = True

    def as_tuple(self) -> tuple[str | None, bool, str | None, bool]:
        return self.low, self.low_inclusive, self.high, self.high_inclusive

    def above(self, value: str, inclusive: bool) -> Bounds:
        """Also at least (or above) `value`: the tighter of the two lower bounds."""
        if self.low is None or value > self.low:
            return replace(self, low=value, low_inclusive=inclusive)
        if value == self.low:
            return replace(self, low_inclusive=self.low_inclusive and inclusive)
        return self

    def below(self, value: str, inclusive: bool) -> Bounds:
        if self.high is None or value < self.high:
            return replace(self, high=value, high_inclusive=inclusive)
        if value == self.high:
            return replace(self, high_inclusive=self.high_inclusive and inclusive)
        return self

    def days(self, now: datetime) -> float:
        """How many days the bounds span on a datetime field (no upper bound: up to
        `now`; no lower bound: infinite)."""
        if self.low is None:
            return math.inf
        high = parse_instant(self.high) if self.high is not None else now
        return (high - parse_instant(self.low)).total_seconds() / 86400


def split_bounds(
    condition: Condition | None, field_name: str, context: WhereContext
) -> tuple[Bounds | None, Condition | None]:
    """(bounds on `field_name` or None when the condition sets none, the rest of it)."""
    if condition is None:
        return None, None
    parts = (
        list(condition.parts)
        if isinstance(condition, BoolOp) and condition.op == "AND"
        else [condition]
    )
    bounds: Bounds | None = None
    rest: list[Condition] = []
    for part in parts:
        value = _bound_value(part, field_name, context)
        if value is None:
            rest.append(part)
            continue
        assert isinstance(part, Comparison)
        bounds = _tighten(bounds or Bounds(), part.operator, value)
    if bounds is None:
        return None, condition
    residual = None if not rest else rest[0] if len(rest) == 1 else BoolOp("AND", tuple(rest))
    return bounds, residual


def _bound_value(part: Condition, field_name: str, context: WhereContext) -> Any:
    """The comparable value a comparison bounds `field_name` by, or None."""
    if not isinstance(part, Comparison) or part.operator not in _RANGE_OPERATORS:
        return None
    literal = part.value
    if not isinstance(literal, Literal) or literal.kind not in _BOUND_KINDS:
        return None
    if len(part.field.names) != 1 or part.field.names[0].lower() != field_name.lower():
        return None
    return typed_value(literal, resolve_path(context.sobject, part.field), context)


def _tighten(bounds: Bounds, operator: str, value: Any) -> Bounds:
    if isinstance(value, Span):  # a relative date literal: [low, high)
        low, high = value.low, value.high
        if operator == "=":
            return bounds.above(low, True).below(high, False)
        if operator == ">=":
            return bounds.above(low, True)
        if operator == ">":
            return bounds.above(high, True)
        return bounds.below(low if operator == "<" else high, False)
    if operator == "=":
        return bounds.above(value, True).below(value, True)
    if operator in (">", ">="):
        return bounds.above(value, operator == ">=")
    return bounds.below(value, operator == "<=")


#: The fields an incremental sync windows its queries on.
MODSTAMP_FIELDS = ("SystemModstamp", "LastModifiedDate")


def window_days(condition: Condition | None, context: WhereContext, now: datetime) -> float:
    """How many days of changes a query reads: its narrowest SystemModstamp or
    LastModifiedDate window (infinite when neither has a lower bound)."""
    spans = [
        bounds.days(now)
        for field_name in MODSTAMP_FIELDS
        if (bounds := split_bounds(condition, field_name, context)[0]) is not None
    ]
    return min(spans, default=math.inf)
