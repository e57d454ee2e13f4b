"""Runs parsed `$filter` and `$orderby` against stored JSON documents.

String comparisons ignore case, as Exchange and the directory do. A datetime
or date literal compares against the document's ISO string as a point in
time; values that are missing compare as null.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sandbox.graph.odata import (
    BarePath,
    Call,
    Compare,
    In,
    Lambda,
    Logical,
    Node,
    Not,
    OrderKey,
    Path,
)

Doc = dict[str, Any]


def matches(node: Node, doc: Doc, scope: dict[str, Any] | None = None) -> bool:
    """Whether `doc` satisfies the filter; `scope` binds lambda variables."""
    scope = scope or {}
    if isinstance(node, Logical):
        if node.op == "and":
            return matches(node.left, doc, scope) and matches(node.right, doc, scope)
        return matches(node.left, doc, scope) or matches(node.right, doc, scope)
    if isinstance(node, Not):
        return not matches(node.operand, doc, scope)
    if isinstance(node, Compare):
        return _compare(resolve(doc, node.path, scope), node.op, node.value)
    if isinstance(node, In):
        value = resolve(doc, node.path, scope)
        return any(_compare(value, "eq", candidate) for candidate in node.values)
    if isinstance(node, Call):
        return _call(node.function, resolve(doc, node.path, scope), node.value)
    if isinstance(node, Lambda):
        items = resolve(doc, node.path, scope) or []
        results = (matches(node.body, doc, {**scope, node.variable: item}) for item in items)
        return any(results) if node.quantifier == "any" else all(results)
    assert isinstance(node, BarePath)
    return resolve(doc, node.path, scope) is True


def resolve(doc: Doc, path: Path, scope: dict[str, Any] | None = None) -> Any:
    """The value at a property path; the first segment may name a lambda variable.

    A property the stand-in keeps hidden (`_name`, e.g. extended properties) is
    found under its public name: the query layer only lets filterable ones through.
    """
    scope = scope or {}
    head, *rest = path
    value: Any = scope[head] if head in scope else doc.get(head, doc.get(f"_{head}"))
    for name in rest:
        value = value.get(name) if isinstance(value, dict) else None
    return value


def sort_documents(docs: list[Doc], keys: list[OrderKey]) -> list[Doc]:
    """Documents ordered by `keys`; nulls sort first ascending, last descending."""
    ordered = list(docs)
    for key in reversed(keys):
        present = [(resolve(d, key.path), d) for d in ordered]
        missing = [d for value, d in present if value is None]
        valued = [(value, d) for value, d in present if value is not None]
        valued.sort(key=lambda pair: _sort_value(pair[0]), reverse=key.descending)
        ranked = [d for _, d in valued]
        ordered = ranked + missing if key.descending else missing + ranked
    return ordered


def _sort_value(value: Any) -> Any:
    if isinstance(value, str):
        moment = as_datetime(value)
        return (0, moment.timestamp(), "") if moment else (1, 0, value.lower())
    if isinstance(value, bool | int | float):
        return (0, float(value), "")
    return (2, 0, str(value))


def as_datetime(value: Any) -> datetime | None:
    """An aware datetime from an ISO string (naive ones are UTC), else None."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if not isinstance(value, str) or len(value) < 10 or value[4:5] != "-":
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _comparable(left: Any, right: Any) -> tuple[Any, Any] | None:
    """Both sides in one comparable form, or None when they cannot be ordered."""
    if isinstance(right, date):
        moment = as_datetime(left)
        return (moment, as_datetime(right)) if moment else None
    if isinstance(left, str) and isinstance(right, str):
        return left.lower(), right.lower()
    if isinstance(left, bool) or isinstance(right, bool):
        return (left, right) if isinstance(left, bool) and isinstance(right, bool) else None
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left, right
    return None


def _compare(left: Any, op: str, right: Any) -> bool:
    if left is None or right is None:
        equal = left is None and right is None
        return {"eq": equal, "ne": not equal}.get(op, False)
    pair = _comparable(left, right)
    if pair is None:
        return op == "ne"
    a, b = pair
    outcomes = {"eq": a == b, "ne": a != b, "gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b}
    return outcomes[op]


def _call(function: str, value: Any, argument: Any) -> bool:
    if not isinstance(value, str) or not isinstance(argument, str):
        return False
    text, part = value.lower(), argument.lower()
    if function == "startswith":
        return text.startswith(part)
    if function == "endswith":
        return text.endswith(part)
    return part in text
