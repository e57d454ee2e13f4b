"""kamsync's store: mirrored records, watermarks, task links, the outbox, flow runs, locks."""

from __future__ import annotations

from connectors.store.errors import LeaseLost, LockHeld, LockLost, StoreError
from connectors.store.links import TaskLink
from connectors.store.locks import LockInfo
from connectors.store.outbox import Operation
from connectors.store.store import Store

__all__ = [
    "LeaseLost",
    "LockHeld",
    "LockInfo",
    "LockLost",
    "Operation",
    "Store",
    "StoreError",
    "TaskLink",
]
