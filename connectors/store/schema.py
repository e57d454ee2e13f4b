"""Table definitions of the store, portable between SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator

from connectors.store.json_fields import JsonField

# Plain JSON rather than PostgreSQL's JSONB: JSONB reorders keys, and a mirrored
# table's columns follow the order in which its records' keys were first seen.
# On SQLite a BIGINT key is not an alias of the rowid and would not autoincrement.
_SURROGATE_ID = BigInteger().with_variant(Integer(), "sqlite")
_ID = String(512)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC that reads back timezone-aware on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes and store aware ones in UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps UTC timestamps")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Attach UTC to the naive values SQLite hands back."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

mirror_records = Table(
    "mirror_records",
    metadata,
    Column("source", String(32), primary_key=True),
    Column("object_name", String(128), primary_key=True),
    Column("record_id", _ID, primary_key=True),
    Column("data", JSON, nullable=False),
    Column("modstamp", String(64)),
    Column("is_deleted", Boolean, nullable=False, default=False),
    Column("synced_at", UTCDateTime, nullable=False),
    # Counting an object's live records (after every pull) must not read the JSON rows.
    Index("mirror_records_live", "source", "object_name", "is_deleted"),
)
# Per-mailbox reads (a stream's sweep, a mailbox's task lists) must not scan every mailbox.
Index(
    "mirror_records_mailbox",
    mirror_records.c.source,
    mirror_records.c.object_name,
    JsonField(mirror_records.c.data, "mailbox"),
    mirror_records.c.record_id,  # rows come in read_table's order, with no sort
)

watermarks = Table(
    "watermarks",
    metadata,
    Column("stream", String(255), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

task_links = Table(
    "task_links",
    metadata,
    Column("mailbox", String(320), primary_key=True),
    Column("external_id", _ID, primary_key=True),
    Column("task_id", _ID, nullable=False),
    Column("list_id", _ID, nullable=False),
    Column("linked_at", UTCDateTime, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", _SURROGATE_ID, primary_key=True, autoincrement=True),
    Column("key", _ID, nullable=False, unique=True),
    Column("kind", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("error", Text),
    Column("result", JSON(none_as_null=True)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("done_at", UTCDateTime),
    # The run working the operation now and until when (leases.py); NULL when none is.
    Column("lease_owner", String(255)),
    Column("lease_expires_at", UTCDateTime),
    Index("ix_outbox_status_id", "status", "id"),
)

# Named locks held by one run at a time (the cycle lock); a row outlives a killed run
# until `expires_at`, after which any run may take it.
locks = Table(
    "locks",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("owner", String(255), nullable=False),
    Column("label", Text, nullable=False),
    Column("acquired_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", _SURROGATE_ID, primary_key=True, autoincrement=True),
    Column("flow", String(128), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("status", String(32), nullable=False),
    Column("summary", JSON(none_as_null=True)),
    Index("ix_runs_flow_started", "flow", "started_at"),
)


def utc_now() -> datetime:
    """The current time in UTC, the only clock the store writes."""
    return datetime.now(UTC)
