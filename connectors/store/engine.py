"""Building the store's engine: URL checks, SQLite file and pragmas, table creation."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.schema import CreateIndex

from connectors.store.errors import store_error
from connectors.store.schema import metadata

SUPPORTED_BACKENDS = ("sqlite", "postgresql")
# Long enough for a concurrent Prefect task to finish its write transaction.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def open_engine(url: str) -> Engine:
    """Create the engine for `url` and its tables, or raise StoreError naming the URL."""
    try:
        parsed = make_url(url)
        _check_backend(parsed)
        if parsed.get_backend_name() == "sqlite":
            _create_parent_dir(parsed)
        engine = create_engine(parsed)
    except (ArgumentError, ValueError, ImportError, OSError) as exc:
        raise store_error("cannot open store", url, exc) from exc
    prepare_engine(engine)
    return engine


def prepare_engine(engine: Engine) -> None:
    """Install the SQLite pragmas and create missing tables; StoreError when unreachable."""
    try:
        _check_backend(engine.url)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _set_sqlite_pragmas)
        with engine.begin() as connection:
            metadata.create_all(connection)
            # Tables made by an older kamsync get the indexes added since (IF NOT EXISTS:
            # reflection does not see expression indexes, so checkfirst cannot be used).
            for table in metadata.sorted_tables:
                for index in table.indexes:
                    connection.execute(CreateIndex(index, if_not_exists=True))
    except SQLAlchemyError as exc:
        engine.dispose()
        url = engine.url.render_as_string(hide_password=False)
        raise store_error("cannot open store", url, exc) from exc


def _check_backend(url: URL) -> None:
    """Refuse backends whose upsert syntax the store does not speak, and async drivers."""
    if url.get_backend_name() not in SUPPORTED_BACKENDS:
        raise ArgumentError(
            f"unsupported backend {url.get_backend_name()!r}; use one of {SUPPORTED_BACKENDS}"
        )
    if url.get_dialect().is_async:
        raise ArgumentError(
            f"driver {url.get_driver_name()!r} is async; the store needs a sync one"
        )


def _create_parent_dir(url: URL) -> None:
    """Create the folder of a SQLite file so a fresh install needs no manual step."""
    database = url.database
    if not database or database == ":memory:" or url.query.get("uri"):
        return
    Path(database).parent.mkdir(parents=True, exist_ok=True)


def _set_sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    """WAL lets readers run beside a writer; busy_timeout makes writers wait, not fail."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()
