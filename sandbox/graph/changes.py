"""Change tracking for delta queries: a sequence number on every write, tombstones on delete.

Every document the stand-in stores for a delta-capable collection (messages,
events, To Do lists and tasks) carries `_seq`, set by `directory.stamp` from
one clock that only moves forward (also across restarts: it starts from the
wall clock in nanoseconds). Deleting through `remove` leaves a tombstone in
`graph/removed/{collection}` with its own `_seq`, so a delta round can answer
"what changed, and what went, after sequence N" for any collection.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sandbox.state import Doc, DocStore

_lock = threading.Lock()
_last = 0


def next_seq() -> int:
    """A number greater than every one handed out before (in this process or an earlier one)."""
    global _last
    with _lock:
        _last = max(_last + 1, time.time_ns())
        return _last


def tombstones_of(collection: str) -> str:
    return f"graph/removed/{collection}"


def remove(store: DocStore, collection: str, doc_id: str, **keep: Any) -> bool:
    """Delete a document and leave a tombstone (with the `keep` fields, e.g. its folder).

    Returns whether the document existed. A tombstone for an id that comes back
    (a re-created document) is harmless: delta reports the newer of the two.
    """
    existed = store.get(collection, doc_id)
    if existed is None:
        return False
    store.delete(collection, doc_id)
    store.put(tombstones_of(collection), doc_id, {"id": doc_id, "_seq": next_seq(), **keep})
    return True


def changed_since(store: DocStore, collection: str, seq: int) -> tuple[list[Doc], list[Doc]]:
    """Live documents written after `seq` and tombstones laid after it, each oldest first.

    An id both live and tombstoned after `seq` is reported by whichever is newer.
    """
    live = {doc["id"]: doc for doc in store.iter(collection) if int(doc.get("_seq", 0)) > seq}
    gone = [
        stone
        for stone in store.iter(tombstones_of(collection))
        if int(stone["_seq"]) > seq
        and (stone["id"] not in live or int(live[stone["id"]]["_seq"]) < int(stone["_seq"]))
    ]
    gone_ids = {stone["id"] for stone in gone}
    current = [doc for doc in live.values() if doc["id"] not in gone_ids]
    return sorted(current, key=lambda d: int(d["_seq"])), sorted(gone, key=lambda d: int(d["_seq"]))


def high_water(store: DocStore, collection: str) -> int:
    """The newest sequence number of the collection, live or removed (0 when empty)."""
    seqs = [int(doc.get("_seq", 0)) for doc in store.iter(collection)]
    seqs += [int(stone["_seq"]) for stone in store.iter(tombstones_of(collection))]
    return max(seqs, default=0)
