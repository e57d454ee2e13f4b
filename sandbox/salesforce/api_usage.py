"""The org's daily allocations (API requests, Bulk API jobs), counted in the store
so a restart keeps them.

Every authenticated call counts one API request; past the daily limit calls are
refused with 403 REQUEST_LIMIT_EXCEEDED, and every /services/data response
reports `Sforce-Limit-Info: api-usage=used/limit` like Salesforce does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.salesforce.errors import ApiError
from sandbox.state import DocStore

META = "_meta"
USAGE_DOC = "api_usage"


class DailyAllowance:
    """A count per UTC day against a maximum (a simplification of Salesforce's
    rolling 24 hours); the count lives in the store, the maximum in memory."""

    def __init__(
        self, store: DocStore, doc_id: str, maximum: int, clock: Callable[[], datetime]
    ) -> None:
        self._store = store
        self._doc_id = doc_id
        self._clock = clock
        self._lock = threading.Lock()
        self.maximum = maximum

    def _today(self) -> str:
        return self._clock().astimezone(UTC).date().isoformat()

    def used(self) -> int:
        doc = self._store.get(META, self._doc_id)
        return int(doc["used"]) if doc and doc.get("day") == self._today() else 0

    def remaining(self) -> int:
        return max(self.maximum - self.used(), 0)

    def take(self, amount: int = 1) -> bool:
        """Count `amount` if the day's allowance has room for it; False when it has not."""
        with self._lock:
            used = self.used()
            if used + amount > self.maximum:
                return False
            self._store.put(META, self._doc_id, {"day": self._today(), "used": used + amount})
            return True

    def reset(self, *, maximum: int | None = None, used: int | None = None) -> None:
        """Set the maximum and/or today's count (test control)."""
        with self._lock:
            if maximum is not None:
                self.maximum = maximum
            if used is not None:
                self._store.put(META, self._doc_id, {"day": self._today(), "used": used})


class ApiUsage(DailyAllowance):
    """The daily API request allocation every REST call counts against."""

    def __init__(self, store: DocStore, daily_limit: int, clock: Callable[[], datetime]) -> None:
        super().__init__(store, USAGE_DOC, daily_limit, clock)

    @property
    def daily_limit(self) -> int:
        return self.maximum

    def count_call(self) -> None:
        """Count one call, or refuse it when the day's limit is spent."""
        if not self.take():
            raise ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")

    def header_value(self) -> str:
        return f"api-usage={self.used()}/{self.maximum}"


class LimitInfoHeader:
    """ASGI middleware adding `Sforce-Limit-Info` to every /services/data response."""

    def __init__(self, app: ASGIApp, usage: ApiUsage) -> None:
        self._app = app
        self._usage = usage

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/services/data"):
            await self._app(scope, receive, send)
            return

        async def send_with_usage(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append(
                    "Sforce-Limit-Info", self._usage.header_value()
                )
            await send(message)

        await self._app(scope, receive, send_with_usage)
