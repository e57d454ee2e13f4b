"""The outbox: operations to apply to the outside world, each exactly once, by key.

Claiming operations and recording their outcome, under leases, is in leases.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, select

from connectors.store.dialect import insert_new
from connectors.store.schema import outbox, utc_now

PENDING = "pending"
DONE = "done"
FAILED = "failed"
STATUSES = (PENDING, DONE, FAILED)
RETRYABLE = (PENDING, FAILED)


@dataclass(frozen=True)
class Operation:
    """One change to push (a To Do task, an upload, a mail) under its idempotency key.

    `lease_owner` is the run working it now, until `lease_expires_at` (UTC); None when none is.
    """

    key: str
    kind: str
    payload: dict[str, Any]
    status: str = PENDING
    attempts: int = 0
    error: str | None = None
    result: dict[str, Any] | None = None
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None


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
    query = select(outbox).where(outbox.c.status.in_(RETRYABLE)).order_by(outbox.c.id)
    if kind is not None:
        query = query.where(outbox.c.kind == kind)
    return [operation_of(row) for row in connection.execute(query)]


def operation(connection: Connection, key: str) -> Operation | None:
    """The operation stored under `key`, if any."""
    row = connection.execute(select(outbox).where(outbox.c.key == key)).one_or_none()
    return None if row is None else operation_of(row)


def outbox_counts(connection: Connection) -> dict[str, int]:
    """How many operations are in each status, every status listed."""
    query = select(outbox.c.status, func.count()).group_by(outbox.c.status)
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: int(total) for status, total in connection.execute(query).all()})
    return counts


def operation_of(row: Row[Any]) -> Operation:
    """An Operation from an outbox row."""
    return Operation(
        key=row.key,
        kind=row.kind,
        payload=row.payload,
        status=row.status,
        attempts=row.attempts,
        error=row.error,
        result=row.result,
        lease_owner=row.lease_owner,
        lease_expires_at=row.lease_expires_at,
    )
