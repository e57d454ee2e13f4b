"""Formula fields computed at read time from the formula text in the schema
(`Field.formula`), as Salesforce does: a formula's value follows the records it
reads (a cross-object formula changes when the parent changes) while the
record's own SystemModstamp stays put.

The formula language is parsed with a lark grammar covering what the sandbox's
formulas use: IF, AND, OR, NOT, ISBLANK, BLANKVALUE, comparisons, arithmetic,
`&` text concatenation, `&&`/`||`, literals and field paths (`Account.AnnualRevenue`).
Blank fields stay blank (Salesforce's "treat blank fields as blanks"): an
arithmetic or comparison with a blank is blank, and IF takes a blank as false.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import VisitError

from sandbox.salesforce.errors import Position
from sandbox.salesforce.soql_ast import FieldPath
from sandbox.salesforce.soql_tree import decode_string
from sandbox.state import Doc

Expression = Callable[[Doc], Any]
#: Builds a reader for a field path relative to the formula's object.
PathReader = Callable[[FieldPath], Expression]

GRAMMAR = r"""
?start: expr
?expr: conjunction
     | expr "||" conjunction                        -> either
?conjunction: comparison
            | conjunction "&&" comparison           -> both
?comparison: sum
           | sum COMPARATOR sum                     -> compare
?sum: product
    | sum ADDITIVE product                          -> arithmetic
?product: unary
        | product MULTIPLICATIVE unary              -> arithmetic
?unary: atom
      | "-" unary                                   -> negate
?atom: NUMBER                                       -> number
     | STRING                                       -> string
     | TRUE                                         -> true
     | FALSE                                        -> false
     | NULL                                         -> null
     | NAME "(" [expr ("," expr)*] ")"              -> call
     | NAME ("." NAME)*                             -> field
     | "(" expr ")"

TRUE: "TRUE"i
FALSE: "FALSE"i
NULL: "NULL"i
COMPARATOR: "==" | "=" | "!=" | "<>" | "<=" | ">=" | "<" | ">"
ADDITIVE: "+" | "-" | "&"
MULTIPLICATIVE: "*" | "/"
NUMBER: /\d+(\.\d+)?/
STRING: /"([^"\\]|\\.)*"/ | /'([^'\\]|\\.)*'/
NAME: /[a-z_][a-z0-9_]*/i
%ignore /\s+/
"""

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "==": operator.eq,
    "!=": operator.ne,
    "<>": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", maybe_placeholders=False)


def compile_formula(text: str, read_path: PathReader) -> Expression:
    """A function computing the formula for one record; ValueError on a formula the
    sandbox cannot evaluate (a schema mistake, reported when the field is first read)."""
    try:
        return _FormulaBuilder(read_path).transform(_parser().parse(text))
    except VisitError as error:
        raise error.orig_exc from None


def _truthy(value: Any) -> bool:
    return value is True


def _blank(value: Any) -> bool:
    return value is None or value == ""


class _FormulaBuilder(Transformer[Token, Expression]):
    """Turns the parse tree into nested closures over a record."""

    def __init__(self, read_path: PathReader) -> None:
        super().__init__()
        self._read_path = read_path

    def number(self, children: list[Token]) -> Expression:
        raw = str(children[0])
        value: int | float = float(raw) if "." in raw else int(raw)
        return lambda record: value

    def string(self, children: list[Token]) -> Expression:
        text = decode_string(str(children[0]), Position(1, 1))
        return lambda record: text

    def true(self, children: list[Token]) -> Expression:
        return lambda record: True

    def false(self, children: list[Token]) -> Expression:
        return lambda record: False

    def null(self, children: list[Token]) -> Expression:
        return lambda record: None

    def field(self, names: list[Token]) -> Expression:
        return self._read_path(FieldPath(tuple(str(name) for name in names), Position(1, 1)))

    def negate(self, children: list[Expression]) -> Expression:
        inner = children[0]
        return lambda record: None if (value := inner(record)) is None else -value

    def compare(self, children: list[Any]) -> Expression:
        left, symbol, right = children
        test = _COMPARISONS[str(symbol)]

        def run(record: Doc) -> bool | None:
            a, b = left(record), right(record)
            return None if a is None or b is None else test(a, b)

        return run

    def arithmetic(self, children: list[Any]) -> Expression:
        left, symbol, right = children
        if str(symbol) == "&":
            return lambda record: f"{left(record) or ''}{right(record) or ''}"
        apply = _ARITHMETIC[str(symbol)]

        def run(record: Doc) -> Any:
            a, b = left(record), right(record)
            return None if a is None or b is None else apply(a, b)

        return run

    def both(self, children: list[Expression]) -> Expression:
        return self._function("AND", children)

    def either(self, children: list[Expression]) -> Expression:
        return self._function("OR", children)

    def call(self, children: list[Any]) -> Expression:
        name, *arguments = children
        return self._function(str(name).upper(), [arg for arg in arguments if arg is not None])

    def _function(self, name: str, args: list[Expression]) -> Expression:
        if name == "IF" and len(args) == 3:
            test, then, otherwise = args
            return lambda record: then(record) if _truthy(test(record)) else otherwise(record)
        if name == "AND" and args:
            return lambda record: all(_truthy(arg(record)) for arg in args)
        if name == "OR" and args:
            return lambda record: any(_truthy(arg(record)) for arg in args)
        if name == "NOT" and len(args) == 1:
            return lambda record: not _truthy(args[0](record))
        if name == "ISBLANK" and len(args) == 1:
            return lambda record: _blank(args[0](record))
        if name == "BLANKVALUE" and len(args) == 2:
            value, fallback = args
            return lambda record: fallback(record) if _blank(found := value(record)) else found
        raise ValueError(f"formula function {name}() with {len(args)} arguments is not supported")
