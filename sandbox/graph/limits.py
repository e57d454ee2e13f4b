"""Outlook's throttling limits, per app and mailbox (`/v1.0/users/{u}/...`).

- At most `concurrency` (4) requests in flight per mailbox; one more answers
  429 ApplicationThrottled "MailboxConcurrency" with `Retry-After: 1`.
- At most `budget` (10,000) requests per mailbox in any `window_seconds`
  (600); one more answers 429 ApplicationThrottled with `Retry-After` = the
  seconds until the oldest counted request leaves the window.
- Graph does not always send `Retry-After`: here every
  `omit_retry_after_every`-th throttled answer (3rd, 6th, ...) leaves it
  out; 0 means always send it.
- `latency_ms`: how long every Graph request takes to answer (0: at once),
  waited while the request holds its slot; see sandbox/graph/latency.py.

A throttled request is not executed and not counted. Requests that address no
mailbox (`$batch` itself, `/drives/...`) are not limited here; a `$batch`'s
items are, each on its own (see sandbox/graph/batch.py). Limits are held per
process, in memory, like the service's own counters.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.graph.errors import GraphError, error_response

_MAILBOX = re.compile(r"^/v1\.0/users/([^/]+)", re.IGNORECASE)
#: Scope key set by `$batch` on an item whose concurrency slot it already holds.
SLOT_HELD = "sandbox.graph.slot_held"
_MAY_BE_ZERO = {"omit_retry_after_every", "latency_ms"}


@dataclass
class LimitSettings:
    """The limits in force (changed through `/_sandbox/graph/limits`, `--graph-budget` or
    `--latency-ms`)."""

    concurrency: int = 4
    budget: int = 10_000
    window_seconds: int = 600
    omit_retry_after_every: int = 3
    latency_ms: int = 0

    def update(self, body: Any) -> None:
        """Apply a JSON object of new values (ValueError when one is not a valid limit)."""
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        known = {field.name for field in fields(self)}
        unknown = sorted(set(body) - known - {"reset"})
        if unknown:
            raise ValueError(f"unknown limits: {', '.join(unknown)}")
        for name in known & set(body):
            value = body[name]
            least = 0 if name in _MAY_BE_ZERO else 1
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ValueError(f"{name} must be an integer >= {least}")
        for name in known & set(body):
            setattr(self, name, body[name])


def mailbox_of_path(path: str) -> str | None:
    """The mailbox a /v1.0 path addresses, lower-cased, or None."""
    found = _MAILBOX.match(path)
    return unquote(found.group(1)).lower() if found else None


class Limiter:
    """Concurrency slots and request budgets per mailbox."""

    def __init__(
        self, settings: LimitSettings | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings or LimitSettings()
        self._clock = clock
        self._lock = threading.Lock()
        self._in_flight: dict[str, int] = {}
        self._counted: dict[str, deque[float]] = {}
        self._throttled = 0

    def reset(self) -> None:
        """Forget every counted request and throttled answer."""
        with self._lock:
            self._counted.clear()
            self._throttled = 0

    def throttled(self) -> int:
        """429 answers given since the start or the last reset (benchmarks report them)."""
        with self._lock:
            return self._throttled

    def usage(self) -> dict[str, int]:
        """Requests counted in the current window, per mailbox."""
        with self._lock:
            now = self._clock()
            return {box: len(self._window(box, now)) for box in list(self._counted)}

    def acquire(self, mailbox: str) -> None:
        """Take a concurrency slot; GraphError 429 when the mailbox has none free."""
        with self._lock:
            if self._in_flight.get(mailbox, 0) >= self.settings.concurrency:
                raise self._throttle("Application is over its MailboxConcurrency limit.", 1)
            self._in_flight[mailbox] = self._in_flight.get(mailbox, 0) + 1

    def release(self, mailbox: str) -> None:
        with self._lock:
            left = self._in_flight.get(mailbox, 0) - 1
            if left > 0:
                self._in_flight[mailbox] = left
            else:
                self._in_flight.pop(mailbox, None)

    def charge(self, mailbox: str) -> None:
        """Count one request against the budget; GraphError 429 when it is spent."""
        with self._lock:
            now = self._clock()
            window = self._window(mailbox, now)
            if len(window) >= self.settings.budget:
                wait = window[0] + self.settings.window_seconds - now
                raise self._throttle(
                    "Application is over its MailboxRequests limit.", max(1, math.ceil(wait))
                )
            window.append(now)

    def _window(self, mailbox: str, now: float) -> deque[float]:
        window = self._counted.setdefault(mailbox, deque())
        while window and window[0] <= now - self.settings.window_seconds:
            window.popleft()
        return window

    def _throttle(self, message: str, retry_after: int) -> GraphError:
        self._throttled += 1
        every = self.settings.omit_retry_after_every
        omit = every > 0 and self._throttled % every == 0
        headers = {} if omit else {"Retry-After": str(retry_after)}
        return GraphError(429, "ApplicationThrottled", message, headers=headers)


class LimitsMiddleware:
    """Applies the limiter to every /v1.0 request that addresses a mailbox."""

    def __init__(
        self, app: ASGIApp, limiter: Limiter, mailbox_key: Callable[[str], str] | None = None
    ) -> None:
        self.app = app
        self.limiter = limiter
        #: one key per mailbox however the path names it (id, UPN or address)
        self.mailbox_key = mailbox_key or (lambda name: name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        named = mailbox_of_path(scope["path"]) if scope["type"] == "http" else None
        if named is None:
            await self.app(scope, receive, send)
            return
        mailbox = self.mailbox_key(named)
        held = bool(scope.get(SLOT_HELD))
        try:
            if not held:
                self.limiter.acquire(mailbox)
        except GraphError as error:
            await error_response(Request(scope), error)(scope, receive, send)
            return
        try:
            self.limiter.charge(mailbox)
        except GraphError as error:
            if not held:
                self.limiter.release(mailbox)
            await error_response(Request(scope), error)(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            if not held:
                self.limiter.release(mailbox)
