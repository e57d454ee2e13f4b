"""The org's records as the writer reads and writes them: the store, plus, inside
`batch()`, the writes not yet flushed to it.

A batch turns the many small writes of one sObject Collections call into one
`put_many` per object when it ends, so 200 records cost one SQLite transaction
instead of 200. Until then other readers (queries) see the records as they were
before the batch, as they would during a database transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sandbox.state import Doc, DocStore

RecordKey = tuple[str, str]


class BufferedRecords:
    """Reads and writes records of one store, deferring writes while a batch is open."""

    def __init__(self, store: DocStore) -> None:
        self.store = store
        #: (sobject, id) -> the record, or None for a record removed; None when no batch is open
        self._pending: dict[RecordKey, Doc | None] | None = None

    def get(self, sobject: str, record_id: str) -> Doc | None:
        if self._pending is not None and (sobject, record_id) in self._pending:
            return self._pending[(sobject, record_id)]
        return self.store.get(sobject, record_id)

    def put(self, sobject: str, record_id: str, record: Doc) -> None:
        if self._pending is None:
            self.store.put(sobject, record_id, record)
        else:
            self._pending[(sobject, record_id)] = record

    def remove(self, sobject: str, record_id: str) -> None:
        """Drop a record entirely (only a rollback of its creation does this)."""
        if self._pending is None:
            self.store.delete(sobject, record_id)
        else:
            self._pending[(sobject, record_id)] = None

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Defer the writes made inside the block (nested batches join the outer one)."""
        if self._pending is not None:
            yield
            return
        self._pending = {}
        try:
            yield
        finally:
            pending, self._pending = self._pending, None
            self._flush(pending)

    def _flush(self, pending: dict[RecordKey, Doc | None]) -> None:
        by_object: dict[str, list[tuple[str, Doc]]] = {}
        for (sobject, record_id), record in pending.items():
            if record is not None:
                by_object.setdefault(sobject, []).append((record_id, record))
            elif self.store.get(sobject, record_id) is not None:
                self.store.delete(sobject, record_id)
        for sobject, records in by_object.items():
            self.store.put_many(sobject, records)
