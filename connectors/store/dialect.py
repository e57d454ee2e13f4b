"""Upsert statements in each supported dialect's own `INSERT ... ON CONFLICT` form."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def dialect_insert(connection: Connection, table: Table) -> sqlite.Insert | postgresql.Insert:
    """The INSERT construct of the connection's dialect, which knows ON CONFLICT."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def upsert(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    conflict_columns: Sequence[str],
) -> None:
    """Insert `rows`, overwriting every other column of rows whose conflict key exists.

    `rows` must not repeat a key: PostgreSQL refuses to update one row twice in a statement.
    """
    if not rows:
        return
    statement = dialect_insert(connection, table)
    updated = {name: statement.excluded[name] for name in rows[0] if name not in conflict_columns}
    connection.execute(
        statement.on_conflict_do_update(index_elements=list(conflict_columns), set_=updated),
        list(rows),
    )


def insert_new(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    conflict_column: str,
) -> list[Any]:
    """Insert the rows whose `conflict_column` is not taken yet; return the keys inserted."""
    if not rows:
        return []
    statement = dialect_insert(connection, table)
    key = table.c[conflict_column]
    inserted = connection.execute(
        statement.on_conflict_do_nothing(index_elements=[conflict_column]).returning(key),
        list(rows),
    )
    return list(inserted.scalars())
