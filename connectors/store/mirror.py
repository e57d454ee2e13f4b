"""Mirror tables of pulled records and the watermarks that say how far each stream got."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Select, false, func, select, update

from connectors.store.dialect import upsert
from connectors.store.json_fields import JsonField
from connectors.store.records import frame_of, modstamp_of, records_by_id
from connectors.store.schema import mirror_records, utc_now, watermarks

_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])
# Stays under SQLite's bound-parameter limit on old builds (999) with room to spare.
_IDS_PER_STATEMENT = 500


def upsert_records(
    connection: Connection,
    source: str,
    object_name: str,
    records: pd.DataFrame,
    *,
    id_column: str,
    modstamp_column: str | None,
) -> int:
    """Write `records` as live mirror rows, replacing earlier versions; return rows written."""
    by_id = records_by_id(records, object_name, id_column)
    synced_at = utc_now()
    rows = [
        {
            "source": source,
            "object_name": object_name,
            "record_id": record_id,
            "data": record,
            "modstamp": modstamp_of(record, modstamp_column),
            "is_deleted": False,
            "synced_at": synced_at,
        }
        for record_id, record in by_id.items()
    ]
    upsert(connection, mirror_records, rows, ["source", "object_name", "record_id"])
    return len(rows)


def mark_deleted(connection: Connection, source: str, object_name: str, ids: Iterable[str]) -> int:
    """Flag the mirrored records with these ids as deleted; return how many were live."""
    unique_ids = list(dict.fromkeys(str(record_id) for record_id in ids))
    deleted = 0
    for start in range(0, len(unique_ids), _IDS_PER_STATEMENT):
        chunk = unique_ids[start : start + _IDS_PER_STATEMENT]
        result = connection.execute(
            update(mirror_records)
            .where(
                mirror_records.c.source == source,
                mirror_records.c.object_name == object_name,
                mirror_records.c.record_id.in_(chunk),
                # not `== false()`: SQLite would then search the (source, object_name,
                # is_deleted) index, every live row of the object, instead of the ids
                mirror_records.c.is_deleted.is_not(True),
            )
            .values(is_deleted=True, synced_at=utc_now())
        )
        deleted += result.rowcount
    return deleted


def read_table(
    connection: Connection,
    source: str,
    object_name: str,
    *,
    include_deleted: bool,
    where: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The mirrored records of one object, ordered by id, as pulled.

    `where` keeps the records whose top-level JSON fields equal these strings.
    """
    query = (
        select(mirror_records.c.data)
        .where(mirror_records.c.source == source, mirror_records.c.object_name == object_name)
        .order_by(mirror_records.c.record_id)
    )
    query = _scoped(query, where)
    if not include_deleted:
        query = query.where(mirror_records.c.is_deleted == false())
    return frame_of(connection.execute(query).scalars())


def read_fields(
    connection: Connection,
    source: str,
    object_name: str,
    fields: Sequence[str],
    *,
    where: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """These top-level fields of the live records, extracted in SQL, ordered by id.

    Strings and numbers come back as stored on every backend (SQLite gives true/false as
    1/0, PostgreSQL as booleans); a missing field is None.
    """
    columns = [_field_value(connection, field).label(field) for field in fields]
    query = (
        select(*columns)
        .where(
            mirror_records.c.source == source,
            mirror_records.c.object_name == object_name,
            mirror_records.c.is_deleted == false(),
        )
        .order_by(mirror_records.c.record_id)
    )
    rows = connection.execute(_scoped(query, where)).all()
    return pd.DataFrame([tuple(row) for row in rows], columns=list(fields), dtype=object)


def _field_value(connection: Connection, field: str) -> ColumnElement[Any]:
    """A top-level field as a Python value: SQLite's json_extract gives SQL values already;
    PostgreSQL's ->> would give text, so its JSON value is decoded instead."""
    if connection.dialect.name == "postgresql":
        return mirror_records.c.data[field]
    return JsonField(mirror_records.c.data, field)


def _scoped(query: _Query, where: Mapping[str, str] | None) -> _Query:
    """`query` keeping the records whose JSON fields equal the strings in `where`."""
    for field, value in (where or {}).items():
        query = query.where(JsonField(mirror_records.c.data, field) == str(value))
    return query


def count(connection: Connection, source: str, object_name: str, *, include_deleted: bool) -> int:
    """How many records of one object are mirrored (live ones unless told otherwise)."""
    query = (
        select(func.count())
        .select_from(mirror_records)
        .where(mirror_records.c.source == source, mirror_records.c.object_name == object_name)
    )
    if not include_deleted:
        query = query.where(mirror_records.c.is_deleted == false())
    return int(connection.execute(query).scalar_one())


def set_watermark(connection: Connection, stream: str, value: str) -> None:
    """Record how far `stream` got; call inside the transaction that wrote its records."""
    row = {"stream": stream, "value": value, "updated_at": utc_now()}
    upsert(connection, watermarks, [row], ["stream"])


def watermark(connection: Connection, stream: str) -> str | None:
    """The last committed watermark of `stream`, None before its first batch."""
    query = select(watermarks.c.value).where(watermarks.c.stream == stream)
    return connection.execute(query).scalar_one_or_none()
