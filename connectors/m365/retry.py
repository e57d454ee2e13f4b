"""The one place that decides how Microsoft Graph calls are retried.

Graph does not execute a throttled request (429, and 503 with Retry-After),
so those are retried for every method after the `Retry-After` the service
asked for (jittered backoff when it gave none). Network failures are retried
only for idempotent methods: a POST that may have reached Graph is not sent
twice here; the outbox's idempotency keys settle it on the next run.
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


def retry_after(response: requests.Response | None, attempt: int) -> float:
    """Seconds to wait: the service's Retry-After, else jittered exponential backoff."""
    header = response.headers.get("Retry-After") if response is not None else None
    if header and header.isdigit():
        return min(float(header), MAX_WAIT_SECONDS)
    return min(random.uniform(0, 0.5 * 2**attempt), MAX_WAIT_SECONDS)


def with_throttling(
    call: Callable[[], T], *, method: str, sleep: Callable[[float], None] = time.sleep
) -> T:
    """Run one Graph call, waiting out throttling; raises `RetriableError` when attempts run out."""
    for attempt in range(ATTEMPTS):
        try:
            return call()
        except requests.HTTPError as exc:
            response = exc.response
            if response is None or response.status_code not in THROTTLED:
                raise
            last: Exception = exc
            sleep(retry_after(response, attempt))
        except (requests.ConnectionError, requests.Timeout) as exc:
            if method.upper() not in IDEMPOTENT:
                raise RetriableError(
                    f"Microsoft Graph {method} failed in transit: {redact(str(exc))}"
                ) from None
            last = exc
            sleep(retry_after(None, attempt))
    raise RetriableError(f"Microsoft Graph still throttling after {ATTEMPTS} attempts: {last}")
