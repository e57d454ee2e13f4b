"""The parsed form of a SOQL query, before it is checked against the schema.

Names keep the spelling the client wrote; `soql_fields` maps them to the
schema's canonical names (SOQL identifiers are case-insensitive).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from typing import Literal as TypingLiteral

from sandbox.salesforce.errors import Position

LiteralKind = TypingLiteral["string", "number", "boolean", "null", "date", "datetime", "relative"]


@dataclass(frozen=True)
class FieldPath:
    """A field or a parent path such as `Account.Owner.Email`."""

    names: tuple[str, ...]
    at: Position

    def dotted(self) -> str:
        return ".".join(self.names)


@dataclass(frozen=True)
class Aggregate:
    """An aggregate function in the select list: COUNT(), COUNT(Id), SUM(Amount) ..."""

    function: str
    argument: FieldPath | None
    alias: str | None
    at: Position


@dataclass(frozen=True)
class Literal:
    """A value in WHERE. `value` is decoded: str, int/float, bool, None, a date
    string, a datetime, or a (name, n) pair for relative date literals."""

    kind: LiteralKind
    value: Any
    raw: str
    at: Position


@dataclass(frozen=True)
class Comparison:
    """`field <operator> value`; operator is one of = != < <= > >= LIKE IN NOT IN
    INCLUDES EXCLUDES (the last two on multi-select picklists, with a value tuple)."""

    field: FieldPath
    operator: str
    value: Literal | tuple[Literal, ...] | Query


@dataclass(frozen=True)
class BoolOp:
    op: TypingLiteral["AND", "OR"]
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    part: Condition


Condition = Comparison | BoolOp | Not


@dataclass(frozen=True)
class OrderItem:
    field: FieldPath
    descending: bool
    #: None: Salesforce's default (nulls first ascending, last descending).
    nulls_last: bool | None


@dataclass(frozen=True)
class ChildQuery:
    """A parent-to-child subquery in the select list: `(SELECT LastName FROM Contacts)`;
    its FROM names a child relationship of the outer object."""

    query: Query
    at: Position


SelectItem = FieldPath | Aggregate | ChildQuery


@dataclass(frozen=True)
class Query:
    select: tuple[SelectItem, ...]
    sobject: str
    sobject_at: Position
    where: Condition | None = None
    order_by: tuple[OrderItem, ...] = ()
    limit: int | None = None
    offset: int | None = None
