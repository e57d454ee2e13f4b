"""Query locators: the records a query matched, kept so later pages can be served
(the store's documents as they were when the query ran: the store replaces a
document on every write, so holding them is a snapshot that copies nothing).

A locator reads like Salesforce's (`01gKz00000000001AAA-2000`: cursor id, then
the position of the next page). Cursors live in memory, expire after 15 idle
minutes and only the most recent ones are kept, so an old locator answers
INVALID_QUERY_LOCATOR as it would on a real org. The numbering is kept in the
store so that a locator from before a restart cannot name a new cursor.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sandbox.ids import salesforce_id, to_id18
from sandbox.salesforce.errors import ApiError
from sandbox.salesforce.soql_projection import Projection
from sandbox.state import Doc, DocStore

META = "_meta"
COUNTER_DOC = "query_locators"
IDLE_SECONDS = 15 * 60
MAX_OPEN_CURSORS = 50


@dataclass
class Cursor:
    projection: Projection
    records: list[Doc]
    #: "query" or "queryAll": the resource later pages are served under
    resource: str
    batch_size: int
    last_used: float


def invalid_locator() -> ApiError:
    return ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")


class QueryCursors:
    """Open cursors by locator id, oldest first."""

    def __init__(self, store: DocStore, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()
        self._open: OrderedDict[str, Cursor] = OrderedDict()

    def open(self, cursor: Cursor) -> str:
        """Keep a cursor and return its locator id."""
        with self._lock:
            counter = self._store.get(META, COUNTER_DOC) or {"next": 1}
            number = int(counter["next"])
            self._store.put(META, COUNTER_DOC, {"next": number + 1})
            # A locator id is an 18-character id with the query-locator key prefix 01g.
            locator_id = to_id18("01g" + salesforce_id("User", number)[3:15])
            cursor.last_used = self._clock().timestamp()
            self._open[locator_id] = cursor
            while len(self._open) > MAX_OPEN_CURSORS:
                self._open.popitem(last=False)
            return locator_id

    def find(self, locator: str) -> tuple[str, Cursor, int]:
        """(locator id, cursor, next position) for a `<id>-<position>` locator."""
        locator_id, _, position = locator.rpartition("-")
        now = self._clock().timestamp()
        with self._lock:
            cursor = self._open.get(locator_id)
            if cursor is None or not position.isdigit() or now - cursor.last_used > IDLE_SECONDS:
                raise invalid_locator()
            start = int(position)
            if start >= len(cursor.records):
                raise invalid_locator()
            cursor.last_used = now
            self._open.move_to_end(locator_id)
            return locator_id, cursor, start
