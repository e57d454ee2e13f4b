"""Salesforce records shaped exactly by the sandbox schema.

Every record carries every field of `fields_of(sobject)` (None when empty) and
the bookkeeping fields, so the stand-in stores seeded and client-written
records alike.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from functools import cache

from sandbox.ids import salesforce_id
from sandbox.salesforce.schema import fields_of
from sandbox.seed.clock import sf_datetime
from sandbox.seed.model import Record


class IdMint:
    """Hands out consecutive Salesforce ids per object, starting at 1."""

    def __init__(self) -> None:
        self._issued: Counter[str] = Counter()

    def next(self, sobject: str) -> str:
        self._issued[sobject] += 1
        return salesforce_id(sobject, self._issued[sobject])


@cache
def _blank(sobject: str) -> dict[str, None]:
    return dict.fromkeys(fields_of(sobject))


def sobject_record(
    sobject: str,
    record_id: str,
    values: Record,
    *,
    created: datetime,
    modified: datetime,
    author_id: str,
) -> Record:
    """A full record of `sobject`: `values` over blanks plus bookkeeping fields.

    Raises ValueError for a field the schema does not have, or when the
    bookkeeping dates are out of order.
    """
    blank = _blank(sobject)
    unknown = values.keys() - blank.keys()
    if unknown:
        raise ValueError(f"{sobject} has no fields {sorted(unknown)}")
    if modified < created:
        raise ValueError(f"{sobject} {record_id} modified before it was created")
    record: Record = {**blank, **values}
    record.update(
        Id=record_id,
        IsDeleted=False,
        CreatedDate=sf_datetime(created),
        CreatedById=author_id,
        LastModifiedDate=sf_datetime(modified),
        LastModifiedById=author_id,
        SystemModstamp=sf_datetime(modified),
    )
    return record
