"""WHERE conditions compiled once per query into plain Python predicates.

Values are compared the way SOQL does: text case-insensitively, datetimes as
instants, ids as 18-character ids, `!=` matching nulls, relative date literals
as day ranges, multi-select picklists as value sets (`=`, `!=`, INCLUDES,
EXCLUDES), and a literal of the wrong type refused like Salesforce does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sandbox.ids import to_id18
from sandbox.salesforce import schema
from sandbox.salesforce.errors import SoqlError, unsupported
from sandbox.salesforce.soql_ast import BoolOp, Comparison, Condition, Literal, Not, Query
from sandbox.salesforce.soql_dates import (
    UnsupportedDateLiteral,
    parse_day,
    relative_range,
    utc_text,
)
from sandbox.salesforce.soql_fields import (
    ID_TYPES,
    NUMBER_TYPES,
    TEXT_TYPES,
    RecordLinks,
    ResolvedPath,
    comparable_getter,
    resolve_path,
    selected_values,
)
from sandbox.salesforce.soql_tree import STRING_ESCAPES
from sandbox.state import Doc

Predicate = Callable[[Doc], bool]
_ID_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True)
class Span:
    """A relative date literal as [low, high) in the field's comparable values."""

    low: Any
    high: Any

    def holds(self, value: Any) -> bool:
        return value is not None and self.low <= value < self.high


@dataclass(frozen=True)
class WhereContext:
    sobject: str
    links: RecordLinks
    today: date
    #: Runs a semi-join subquery and returns the ids it selects.
    semi_join: Callable[[Query], frozenset[str]]


def compile_condition(condition: Condition, context: WhereContext) -> Predicate:
    """A predicate over stored records of `context.sobject`."""
    if isinstance(condition, BoolOp):
        parts = [compile_condition(part, context) for part in condition.parts]
        return _all_of(parts) if condition.op == "AND" else _any_of(parts)
    if isinstance(condition, Not):
        inner = compile_condition(condition.part, context)
        return lambda record: not inner(record)
    return _comparison(condition, context)


def _all_of(parts: list[Predicate]) -> Predicate:
    """`a and b and ...` as chained closures (faster per record than all() on a generator)."""
    first, *rest = parts
    if not rest:
        return first
    others = _all_of(rest)
    return lambda record: first(record) and others(record)


def _any_of(parts: list[Predicate]) -> Predicate:
    first, *rest = parts
    if not rest:
        return first
    others = _any_of(rest)
    return lambda record: first(record) or others(record)


def _comparison(comparison: Comparison, context: WhereContext) -> Predicate:
    path = resolve_path(context.sobject, comparison.field)
    if path.field.type == schema.ADDRESS:
        raise SoqlError(
            "INVALID_FIELD",
            f"field '{path.dotted()}' can not be filtered in query call",
            comparison.field.at,
        )
    read = comparable_getter(path, context.links)
    operator, value = comparison.operator, comparison.value
    if operator in ("INCLUDES", "EXCLUDES"):
        assert isinstance(value, tuple)
        return _multi_select(path, read, operator, value, comparison)
    if path.field.type == schema.MULTIPICKLIST and operator not in ("=", "!="):
        raise _invalid_operator(path, comparison)
    if isinstance(value, Query):
        return _semi_join(path, read, operator, context.semi_join(value), comparison)
    if isinstance(value, tuple):
        return _membership(read, operator, [typed_value(item, path, context) for item in value])
    if operator == "LIKE":
        return _like(path, context.links.getter(path), value)
    return _compare(path, read, operator, typed_value(value, path, context), value)


def _invalid_operator(path: ResolvedPath, comparison: Comparison) -> SoqlError:
    return SoqlError(
        "INVALID_QUERY_FILTER_OPERATOR",
        f"invalid operator on field: {path.dotted()}",
        comparison.field.at,
    )


def _multi_select(
    path: ResolvedPath,
    read: Callable[[Doc], Any],
    operator: str,
    values: tuple[Literal, ...],
    comparison: Comparison,
) -> Predicate:
    """INCLUDES ('a;b', 'c'): the field holds a and b, or holds c; EXCLUDES: neither."""
    if path.field.type != schema.MULTIPICKLIST:
        raise SoqlError(
            "INVALID_QUERY_FILTER_OPERATOR",
            "includes or excludes operator only valid on multipicklist field",
            comparison.field.at,
        )
    wanted = [typed_value(value, path, None) for value in values]

    def includes(found: frozenset[str] | None) -> bool:
        return found is not None and any(required <= found for required in wanted)

    if operator == "INCLUDES":
        return lambda record: includes(read(record))
    return lambda record: not includes(read(record))


def _semi_join(
    path: ResolvedPath,
    read: Callable[[Doc], Any],
    operator: str,
    ids: frozenset[str],
    comparison: Comparison,
) -> Predicate:
    if path.field.type not in ID_TYPES:
        raise SoqlError(
            "MALFORMED_QUERY",
            f"Semi join sub-selects are only allowed on Id or reference fields, "
            f"not '{path.dotted()}'",
            comparison.field.at,
        )
    if operator == "IN":
        return lambda record: read(record) in ids
    return lambda record: (found := read(record)) is not None and found not in ids


def _membership(read: Callable[[Doc], Any], operator: str, values: list[Any]) -> Predicate:
    spans = [value for value in values if isinstance(value, Span)]
    plain = frozenset(value for value in values if not isinstance(value, Span))

    def member(found: Any) -> bool:
        return found in plain or any(span.holds(found) for span in spans)

    if operator == "IN":
        return lambda record: member(read(record))
    return lambda record: (found := read(record)) is not None and not member(found)


