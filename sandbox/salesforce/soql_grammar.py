"""SOQL text -> `soql_ast.Query`, with a lark LALR grammar.

The grammar covers what the sandbox answers plus the valid-looking clauses it
refuses by name (GROUP BY, nested child subqueries, TYPEOF, FOR UPDATE ...; see
`soql_tree`), so those get a MALFORMED_QUERY naming the feature instead of a
confusing syntax error. Keywords are case-insensitive; syntax errors read like
Salesforce's ("unexpected token: 'FROMM'" with row and column).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError
from lark.lark import PostLex

from sandbox.salesforce import soql_ast as ast
from sandbox.salesforce.errors import Position, SoqlError
from sandbox.salesforce.soql_tree import SoqlTreeBuilder

GRAMMAR = r"""
query: select_clause from_clause using_clause? where_clause? with_clause? _query_tail
_query_tail: group_clause? order_clause? limit_clause? offset_clause? for_clause? update_clause?

select_clause: "SELECT"i select_item ("," select_item)*
?select_item: field_path
            | function_call
            | "(" query ")"                                  -> child_query
            | TYPEOF NAME typeof_branch+ "END"i              -> typeof
typeof_branch: ("WHEN"i NAME "THEN"i | "ELSE"i) field_path ("," field_path)*
function_call: function_ref [NAME]
function_ref: NAME "(" [call_arg ("," call_arg)*] ")"
?call_arg: field_path | function_ref | value
field_path: NAME ("." NAME)*

from_clause: "FROM"i NAME [NAME]
using_clause: USING "SCOPE"i NAME
where_clause: "WHERE"i condition
with_clause: WITH NAME+
group_clause: GROUP "BY"i operand ("," operand)* [HAVING condition]
order_clause: "ORDER"i "BY"i order_item ("," order_item)*
order_item: operand [direction] [nulls]
direction: ASC | DESC
nulls: "NULLS"i (FIRST | LAST)
limit_clause: "LIMIT"i INT
offset_clause: "OFFSET"i INT
for_clause: FOR NAME
update_clause: UPDATE NAME

?condition: simple_condition
          | simple_condition ("AND"i simple_condition)+          -> and_condition
          | simple_condition ("OR"i simple_condition)+           -> or_condition
?simple_condition: "NOT"i simple_condition                       -> not_condition
                 | "(" condition ")"
                 | comparison
?comparison: operand COMPARATOR value                            -> compare
           | operand "LIKE"i value                               -> like
           | operand "IN"i "(" value_list ")"                    -> in_values
           | operand "NOT"i "IN"i "(" value_list ")"             -> not_in_values
           | operand "IN"i "(" query ")"                         -> in_query
           | operand "NOT"i "IN"i "(" query ")"                  -> not_in_query
           | operand (INCLUDES | EXCLUDES) "(" value_list ")"    -> multi_select
?operand: field_path | function_ref
value_list: value ("," value)*
?value: STRING          -> string
      | NUMBER          -> number
      | DATETIME        -> datetime
      | DATE            -> date
      | DATE_LITERAL    -> relative_date
      | TRUE            -> true
      | FALSE           -> false
      | NULL            -> null

TYPEOF: "TYPEOF"i
USING: "USING"i
WITH: "WITH"i
GROUP: "GROUP"i
HAVING: "HAVING"i
FOR: "FOR"i
UPDATE: "UPDATE"i
INCLUDES: "INCLUDES"i
EXCLUDES: "EXCLUDES"i
ASC: "ASC"i
DESC: "DESC"i
FIRST: "FIRST"i
LAST: "LAST"i
TRUE: "TRUE"i
FALSE: "FALSE"i
NULL: "NULL"i
COMPARATOR: "<=" | ">=" | "!=" | "<>" | "=" | "<" | ">"
DATETIME.4: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})(?![\w:])/i
DATE.3: /\d{4}-\d{2}-\d{2}(?![\w:])/
_FIXED_DAYS: /YESTERDAY|TODAY|TOMORROW|(LAST|NEXT)_90_DAYS/i
_PERIODS: /(LAST|THIS|NEXT)_(WEEK|MONTH|QUARTER|YEAR|FISCAL_QUARTER|FISCAL_YEAR)/i
_UNITS: /(DAY|WEEK|MONTH|QUARTER|YEAR|FISCAL_QUARTER|FISCAL_YEAR)S/i
_N_PERIODS: /(LAST|NEXT)_N_/i _UNITS /:\d+/ | /N_/i _UNITS /_AGO:\d+/i
DATE_LITERAL.2: (_FIXED_DAYS | _PERIODS | _N_PERIODS) /(?!\w)/
NUMBER: /[+-]?(\d+(\.\d*)?|\.\d+)(?![\w.])/
INT: /\d+/
STRING: /'([^'\\]|\\.)*'/s
NAME: /[a-z_][a-z0-9_]*/i
%declare RESERVED_WORD
%ignore /\s+/
"""

#: SOQL's reserved keywords: never field or object names, even where no keyword fits.
RESERVED_WORDS = frozenset(
    {
        "AND",
        "ASC",
        "DESC",
        "EXCLUDES",
        "FIRST",
        "FROM",
        "GROUP",
        "HAVING",
        "IN",
        "INCLUDES",
        "LAST",
        "LIKE",
        "LIMIT",
        "NOT",
        "NULL",
        "NULLS",
        "OR",
        "SELECT",
        "WHERE",
        "WITH",
    }
)


class _NamesEverywhere(PostLex):
    """Lets the lexer read an identifier in every state, so `FROMM` is reported
    whole as an unexpected token rather than split into `FROM` + `M`, and marks
    reserved words met where no keyword fits, so `SELECT Id, FROM` fails at FROM."""

    always_accept = ("NAME",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        for token in stream:
            if token.type == "NAME" and token.upper() in RESERVED_WORDS:
                yield Token.new_borrow_pos("RESERVED_WORD", str(token), token)
            else:
                yield token


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(
        GRAMMAR,
        start="query",
        parser="lalr",
        lexer="contextual",
        postlex=_NamesEverywhere(),
        propagate_positions=True,
        maybe_placeholders=True,
    )


def parse_soql(text: str) -> ast.Query:
    """Parse one SOQL query; raises `SoqlError` (MALFORMED_QUERY) on bad syntax."""
    parser = _parser()
    try:
        tree = parser.parse(text)
    except UnexpectedInput as error:
        raise _syntax_error(error) from None
    try:
        return SoqlTreeBuilder().transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, SoqlError):
            raise error.orig_exc from None
        raise


def _syntax_error(error: UnexpectedInput) -> SoqlError:
    at = Position(error.line if error.line > 0 else 1, error.column if error.column > 0 else 1)
    if isinstance(error, UnexpectedToken):
        token = error.token
        shown = "<EOF>" if token.type == "$END" else str(token)
        return SoqlError("MALFORMED_QUERY", f"unexpected token: '{shown}'", at)
    if isinstance(error, UnexpectedCharacters):
        return SoqlError(
            "MALFORMED_QUERY",
            f"line {at.line}:{at.column - 1} no viable alternative at character '{error.char}'",
            at,
        )
    return SoqlError("MALFORMED_QUERY", "unexpected end of query", at)
