"""Named locks (the cycle lock): one owner at a time, taken over only once expired.

Taking a lock is one INSERT ... ON CONFLICT DO UPDATE ... WHERE (free or expired or
ours) statement, atomic between processes on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, case, delete, or_, select, update

from connectors.store.dialect import dialect_insert
from connectors.store.errors import LockHeld, LockLost, StoreError
from connectors.store.schema import locks, utc_now


@dataclass(frozen=True)
class LockInfo:
    """Who holds a named lock (`owner`, for the run `label`), since and until when (UTC)."""

    name: str
    owner: str
    label: str
    acquired_at: datetime
    expires_at: datetime


def acquire_lock(
    connection: Connection, name: str, owner: str, label: str, ttl_seconds: float
) -> LockInfo:
    """Take the lock if free, expired or `owner`'s (then extend it); LockHeld otherwise."""
    now = utc_now()
    row = {
        "name": name,
        "owner": owner,
        "label": label,
        "acquired_at": now,
        "expires_at": now + _ttl(ttl_seconds),
    }
    statement = dialect_insert(connection, locks).values(row)
    proposed = statement.excluded
    taken = statement.on_conflict_do_update(
        index_elements=["name"],
        set_={
            "owner": proposed.owner,
            "label": proposed.label,
            # extending one's own lock keeps the time it was first taken
            "acquired_at": case(
                (locks.c.owner == proposed.owner, locks.c.acquired_at),
                else_=proposed.acquired_at,
            ),
            "expires_at": proposed.expires_at,
        },
        where=or_(locks.c.owner == proposed.owner, locks.c.expires_at <= now),
    ).returning(*locks.c)
    acquired = connection.execute(taken).one_or_none()
    if acquired is not None:
        return _info(acquired)
    # The conflicting row stays locked (PostgreSQL) or the write lock held (SQLite) until
    # commit, so the holder read here is the one that refused us.
    holder = _row(connection, name)
    if holder is None:
        raise StoreError(f'lock "{name}" was refused but has no holder')
    raise LockHeld(_info(holder))


def renew_lock(connection: Connection, name: str, owner: str, ttl_seconds: float) -> LockInfo:
    """Push the lock's expiry to `ttl_seconds` from now; LockLost if `owner` lost it.

    A lock that expired but that no one took since is still `owner`'s and is renewed.
    """
    statement = (
        update(locks)
        .where(locks.c.name == name, locks.c.owner == owner)
        .values(expires_at=utc_now() + _ttl(ttl_seconds))
        .returning(*locks.c)
    )
    renewed = connection.execute(statement).one_or_none()
    if renewed is None:
        raise LockLost(name, owner, lock_holder(connection, name))
    return _info(renewed)


def release_lock(connection: Connection, name: str, owner: str) -> bool:
    """Give the lock up; False when `owner` did not hold it (any more)."""
    statement = delete(locks).where(locks.c.name == name, locks.c.owner == owner)
    return bool(connection.execute(statement).rowcount)


def lock_holder(connection: Connection, name: str) -> LockInfo | None:
    """Who holds the lock now; None when nobody does or the last holder's time ran out."""
    row = _row(connection, name)
    return None if row is None or row.expires_at <= utc_now() else _info(row)


def _row(connection: Connection, name: str) -> Row[*tuple[Any, ...]] | None:
    """The lock's row, expired or not."""
    return connection.execute(select(locks).where(locks.c.name == name)).one_or_none()


def _ttl(ttl_seconds: float) -> timedelta:
    """The time a lock is taken for; ValueError unless positive."""
    if ttl_seconds <= 0:
        raise ValueError(f"ttl_seconds must be positive, not {ttl_seconds}")
    return timedelta(seconds=ttl_seconds)


def _info(row: Row[*tuple[Any, ...]]) -> LockInfo:
    """A LockInfo from a locks row."""
    return LockInfo(row.name, row.owner, row.label, row.acquired_at, row.expires_at)
