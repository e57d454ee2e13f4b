"""The one place that decides how Salesforce calls are retried.

Retried: connection errors and timeouts, 5xx answers and `UNABLE_TO_LOCK_ROW`,
with jittered exponential backoff. Never retried: other 4xx answers (a
malformed query stays malformed); an expired session is renewed by the client.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import requests
from simple_salesforce.exceptions import SalesforceError, SalesforceGeneralError
from tenacity import (
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

T = TypeVar("T")

ATTEMPTS = 5


def is_transient(exc: BaseException) -> bool:
    """True for failures another attempt may cure."""
    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return True
    if isinstance(exc, SalesforceGeneralError) and exc.status >= 500:
        return True
    return isinstance(exc, SalesforceError) and "UNABLE_TO_LOCK_ROW" in str(exc.content)


def with_retries(call: Callable[[], T], *, max_wait: float = 20.0) -> T:
    """Run `call`, retrying transient failures; the last error propagates as is."""
    retrying = retry(
        retry=retry_if_exception(is_transient),
        wait=wait_random_exponential(multiplier=0.5, max=max_wait),
        stop=stop_after_attempt(ATTEMPTS),
        reraise=True,
    )
    return retrying(call)()
