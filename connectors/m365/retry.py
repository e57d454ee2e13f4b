"""The one place that decides how Microsoft Graph calls are retried.

Graph does not execute a throttled request (429, and 503 with Retry-After),
so those are retried after the `Retry-After` the service asked for (jittered
backoff when it gave none). A 503 without Retry-After, and network failures,
may have happened: they are retried only for idempotent methods (GET, PUT,
DELETE, or a write the caller made idempotent by key); a POST that may have
reached Graph is not sent twice here — the outbox's idempotency keys settle it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

import requests

from connectors.errors import RetriableError, redact

T = TypeVar("T")

ATTEMPTS = 6
THROTTLED = {429, 503}
IDEMPOTENT = {"GET", "PUT", "DELETE"}
MAX_WAIT_SECONDS = 60.0


def wait_seconds(header: str | None, attempt: int) -> float:
    """Seconds to wait: a `Retry-After` in seconds, else jittered exponential backoff."""
    if header and header.strip().isdigit():
        return min(float(header.strip()), MAX_WAIT_SECONDS)
    return min(random.uniform(0, 0.5 * 2**attempt), MAX_WAIT_SECONDS)


def retry_after(response: requests.Response | None, attempt: int) -> float:
    """Seconds to wait after `response` (see `wait_seconds`)."""
    header = response.headers.get("Retry-After") if response is not None else None
    return wait_seconds(header, attempt)


def not_executed(response: requests.Response) -> bool:
    """Graph refused the request without running it: 429, or 503 with Retry-After."""
    status = response.status_code
    return status == 429 or (status == 503 and "Retry-After" in response.headers)


def with_throttling(
    call: Callable[[], T],
    *,
    method: str,
    idempotent: bool | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run one Graph call, waiting out throttling; raises `RetriableError` when attempts run out."""
    safe = method.upper() in IDEMPOTENT if idempotent is None else idempotent
    for attempt in range(ATTEMPTS):
        try:
            return call()
        except requests.HTTPError as exc:
            response = exc.response
            if response is None or response.status_code not in THROTTLED:
                raise
            if not (safe or not_executed(response)):
                raise RetriableError(
                    f"Microsoft Graph {method} answered {response.status_code} without "
                    "Retry-After; it may have run, so it is not repeated"
                ) from None
            last: Exception = exc
            sleep(retry_after(response, attempt))
        except (requests.ConnectionError, requests.Timeout) as exc:
            if not safe:
                raise RetriableError(
                    f"Microsoft Graph {method} failed in transit: {redact(str(exc))}"
                ) from None
            last = exc
            sleep(retry_after(None, attempt))
    raise RetriableError(f"Microsoft Graph still throttling after {ATTEMPTS} attempts: {last}")
