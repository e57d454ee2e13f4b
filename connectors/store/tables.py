"""Creating the store's tables, and bringing those an older kamsync made up to date.

Processes opening one store at once (two runs started together) do this in turn: both
would otherwise see a table or column missing, and one would fail adding it.
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, DDLElement, Table, func, inspect, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateIndex
from sqlalchemy.sql.compiler import DDLCompiler

from connectors.store.schema import metadata

# The PostgreSQL advisory lock held while tables are set up ("kams").
_SETUP_LOCK_ID = 0x6B616D73


class AddColumn(DDLElement):
    """`ALTER TABLE t ADD COLUMN c type`."""

    def __init__(self, table: Table, column: Column[object]) -> None:
        self.table = table
        self.column = column


@compiles(AddColumn)
def _add_column(element: AddColumn, compiler: DDLCompiler, **kw: object) -> str:
    preparer = compiler.preparer
    column_type = compiler.dialect.type_compiler_instance.process(element.column.type)
    return (
        f"ALTER TABLE {preparer.format_table(element.table)} ADD COLUMN "
        f"{preparer.format_column(element.column)} {column_type}"
    )


def set_up_tables(connection: Connection) -> list[str]:
    """Create missing tables, add missing columns and indexes; return the columns added.

    A SQLite store already up to date is left without taking its write lock.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(_SETUP_LOCK_ID)))
        stored = _stored_columns(connection)
    else:
        stored = _stored_columns(connection)
        if not _up_to_date(stored):
            # The driver begins no transaction before DDL: take the write lock now (waiting
            # busy_timeout for another opener), keep it to COMMIT and look again.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            stored = _stored_columns(connection)
    metadata.create_all(connection)
    added = _add_missing_columns(connection, stored)
    # IF NOT EXISTS: reflection does not see expression indexes, so checkfirst cannot be used.
    for table in metadata.sorted_tables:
        for index in table.indexes:
            connection.execute(CreateIndex(index, if_not_exists=True))
    return added


def _add_missing_columns(connection: Connection, stored: dict[str, set[str]]) -> list[str]:
    """Add the nullable columns that stored tables lack; return them as `table.column`."""
    added = []
    for table in metadata.sorted_tables:
        if table.name not in stored:  # just created, complete
            continue
        for column in table.columns:
            if column.name in stored[table.name]:
                continue
            if not column.nullable:
                raise ValueError(f"{table.name}.{column.name} cannot be added without a default")
            connection.execute(AddColumn(table, column))
            added.append(f"{table.name}.{column.name}")
    return added


def _stored_columns(connection: Connection) -> dict[str, set[str]]:
    """The column names of each of the store's tables that exists, read in one go."""
    names = [table.name for table in metadata.sorted_tables]
    stored = inspect(connection).get_multi_columns(filter_names=names)
    return {table: {column["name"] for column in columns} for (_, table), columns in stored.items()}


def _up_to_date(stored: dict[str, set[str]]) -> bool:
    """Whether every table exists with every column."""
    return all(
        table.name in stored and set(table.columns.keys()) <= stored[table.name]
        for table in metadata.sorted_tables
    )
