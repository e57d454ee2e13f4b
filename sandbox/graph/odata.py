"""The OData `$filter` and `$orderby` subset Graph clients send, as a grammar.

Supported: comparisons (`eq ne gt ge lt le`), `in (...)`, `and`/`or`/`not`,
parentheses, property paths (`from/emailAddress/address`), the functions
`startswith`, `endswith`, `contains`, the lambdas `any`/`all` (any case: Graph's
examples write `Any`), and literals
(quoted strings with `''` escapes, numbers, `true`/`false`/`null`, unquoted
ISO dates and datetimes). Parsing yields small AST nodes that `odata_eval`
runs against stored documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import LarkError, VisitError

_GRAMMAR = r"""
filter: disjunction
orderby: order_item ("," order_item)*
order_item: path direction?

?disjunction: conjunction | or_
or_: disjunction "or" conjunction
?conjunction: negation | and_
and_: conjunction "and" negation
?negation: primary | not_
not_: "not" negation
?primary: comparison | in_ | call | lambda_ | "(" disjunction ")" | bare_path
comparison: path operator literal
in_: path "in" "(" literal ("," literal)* ")"
call: function "(" path "," literal ")"
lambda_: path LAMBDA NAME ":" disjunction ")"
bare_path: path
path: NAME ("/" NAME)*

!operator: "eq" | "ne" | "gt" | "ge" | "lt" | "le"
!function: "startswith" | "endswith" | "contains"
!direction: "asc" | "desc"

?literal: STRING -> string
        | DATETIME -> datetime_
        | DATE -> date_
        | NUMBER -> number
        | "true" -> true
        | "false" -> false
        | "null" -> null

NAME: /[A-Za-z_][A-Za-z0-9_]*/
LAMBDA.2: /\/(?i:any|all)\(/
STRING: /'(?:[^']|'')*'/
DATETIME.3: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?/
DATE.2: /\d{4}-\d{2}-\d{2}/
NUMBER: /-?\d+(\.\d+)?/

%ignore /[ \t]+/
"""

_PARSER = Lark(_GRAMMAR, start=["filter", "orderby"], parser="lalr")

Path = tuple[str, ...]


class ODataSyntaxError(ValueError):
    """The text is not in the supported OData subset."""


@dataclass(frozen=True)
class Compare:
    path: Path
    op: str
    value: Any


@dataclass(frozen=True)
class In:
    path: Path
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Call:
    function: str
    path: Path
    value: Any


@dataclass(frozen=True)
class Lambda:
    path: Path
    quantifier: str
    variable: str
    body: Node


@dataclass(frozen=True)
class BarePath:
    path: Path


@dataclass(frozen=True)
class Logical:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    operand: Node


Node = Compare | In | Call | Lambda | BarePath | Logical | Not


@dataclass(frozen=True)
class OrderKey:
    path: Path
    descending: bool


@v_args(inline=True)
class _ToAst(Transformer[Token, Any]):
    def filter(self, node: Node) -> Node:
        return node

    def or_(self, left: Node, right: Node) -> Node:
        return Logical("or", left, right)

    def and_(self, left: Node, right: Node) -> Node:
        return Logical("and", left, right)

    def not_(self, operand: Node) -> Node:
        return Not(operand)

    def comparison(self, path: Path, op: str, value: Any) -> Node:
        return Compare(path, op, value)

    def in_(self, path: Path, *values: Any) -> Node:
        return In(path, values)

    def call(self, function: str, path: Path, value: Any) -> Node:
        return Call(function, path, value)

    def lambda_(self, path: Path, opening: Token, variable: Token, body: Node) -> Node:
        return Lambda(path, str(opening)[1:-1].lower(), str(variable), body)

    def operator(self, token: Token) -> str:
        return str(token)

    function = direction = operator

    def bare_path(self, path: Path) -> Node:
        return BarePath(path)

    def path(self, *names: Token) -> Path:
        return tuple(str(name) for name in names)

    def order_item(self, path: Path, direction: str = "asc") -> OrderKey:
        return OrderKey(path, direction == "desc")

    def orderby(self, *keys: OrderKey) -> list[OrderKey]:
        return list(keys)

    def string(self, token: Token) -> str:
        return str(token)[1:-1].replace("''", "'")

    def datetime_(self, token: Token) -> datetime:
        value = datetime.fromisoformat(str(token))
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    def date_(self, token: Token) -> date:
        return date.fromisoformat(str(token))

    def number(self, token: Token) -> int | float:
        text = str(token)
        return float(text) if "." in text else int(text)

    def true(self) -> bool:
        return True

    def false(self) -> bool:
        return False

    def null(self) -> None:
        return None


def parse_filter(text: str) -> Node:
    """The AST of a `$filter` expression."""
    result: Node = _parse(text, "filter")
    return result


def parse_orderby(text: str) -> list[OrderKey]:
    """The keys of an `$orderby` expression, in order."""
    result: list[OrderKey] = _parse(text, "orderby")
    return result


def _parse(text: str, start: str) -> Any:
    try:
        return _ToAst().transform(_PARSER.parse(text, start=start))
    except VisitError as exc:
        raise ODataSyntaxError(str(exc.orig_exc)) from exc
    except LarkError as exc:
        raise ODataSyntaxError(str(exc).splitlines()[0]) from exc


def filter_paths(node: Node) -> list[Path]:
    """Property paths the filter reads, in the order they appear (lambda bodies excluded)."""
    if isinstance(node, Logical):
        return filter_paths(node.left) + filter_paths(node.right)
    if isinstance(node, Not):
        return filter_paths(node.operand)
    return [node.path]


def functions_used(node: Node) -> set[str]:
    """Function and lambda names the filter calls (for per-service support checks)."""
    if isinstance(node, Logical):
        return functions_used(node.left) | functions_used(node.right)
    if isinstance(node, Not):
        return functions_used(node.operand)
    if isinstance(node, Call):
        return {node.function}
    if isinstance(node, Lambda):
        return {node.quantifier} | functions_used(node.body)
    return set()
