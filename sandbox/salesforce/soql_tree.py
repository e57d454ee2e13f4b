"""The lark parse tree of a SOQL query turned into `soql_ast` nodes.

Valid-looking features the sandbox does not evaluate (nested child subqueries,
TYPEOF, GROUP BY, FOR UPDATE, functions ...) are refused here by name, with
their position, as MALFORMED_QUERY.
"""

from __future__ import annotations

from typing import Any

from lark import Token, Transformer, v_args

from sandbox.salesforce import soql_ast as ast
from sandbox.salesforce.errors import Position, SoqlError, unsupported

STRING_ESCAPES = {
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "b": "\b",
    "f": "\f",
    '"': '"',
    "'": "'",
    "\\": "\\",
}
#: Escapes SOQL allows only inside LIKE patterns; elsewhere they stand for the character.
LIKE_ESCAPES = ("%", "_")


#: Aggregate functions the sandbox evaluates (over all matching rows, no GROUP BY).
AGGREGATES = frozenset({"COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"})


def _require_field(operand: Any) -> ast.FieldPath:
    """WHERE and ORDER BY take plain fields here; functions there are refused by name."""
    if isinstance(operand, ast.FieldPath):
        return operand
    name, _ = operand
    raise unsupported(f"{name}() in WHERE or ORDER BY", _at(name))


def _at(token: Token) -> Position:
    return Position(token.line or 1, token.column or 1)


def decode_string(raw: str, at: Position) -> str:
    """The value of a quoted SOQL string literal (quotes included in `raw`)."""
    chars: list[str] = []
    body = iter(raw[1:-1])
    for char in body:
        if char != "\\":
            chars.append(char)
            continue
        escaped = next(body)
        if escaped in STRING_ESCAPES:
            chars.append(STRING_ESCAPES[escaped])
        elif escaped in LIKE_ESCAPES:
            chars.append(escaped)
        else:
            raise SoqlError(
                "MALFORMED_QUERY",
                f"Invalid string literal '{raw[1:-1]}'. Illegal character sequence "
                f"'\\{escaped}' in string literal.",
                at,
            )
    return "".join(chars)


