"""The Store: one engine, one short transaction per call, over the store's modules."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Self

import pandas as pd
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from connectors.store import leases, links, locks, mirror, outbox
from connectors.store import runs as run_log
from connectors.store.engine import open_engine, prepare_engine
from connectors.store.errors import store_error
from connectors.store.links import TaskLink
from connectors.store.locks import LockInfo
from connectors.store.outbox import Operation


class Store:
    """kamsync's state: mirrored records, watermarks, task links, the outbox, runs and locks."""

    def __init__(self, url: str) -> None:
        """Open (creating if needed) the store at a SQLAlchemy URL; StoreError if it cannot."""
        self._engine = open_engine(url)

    @classmethod
    def from_engine(cls, engine: Engine) -> Self:
        """A store over an engine built elsewhere (tests, shared pools)."""
        prepare_engine(engine)
        store = cls.__new__(cls)
        store._engine = engine
        return store

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """One transaction; database failures surface as StoreError naming the store."""
        try:
            with self._engine.begin() as connection:
                yield connection
        except SQLAlchemyError as exc:
            url = self._engine.url.render_as_string(hide_password=False)
            raise store_error("store statement failed on", url, exc) from exc

    # mirror

    def upsert_records(
        self,
        source: str,
        object_name: str,
        records: pd.DataFrame,
        *,
        id_column: str = "Id",
        modstamp_column: str | None = "SystemModstamp",
        watermark: tuple[str, str] | None = None,
    ) -> int:
        """Mirror a batch of records and, in the same transaction, the stream's new watermark."""
        with self._transaction() as connection:
            written = mirror.upsert_records(
                connection,
                source,
                object_name,
                records,
                id_column=id_column,
                modstamp_column=modstamp_column,
            )
            if watermark is not None:
                mirror.set_watermark(connection, *watermark)
        return written

    def mark_deleted(
        self,
        source: str,
        object_name: str,
        ids: Iterable[str],
        *,
        watermark: tuple[str, str] | None = None,
    ) -> int:
        """Hide deleted records from reads; return how many were live. Watermark as in upserts."""
        with self._transaction() as connection:
            deleted = mirror.mark_deleted(connection, source, object_name, ids)
            if watermark is not None:
                mirror.set_watermark(connection, *watermark)
        return deleted

    def read_table(
        self,
        source: str,
        object_name: str,
        *,
        include_deleted: bool = False,
        where: Mapping[str, str] | None = None,
        columns: Sequence[str] = (),
    ) -> pd.DataFrame:
        """The mirrored records of one object; an empty frame when none are mirrored.

        `where` (field -> value) keeps the records whose JSON fields equal those strings,
        filtered in SQL; a `mailbox` field is read through an index. Every name in `columns`
        is a column of the answer (all None when no record has it, e.g. before the first pull).
        """
        with self._transaction() as connection:
            frame = mirror.read_table(
                connection, source, object_name, include_deleted=include_deleted, where=where
            )
        missing = [column for column in columns if column not in frame.columns]
        return frame.assign(**{column: None for column in missing}) if missing else frame

    def read_tables(
        self, source: str, columns: Mapping[str, Sequence[str]]
    ) -> dict[str, pd.DataFrame]:
        """Several mirrored objects of one source (name -> the columns each must have)."""
        return {
            name: self.read_table(source, name, columns=wanted) for name, wanted in columns.items()
        }

    def replace_records(
        self,
        source: str,
        object_name: str,
        records: pd.DataFrame,
        *,
        id_column: str,
        where: Mapping[str, str],
    ) -> tuple[int, int]:
        """Make the live records scoped by `where` exactly `records` (a snapshot such as a
        KAM's goals table): upsert them and hide the scoped ones no longer there, in one
        transaction. Returns (written, hidden)."""
        with self._transaction() as connection:
            kept = mirror.read_fields(connection, source, object_name, [id_column], where=where)
            written = mirror.upsert_records(
                connection, source, object_name, records, id_column=id_column,
                modstamp_column=None,
            )  # fmt: skip
            gone = set(kept[id_column].astype(str)) - set(records[id_column].astype(str))
            hidden = mirror.mark_deleted(connection, source, object_name, sorted(gone))
        return written, hidden

    def read_fields(
        self,
        source: str,
        object_name: str,
        fields: Sequence[str],
        *,
        where: Mapping[str, str] | None = None,
    ) -> pd.DataFrame:
        """Just these JSON fields of the live records (one column each), scoped like
        `read_table`; cheaper than whole records when only a few fields are needed."""
        with self._transaction() as connection:
            return mirror.read_fields(connection, source, object_name, fields, where=where)

    def count(self, source: str, object_name: str, *, include_deleted: bool = False) -> int:
        """How many records of one object are mirrored (live ones unless told otherwise)."""
        with self._transaction() as connection:
            return mirror.count(connection, source, object_name, include_deleted=include_deleted)

    def watermark(self, stream: str) -> str | None:
        """The last committed watermark of `stream`, None before its first batch."""
        with self._transaction() as connection:
            return mirror.watermark(connection, stream)

    def put_watermark(self, stream: str, value: str) -> None:
        """Set `stream`'s watermark on its own (state kept between runs, e.g. alerts)."""
        with self._transaction() as connection:
            mirror.set_watermark(connection, stream, value)

    # links

    def link_task(self, mailbox: str, external_id: str, task_id: str, list_id: str) -> None:
        """Remember the To Do task made for a CRM record, replacing an older link."""
        with self._transaction() as connection:
            links.link_task(connection, mailbox, external_id, task_id, list_id)

    def link_tasks(self, rows: Iterable[TaskLink]) -> int:
        """`link_task` for many records in one transaction, writing only new or moved links.

        A later row for the same (mailbox, external_id) wins; returns how many links were written.
        """
        with self._transaction() as connection:
            return links.link_tasks(connection, rows)

    def task_links(self, mailbox: str | None = None) -> pd.DataFrame:
        """Columns mailbox, external_id, task_id, list_id, linked_at (UTC); `mailbox`
        (matched in any case) keeps that mailbox's links only."""
        with self._transaction() as connection:
            return links.read_task_links(connection, mailbox)

    # outbox

    def enqueue(self, operations: Iterable[Operation]) -> int:
        """Add new operations; known keys are left as they are. Return how many were new."""
        with self._transaction() as connection:
            return outbox.enqueue(connection, operations)

    def pending(self, kind: str | None = None) -> list[Operation]:
        """Operations still to apply (pending or failed), oldest first."""
        with self._transaction() as connection:
            return outbox.pending(connection, kind)

    def operation(self, key: str) -> Operation | None:
        """The operation stored under `key`, if any."""
        with self._transaction() as connection:
            return outbox.operation(connection, key)

    def claim(
        self,
        owner: str,
        kinds: Sequence[str],
        lease_seconds: float,
        *,
        mailbox: str | None = None,
        limit: int | None = None,
    ) -> list[Operation]:
        """Lease to `owner` the retryable operations of `kinds` that no other run holds, oldest
        first; `mailbox` keeps those whose payload names it (in any case). See leases.py."""
        with self._transaction() as connection:
            return leases.claim(
                connection, owner, kinds, lease_seconds, mailbox=mailbox, limit=limit
            )

    def release(self, owner: str) -> int:
        """End every outbox lease of `owner` (its run is over); return how many it held."""
        with self._transaction() as connection:
            return leases.release(connection, owner)

    def mark_done(
        self, key: str, result: dict[str, Any] | None = None, *, owner: str | None = None
    ) -> None:
        """Record that an operation took effect and end its lease; KeyError for an unknown key,
        LeaseLost (nothing recorded) if another owner than a given `owner` holds the lease."""
        with self._transaction() as connection:
            leases.mark_done(connection, key, result, owner)

    def mark_failed(self, key: str, error: str, *, owner: str | None = None) -> None:
        """Count a failed attempt and end the lease; the operation stays retryable (a done one
        stays done). LeaseLost as in `mark_done`."""
        with self._transaction() as connection:
            leases.mark_failed(connection, key, error, owner)

    def outbox_counts(self) -> dict[str, int]:
        """How many operations are pending, done and failed."""
        with self._transaction() as connection:
            return outbox.outbox_counts(connection)

    # runs

    def start_run(self, flow: str) -> int:
        """Open a run of `flow` and return its id."""
        with self._transaction() as connection:
            return run_log.start_run(connection, flow)

    def finish_run(self, run_id: int, status: str, summary: dict[str, Any]) -> None:
        """Close a run with its final status and summary; KeyError for an unknown id."""
        with self._transaction() as connection:
            run_log.finish_run(connection, run_id, status, summary)

    def record_progress(self, run_id: int, progress: dict[str, Any]) -> bool:
        """Merge `progress` into a running run's summary (a sign of life that the budget
        and a later crash report can read); False when the run is not running any more."""
        with self._transaction() as connection:
            return run_log.record_progress(connection, run_id, progress)

    def running_runs(self, flow: str) -> list[tuple[int, Any, dict[str, Any]]]:
        """(id, started_at, summary) of the runs of `flow` still marked running."""
        with self._transaction() as connection:
            return run_log.running_runs(connection, flow)

    def mark_crashed(self, run_id: int, reason: str) -> bool:
        """Close a running run whose process died, keeping its summary; False if not running."""
        with self._transaction() as connection:
            return run_log.mark_crashed(connection, run_id, reason)

    def runs(self, flow: str | None = None) -> pd.DataFrame:
        """Runs newest first: id, flow, started_at, finished_at, status, summary."""
        with self._transaction() as connection:
            return run_log.read_runs(connection, flow)

    # locks

    def acquire_lock(self, name: str, owner: str, label: str, ttl_seconds: float) -> LockInfo:
        """Hold the named lock for `ttl_seconds` (extending it if `owner` holds it already);
        LockHeld naming the run that holds it otherwise."""
        with self._transaction() as connection:
            return locks.acquire_lock(connection, name, owner, label, ttl_seconds)

    def renew_lock(self, name: str, owner: str, ttl_seconds: float) -> LockInfo:
        """Keep holding the lock `ttl_seconds` from now; LockLost if another took it."""
        with self._transaction() as connection:
            return locks.renew_lock(connection, name, owner, ttl_seconds)

    def release_lock(self, name: str, owner: str) -> bool:
        """Give the lock up; False when `owner` did not hold it."""
        with self._transaction() as connection:
            return locks.release_lock(connection, name, owner)

    def lock_holder(self, name: str) -> LockInfo | None:
        """Who holds the lock now; None when nobody does (or the holder's time ran out)."""
        with self._transaction() as connection:
            return locks.lock_holder(connection, name)

    def close(self) -> None:
        """Release the engine's connections."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
