"""One top-level field of a mirror row's JSON, as SQL each dialect can index and compare."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement

# Field names are written into the SQL text (an expression index only matches a query
# whose expression is literally the same), so only plain identifiers are allowed.
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class JsonField(FunctionElement[str]):
    """`column`'s top-level `field` as text: json_extract on SQLite, ->> on PostgreSQL."""

    type = String()
    # The field name is no bound parameter, so statements holding one are not cached.
    inherit_cache = False
    name = "json_field"

    def __init__(self, column: ColumnElement[Any], field: str) -> None:
        if not _FIELD_NAME.fullmatch(field):
            raise ValueError(f"{field!r} is not a plain JSON field name")
        self.field = field
        super().__init__(column)


def _column_sql(element: JsonField, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(JsonField, "sqlite")
def _sqlite(element: JsonField, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_extract({_column_sql(element, compiler, **kw)}, '$.{element.field}')"


@compiles(JsonField, "postgresql")
def _postgresql(element: JsonField, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({_column_sql(element, compiler, **kw)} ->> '{element.field}')"


@compiles(JsonField)
def _unsupported(element: JsonField, compiler: SQLCompiler, **kw: Any) -> str:
    raise NotImplementedError(f"no JSON field access for dialect {compiler.dialect.name!r}")