class SoqlTreeBuilder(Transformer[Token, ast.Query]):
    """Builds `soql_ast` nodes; refuses unsupported features with their position."""

    def query(self, children: list[Any]) -> ast.Query:
        select, (sobject, sobject_at), *clauses = children
        return ast.Query(
            select=tuple(select), sobject=sobject, sobject_at=sobject_at, **dict(clauses)
        )

    def select_clause(self, items: list[Any]) -> list[Any]:
        return items

    def field_path(self, names: list[Token]) -> ast.FieldPath:
        return ast.FieldPath(tuple(str(name) for name in names), _at(names[0]))

    def function_ref(self, children: list[Any]) -> tuple[Token, list[Any]]:
        name, *args = children
        return name, [arg for arg in args if arg is not None]

    def function_call(self, children: list[Any]) -> ast.Aggregate:
        (name, args), alias = children
        function = str(name).upper()
        if function not in AGGREGATES:
            raise unsupported(f"{name}()", _at(name))
        if len(args) > 1 or any(not isinstance(arg, ast.FieldPath) for arg in args):
            raise SoqlError("MALFORMED_QUERY", f"{name}() takes one field", _at(name))
        if not args and function != "COUNT":
            raise SoqlError("MALFORMED_QUERY", f"{name}() needs a field", _at(name))
        return ast.Aggregate(
            function, args[0] if args else None, str(alias) if alias else None, _at(name)
        )

    @v_args(meta=True)
    def child_query(self, meta: Any, children: list[ast.Query]) -> ast.ChildQuery:
        query = children[0]
        nested = next((item for item in query.select if isinstance(item, ast.ChildQuery)), None)
        if nested is not None:
            raise unsupported("Nested child relationship subqueries", nested.at)
        return ast.ChildQuery(query, Position(meta.line, meta.column))

    def typeof(self, children: list[Any]) -> None:
        raise unsupported("TYPEOF", _at(children[0]))

    def from_clause(self, children: list[Any]) -> tuple[str, Position]:
        name, alias = children
        if alias is not None:
            raise unsupported("Object aliases in FROM", _at(alias))
        return str(name), _at(name)

    def using_clause(self, children: list[Token]) -> None:
        raise unsupported("USING SCOPE", _at(children[0]))

    def with_clause(self, children: list[Token]) -> None:
        raise unsupported(f"WITH {children[1]}", _at(children[0]))

    def group_clause(self, children: list[Any]) -> None:
        raise unsupported("GROUP BY", _at(children[0]))

    def for_clause(self, children: list[Token]) -> None:
        raise unsupported(f"FOR {str(children[1]).upper()}", _at(children[0]))

    def update_clause(self, children: list[Token]) -> None:
        raise unsupported(f"UPDATE {str(children[1]).upper()}", _at(children[0]))

    def where_clause(self, children: list[Any]) -> tuple[str, ast.Condition]:
        return "where", children[0]

    def order_clause(self, items: list[ast.OrderItem]) -> tuple[str, tuple[ast.OrderItem, ...]]:
        return "order_by", tuple(items)

    def order_item(self, children: list[Any]) -> ast.OrderItem:
        field, direction, nulls = children
        _require_field(field)
        return ast.OrderItem(field, direction == "DESC", None if nulls is None else nulls == "LAST")

    def direction(self, children: list[Token]) -> str:
        return str(children[0]).upper()

    def nulls(self, children: list[Token]) -> str:
        return str(children[0]).upper()

    def limit_clause(self, children: list[Token]) -> tuple[str, int]:
        return "limit", int(children[0])

    def offset_clause(self, children: list[Token]) -> tuple[str, int]:
        return "offset", int(children[0])

    def and_condition(self, parts: list[ast.Condition]) -> ast.BoolOp:
        return ast.BoolOp("AND", tuple(parts))

    def or_condition(self, parts: list[ast.Condition]) -> ast.BoolOp:
        return ast.BoolOp("OR", tuple(parts))

    def not_condition(self, children: list[ast.Condition]) -> ast.Not:
        return ast.Not(children[0])

    def compare(self, children: list[Any]) -> ast.Comparison:
        field, operator, value = children
        symbol = "!=" if operator == "<>" else str(operator)
        return ast.Comparison(_require_field(field), symbol, value)

    def like(self, children: list[Any]) -> ast.Comparison:
        return ast.Comparison(_require_field(children[0]), "LIKE", children[1])

    def in_values(self, children: list[Any]) -> ast.Comparison:
        return ast.Comparison(_require_field(children[0]), "IN", children[1])

    def not_in_values(self, children: list[Any]) -> ast.Comparison:
        return ast.Comparison(_require_field(children[0]), "NOT IN", children[1])

    def in_query(self, children: list[Any]) -> ast.Comparison:
        return ast.Comparison(_require_field(children[0]), "IN", children[1])

    def not_in_query(self, children: list[Any]) -> ast.Comparison:
        return ast.Comparison(_require_field(children[0]), "NOT IN", children[1])

    def multi_select(self, children: list[Any]) -> ast.Comparison:
        field, operator, values = children
        return ast.Comparison(_require_field(field), str(operator).upper(), values)

    def value_list(self, values: list[ast.Literal]) -> tuple[ast.Literal, ...]:
        return tuple(values)

    def string(self, children: list[Token]) -> ast.Literal:
        token = children[0]
        return ast.Literal("string", decode_string(str(token), _at(token)), str(token), _at(token))

    def number(self, children: list[Token]) -> ast.Literal:
        raw = str(children[0])
        value: int | float = float(raw) if "." in raw else int(raw)
        return ast.Literal("number", value, raw, _at(children[0]))

    def date(self, children: list[Token]) -> ast.Literal:
        return ast.Literal("date", str(children[0]), str(children[0]), _at(children[0]))

    def datetime(self, children: list[Token]) -> ast.Literal:
        return ast.Literal("datetime", str(children[0]), str(children[0]), _at(children[0]))

    def relative_date(self, children: list[Token]) -> ast.Literal:
        raw = str(children[0])
        name, _, count = raw.upper().partition(":")
        value = (name, int(count) if count else None)
        return ast.Literal("relative", value, raw, _at(children[0]))

    def true(self, children: list[Token]) -> ast.Literal:
        return ast.Literal("boolean", True, str(children[0]), _at(children[0]))

    def false(self, children: list[Token]) -> ast.Literal:
        return ast.Literal("boolean", False, str(children[0]), _at(children[0]))

    def null(self, children: list[Token]) -> ast.Literal:
        return ast.Literal("null", None, str(children[0]), _at(children[0]))
