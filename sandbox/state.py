"""Durable document store behind both stand-ins.

Each stand-in keeps its state (the seeded org/tenant plus every client write)
as JSON documents grouped in collections, held in memory for speed and written
through to one SQLite file in the sandbox state dir so it survives restarts.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

Doc = dict[str, Any]


def _interned(pairs: list[tuple[str, Any]]) -> Doc:
    """A decoded object whose keys are shared across all documents (millions of records
    repeat the same few dozen field names; sharing them saves about a third of memory)."""
    return {sys.intern(key): value for key, value in pairs}


def _decode(data: str) -> Doc:
    decoded: Doc = json.loads(data, object_pairs_hook=_interned)
    return decoded


class DocStore:
    """Collections of JSON documents keyed by id, in insertion order."""

    def __init__(self, path: Path | str) -> None:
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS docs (collection TEXT NOT NULL, id TEXT NOT NULL, "
            "data TEXT NOT NULL, PRIMARY KEY (collection, id))"
        )
        self._mem: dict[str, dict[str, Doc]] = {}
        for collection, doc_id, data in self._db.execute(
            "SELECT collection, id, data FROM docs ORDER BY rowid"
        ):
            self._mem.setdefault(collection, {})[doc_id] = _decode(data)

    def is_empty(self) -> bool:
        return not any(self._mem.values())

    def collections(self) -> list[str]:
        return [name for name, docs in self._mem.items() if docs]

    def get(self, collection: str, doc_id: str) -> Doc | None:
        return self._mem.get(collection, {}).get(doc_id)

    def all(self, collection: str) -> list[Doc]:
        """Every document of a collection, oldest first (a snapshot list)."""
        with self._lock:
            return list(self._mem.get(collection, {}).values())

    def iter(self, collection: str) -> Iterator[Doc]:
        return iter(self.all(collection))

    def count(self, collection: str) -> int:
        return len(self._mem.get(collection, {}))

    def put(self, collection: str, doc_id: str, doc: Doc) -> None:
        self.put_many(collection, [(doc_id, doc)])

    def put_many(self, collection: str, items: Iterable[tuple[str, Doc]]) -> None:
        """Insert or replace documents in one transaction."""
        rows = [
            (collection, doc_id, json.dumps(doc, separators=(",", ":"))) for doc_id, doc in items
        ]
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT INTO docs (collection, id, data) VALUES (?, ?, ?) "
                "ON CONFLICT (collection, id) DO UPDATE SET data = excluded.data",
                rows,
            )
            self._db.execute("COMMIT")
            target = self._mem.setdefault(collection, {})
            for _, doc_id, data in rows:
                target[doc_id] = _decode(data)

    def delete(self, collection: str, doc_id: str) -> bool:
        with self._lock:
            existed = self._mem.get(collection, {}).pop(doc_id, None) is not None
            self._db.execute(
                "DELETE FROM docs WHERE collection = ? AND id = ?", (collection, doc_id)
            )
            return existed

    def close(self) -> None:
        with self._lock:
            self._db.close()
