"""Outbox leases: a run claims operations atomically, so no operation is worked twice at once.

A lease names its owner and runs out at `lease_expires_at`; a run that was killed leaves
leases that any run may take over once they expire. Recording an outcome (done, failed)
ends the lease; given its owner, the store refuses an outcome whose lease another holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, func, or_, select, update

from connectors.store.errors import LeaseLost
from connectors.store.json_fields import JsonField
from connectors.store.outbox import DONE, FAILED, RETRYABLE, Operation, operation_of
from connectors.store.schema import outbox, utc_now

_NO_LEASE = {"lease_owner": None, "lease_expires_at": None}


def claim(
    connection: Connection,
    owner: str,
    kinds: Sequence[str],
    lease_seconds: float,
    *,
    mailbox: str | None = None,
    limit: int | None = None,
) -> list[Operation]:
    """Lease the retryable operations of `kinds` that are free for `owner`; oldest first.

    One UPDATE selects and leases, so SQLite takes its write lock before reading; on
    PostgreSQL rows another claimer has locked are skipped rather than waited for.
    """
    if isinstance(kinds, str):
        raise TypeError("kinds must be a sequence of kinds, not one string")
    if lease_seconds <= 0:
        raise ValueError(f"lease_seconds must be positive, not {lease_seconds}")
    if limit is not None and limit < 0:
        raise ValueError(f"limit must not be negative, not {limit}")
    if not kinds or limit == 0:
        return []
    now = utc_now()
    claimable = (
        select(outbox.c.id)
        .where(outbox.c.status.in_(RETRYABLE), outbox.c.kind.in_(kinds), _free_for(owner, now))
        .order_by(outbox.c.id)
        .limit(limit)
    )
    if mailbox is not None:
        payload_mailbox = JsonField(outbox.c.payload, "mailbox")
        claimable = claimable.where(func.lower(payload_mailbox) == mailbox.lower())
    if connection.dialect.name == "postgresql":
        claimable = claimable.with_for_update(skip_locked=True)
    statement = (
        update(outbox)
        .where(outbox.c.id.in_(claimable))
        .values(lease_owner=owner, lease_expires_at=now + timedelta(seconds=lease_seconds))
        .returning(*outbox.c)
    )
    rows = sorted(connection.execute(statement), key=lambda row: row.id)
    return [operation_of(row) for row in rows]


def release(connection: Connection, owner: str) -> int:
    """End every lease `owner` holds (its run is over); return how many there were."""
    statement = update(outbox).where(outbox.c.lease_owner == owner).values(_NO_LEASE)
    return int(connection.execute(statement).rowcount)


def mark_done(
    connection: Connection, key: str, result: dict[str, Any] | None, owner: str | None
) -> None:
    """Record that the operation took effect, with what the service answered; end its lease."""
    values = {"status": DONE, "result": result, "error": None, "done_at": utc_now()}
    _settle(connection, key, values | _NO_LEASE, owner)


def mark_failed(connection: Connection, key: str, error: str, owner: str | None) -> None:
    """Count a failed attempt and keep the operation retryable; a done operation stays done."""
    values = {"status": FAILED, "attempts": outbox.c.attempts + 1, "error": error}
    _settle(connection, key, values | _NO_LEASE, owner, outbox.c.status != DONE)


def _settle(
    connection: Connection,
    key: str,
    values: dict[str, Any],
    owner: str | None,
    *conditions: ColumnElement[bool],
) -> None:
    """Write an outcome; with `owner`, only while no other owner's lease is running.

    The guarded UPDATE comes first so SQLite holds its write lock for the checks after it.
    """
    statement = update(outbox).where(outbox.c.key == key, *conditions).values(values)
    if owner is not None:
        now = utc_now()
        if connection.execute(statement.where(_free_for(owner, now))).rowcount:
            return
        lease = _lease(connection, key)
        if lease is not None and _held_by_other(lease, owner, now):
            raise LeaseLost(key, lease.lease_owner, lease.lease_expires_at)
    if connection.execute(statement).rowcount == 0 and _lease(connection, key) is None:
        raise KeyError(f"no outbox operation {key!r}")


def _lease(connection: Connection, key: str) -> Row[*tuple[Any, ...]] | None:
    """The operation's lease columns, its row locked on PostgreSQL; None for an unknown key."""
    query = select(outbox.c.lease_owner, outbox.c.lease_expires_at).where(outbox.c.key == key)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    return connection.execute(query).one_or_none()


def _free_for(owner: str, now: datetime) -> ColumnElement[bool]:
    """SQL: the operation's lease is free, expired or already `owner`'s."""
    return or_(
        outbox.c.lease_owner.is_(None),
        outbox.c.lease_owner == owner,
        outbox.c.lease_expires_at <= now,
    )


def _held_by_other(lease: Row[*tuple[Any, ...]], owner: str, now: datetime) -> bool:
    """Whether the lease belongs to someone other than `owner` and has not run out."""
    holder, expires_at = lease.lease_owner, lease.lease_expires_at
    return holder is not None and holder != owner and expires_at is not None and expires_at > now