def _like(path: ResolvedPath, read: Callable[[Doc], Any], pattern: Literal) -> Predicate:
    if path.field.type not in TEXT_TYPES or pattern.kind != "string":
        raise SoqlError(
            "INVALID_QUERY_FILTER_OPERATOR",
            f"invalid operator on field: {path.dotted()}",
            pattern.at,
        )
    matches = like_matcher(pattern.raw)
    return lambda record: isinstance(found := read(record), str) and matches(found)


def like_matcher(quoted: str) -> Callable[[str], bool]:
    """Case-insensitive LIKE: `%` any run, `_` one character, `\\%` and `\\_` literal."""
    parts: list[str] = []
    chars = iter(quoted[1:-1])
    for char in chars:
        if char == "\\":
            escaped = next(chars)
            parts.append(re.escape(STRING_ESCAPES.get(escaped, escaped)))
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    compiled = re.compile("".join(parts), re.IGNORECASE | re.DOTALL)
    return lambda text: compiled.fullmatch(text) is not None


def _compare(
    path: ResolvedPath, read: Callable[[Doc], Any], operator: str, value: Any, literal: Literal
) -> Predicate:
    if isinstance(value, Span):
        return _compare_span(read, operator, value)
    if value is None and path.field.type == schema.BOOLEAN:
        value = False  # SOQL: a boolean "= null" means "= false"
    if operator == "=":
        return lambda record: read(record) == value
    if operator == "!=":
        return lambda record: read(record) != value
    if value is None or path.field.type == schema.BOOLEAN:
        raise SoqlError(
            "INVALID_QUERY_FILTER_OPERATOR",
            f"invalid operator on field: {path.dotted()}",
            literal.at,
        )
    ordered: dict[str, Callable[[Any], bool]] = {
        "<": lambda found: found < value,
        "<=": lambda found: found <= value,
        ">": lambda found: found > value,
        ">=": lambda found: found >= value,
    }
    test = ordered[operator]
    return lambda record: (found := read(record)) is not None and test(found)


def _compare_span(read: Callable[[Doc], Any], operator: str, span: Span) -> Predicate:
    tests: dict[str, Callable[[Any], bool]] = {
        "=": span.holds,
        "!=": lambda found: not span.holds(found),
        "<": lambda found: found is not None and found < span.low,
        "<=": lambda found: found is not None and found < span.high,
        ">": lambda found: found is not None and found >= span.high,
        ">=": lambda found: found is not None and found >= span.low,
    }
    test = tests[operator]
    return lambda record: test(read(record))


def typed_value(literal: Literal, path: ResolvedPath, context: WhereContext | None) -> Any:
    """The literal as a comparable value of the field's type, or the type error SOQL gives
    (relative date literals need the `context`'s today)."""
    field_type, kind = path.field.type, literal.kind
    if kind == "null":
        return None
    if field_type in TEXT_TYPES and kind == "string":
        return str(literal.value).casefold()
    if field_type == schema.MULTIPICKLIST and kind == "string":
        return selected_values(str(literal.value))
    if field_type in ID_TYPES and kind == "string":
        return _id_value(literal)
    if (field_type == schema.BOOLEAN and kind == "boolean") or (
        field_type in NUMBER_TYPES and kind == "number"
    ):
        return literal.value
    if field_type == schema.DATE and kind == "date":
        return _checked_day(literal)
    if field_type == schema.DATETIME and kind == "datetime":
        return utc_text(literal.value)
    if field_type in (schema.DATE, schema.DATETIME) and kind == "relative" and context:
        return _span(literal, field_type, context.today)
    raise _wrong_type(path, literal)


def _id_value(literal: Literal) -> str:
    text = str(literal.value)
    if len(text) not in (15, 18) or not set(text) <= _ID_CHARS:
        raise SoqlError("MALFORMED_QUERY", f"invalid ID field: {text}", literal.at)
    return to_id18(text)


def _checked_day(literal: Literal) -> str:
    try:
        return parse_day(literal.value).isoformat()
    except ValueError:
        raise SoqlError("MALFORMED_QUERY", f"Invalid date: {literal.raw}", literal.at) from None


def _span(literal: Literal, field_type: str, today: date) -> Span:
    name, count = literal.value
    try:
        days = relative_range(name, count, today)
    except UnsupportedDateLiteral:
        raise unsupported(f"Date literal {name}", literal.at) from None
    if field_type == schema.DATE:
        return Span(days.start.isoformat(), days.end.isoformat())
    return Span(*days.instants())


_TYPE_NAMES = {
    schema.DATE: "date",
    schema.DATETIME: "dateTime",
    schema.BOOLEAN: "boolean",
    schema.INT: "integer",
}


def _wrong_type(path: ResolvedPath, literal: Literal) -> SoqlError:
    field_type = path.field.type
    if field_type in TEXT_TYPES or field_type in ID_TYPES or field_type == schema.MULTIPICKLIST:
        expected, quotes = ("id" if field_type in ID_TYPES else "string"), "should be"
    else:
        expected, quotes = _TYPE_NAMES.get(field_type, "double"), "should not be"
    return SoqlError(
        "INVALID_FIELD",
        f"value of filter criterion for field '{path.dotted()}' must be of type {expected} "
        f"and {quotes} enclosed in quotes",
        literal.at,
    )
