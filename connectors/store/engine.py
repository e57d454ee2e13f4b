"""Building the store's engine: URL checks, SQLite file and pragmas, table creation."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from connectors.store.errors import store_error
from connectors.store.tables import set_up_tables

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
    """Install the SQLite pragmas and set up the tables (tables.py); StoreError when
    unreachable."""
    try:
        _check_backend(engine.url)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _set_sqlite_pragmas)
        with engine.begin() as connection:
            set_up_tables(connection)
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
    """Create the folder of a SQLite file so a fresh install needs no manual step, and the
    file itself readable by its user only."""
    database = url.database
    if not database or database == ":memory:" or url.query.get("uri"):
        return
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The mirror holds CRM data: create the file for its user alone, whatever the umask
    # (SQLite gives its -wal and -shm files the same mode).
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def _set_sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    """WAL lets readers run beside a writer; busy_timeout makes writers wait, not fail.

    In WAL, synchronous=NORMAL syncs at checkpoints rather than at every commit: a power
    cut may undo the last commits but never corrupts the file, and everything the store
    holds is either re-read from the services or written under an idempotency key."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        _use_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _use_wal(cursor: sqlite3.Cursor) -> None:
    """Switch the file to WAL. Two processes switching a new file at once can deadlock, and
    SQLite then refuses one at once (busy) instead of waiting: retry until busy_timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
        time.sleep(0.01)
