"""Salesforce records shaped exactly by the sandbox schema.

Every record carries every stored field of its object (None when empty) and
the bookkeeping fields, so the stand-in stores seeded and client-written
records alike. Compound fields (BillingAddress) and formula fields are not
stored: the stand-in computes them when it answers.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from functools import cache

from sandbox.ids import case_safe_suffix, salesforce_id
from sandbox.salesforce.schema import ADDRESS, fields_of
from sandbox.seed.clock import sf_datetime
from sandbox.seed.model import Record

#: ids whose numbers differ only in the last base-62 digit
_BLOCK = 62
#: that last digit of an id, for numbers 0 to 61
_LAST_DIGITS = tuple(salesforce_id("Account", number)[14] for number in range(_BLOCK))


class IdMint:
    """Hands out consecutive Salesforce ids per object, starting at 1.

    The ids are exactly `salesforce_id(sobject, n)`. Ids whose numbers share all but
    the last base-62 digit differ only in that character and in the case-safe suffix,
    which depends only on whether it is upper case; so a block of 62 ids costs two
    calls into `sandbox.ids` instead of 62, which matters for millions of records.
    """

    def __init__(self) -> None:
        self._issued: Counter[str] = Counter()
        self._blocks: dict[str, list[str]] = {}

    def next(self, sobject: str) -> str:
        number = self._issued[sobject] + 1
        self._issued[sobject] = number
        offset = number % _BLOCK
        if offset == 0 or sobject not in self._blocks:
            self._blocks[sobject] = _id_block(sobject, number - offset)
        return self._blocks[sobject][offset]


def _id_block(sobject: str, start: int) -> list[str]:
    """The ids of numbers `start` to `start + 61` (`start` a multiple of 62)."""
    first = salesforce_id(sobject, start)
    head, suffix = first[:14], first[15:]
    upper_suffix = case_safe_suffix(head + "A")
    return [head + digit + (upper_suffix if digit.isupper() else suffix) for digit in _LAST_DIGITS]


@cache
def _blank(sobject: str) -> dict[str, None]:
    stored = (
        name
        for name, field in fields_of(sobject).items()
        if field.type != ADDRESS and field.formula is None
    )
    return dict.fromkeys(stored)


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

    Raises ValueError for a field the object does not store, or when the
    bookkeeping dates are out of order.
    """
    blank = _blank(sobject)
    record: Record = {**blank, **values}
    if len(record) != len(blank):
        raise ValueError(f"{sobject} stores no fields {sorted(record.keys() - blank.keys())}")
    if modified < created:
        raise ValueError(f"{sobject} {record_id} modified before it was created")
    modified_text = sf_datetime(modified)
    record["Id"] = record_id
    record["IsDeleted"] = False
    # one string for equal stamps: millions of records are never edited after creation
    record["CreatedDate"] = modified_text if created == modified else sf_datetime(created)
    record["CreatedById"] = author_id
    record["LastModifiedDate"] = modified_text
    record["LastModifiedById"] = author_id
    record["SystemModstamp"] = modified_text
    return record
