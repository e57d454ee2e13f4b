"""kamsync's store: mirrored records, watermarks, task links, the outbox and flow runs."""

from __future__ import annotations

from connectors.store.errors import StoreError
from connectors.store.links import TaskLink
from connectors.store.outbox import Operation
from connectors.store.store import Store

__all__ = ["Operation", "Store", "StoreError", "TaskLink"]
