"""The org's daily API request count, kept in the store so a restart keeps it.

Every authenticated call counts one; past the daily limit calls are refused
with 403 REQUEST_LIMIT_EXCEEDED, and every /services/data response reports
`Sforce-Limit-Info: api-usage=used/limit` like Salesforce does.
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


class ApiUsage:
    """Counts API calls per UTC day (a simplification of Salesforce's rolling 24 hours)."""

    def __init__(self, store: DocStore, daily_limit: int, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()
        self.daily_limit = daily_limit

    def _today(self) -> str:
        return self._clock().astimezone(UTC).date().isoformat()

    def used(self) -> int:
        doc = self._store.get(META, USAGE_DOC)
        return int(doc["used"]) if doc and doc.get("day") == self._today() else 0

    def count_call(self) -> None:
        """Count one call, or refuse it when the day's limit is spent."""
        with self._lock:
            used = self.used()
            if used >= self.daily_limit:
                raise ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            self._store.put(META, USAGE_DOC, {"day": self._today(), "used": used + 1})

    def header_value(self) -> str:
        return f"api-usage={self.used()}/{self.daily_limit}"


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
