"""Undo for writes that succeed or fail together (allOrNone collections and composites).

A `Transaction` remembers each record as it was before its first write inside
the transaction, so a rollback can put those versions back and drop the records
it created. Transactions nest: every open transaction remembers a write, so an
outer rollback also undoes what an inner one kept. The open transactions travel
in a ContextVar, which lets composite subrequests (served by the app again,
within the same task) join their composite's transaction without plumbing.

Writes from other clients that interleave with a composite are not isolated
from its rollback: the sandbox has no row locks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sandbox.state import Doc

RecordKey = tuple[str, str]

_open: ContextVar[tuple[Transaction, ...]] = ContextVar("open_transactions", default=())


class Transaction:
    """The records written inside one transaction, as they were before it."""

    def __init__(self) -> None:
        #: (sobject, id) -> the record before the transaction, None if it created the record
        self.before: dict[RecordKey, Doc | None] = {}


def remember(sobject: str, record_id: str, before: Doc | None) -> None:
    """Note a record about to be written, in every open transaction."""
    for open_transaction in _open.get():
        open_transaction.before.setdefault((sobject, record_id), before)


@contextmanager
def transaction() -> Iterator[Transaction]:
    """Open a transaction for the writes made inside the block (and its awaited calls)."""
    opened = Transaction()
    token = _open.set((*_open.get(), opened))
    try:
        yield opened
    finally:
        _open.reset(token)
