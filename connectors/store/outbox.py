"""The outbox: operations to apply to the outside world, each exactly once, by key."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, func, select, update

from connectors.store.dialect import insert_new
from connectors.store.schema import outbox, utc_now

PENDING = "pending"
DONE = "done"
FAILED = "failed"
STATUSES = (PENDING, DONE, FAILED)


@dataclass(frozen=True)
class Operation:
    """One change to push (a To Do task, an upload, a mail) under its idempotency key."""

    key: str
    kind: str
    payload: dict[str, Any]
    status: str = PENDING
    attempts: int = 0
    error: str | None = None
    result: dict[str, Any] | None = None


def enqueue(connection: Connection, operations: Iterable[Operation]) -> int:
    """Add operations whose key is new; known keys keep their state. Return how many were new."""
    created_at = utc_now()
    rows: dict[str, dict[str, Any]] = {}
    for new in operations:
        if new.status != PENDING:
            raise ValueError(f"operation {new.key!r} enqueued as {new.status!r}")
        rows.setdefault(
            new.key,
            {
                "key": new.key,
                "kind": new.kind,
                "payload": new.payload,
                "status": PENDING,
                "attempts": 0,
                "created_at": created_at,
            },
        )
    return len(insert_new(connection, outbox, list(rows.values()), "key"))


def pending(connection: Connection, kind: str | None) -> list[Operation]:
    """Operations still to apply (pending or failed), oldest first."""
    query = select(outbox).where(outbox.c.status.in_([PENDING, FAILED])).order_by(outbox.c.id)
    if kind is not None:
        query = query.where(outbox.c.kind == kind)
    return [_operation_of(row) for row in connection.execute(query)]


def operation(connection: Connection, key: str) -> Operation | None:
    """The operation stored under `key`, if any."""
    row = connection.execute(select(outbox).where(outbox.c.key == key)).one_or_none()
    return None if row is None else _operation_of(row)


def mark_done(connection: Connection, key: str, result: dict[str, Any] | None) -> None:
    """Record that the operation took effect, with what the service answered."""
    statement = (
        update(outbox)
        .where(outbox.c.key == key)
        .values(status=DONE, result=result, error=None, done_at=utc_now())
    )
    if connection.execute(statement).rowcount == 0:
        raise KeyError(f"no outbox operation {key!r}")


def mark_failed(connection: Connection, key: str, error: str) -> None:
    """Count a failed attempt and keep the operation retryable; a done operation stays done."""
    statement = (
        update(outbox)
        .where(outbox.c.key == key, outbox.c.status != DONE)
        .values(status=FAILED, attempts=outbox.c.attempts + 1, error=error)
    )
    if connection.execute(statement).rowcount == 0 and operation(connection, key) is None:
        raise KeyError(f"no outbox operation {key!r}")


def outbox_counts(connection: Connection) -> dict[str, int]:
    """How many operations are in each status, every status listed."""
    query = select(outbox.c.status, func.count()).group_by(outbox.c.status)
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: int(total) for status, total in connection.execute(query).all()})
    return counts


def _operation_of(row: Row[Any]) -> Operation:
    """An Operation from an outbox row."""
    return Operation(
        key=row.key,
        kind=row.kind,
        payload=row.payload,
        status=row.status,
        attempts=row.attempts,
        error=row.error,
        result=row.result,
    )
