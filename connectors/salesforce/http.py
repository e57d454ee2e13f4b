"""The HTTP session every Salesforce call uses: no request without a timeout.

simple-salesforce passes a timeout only where a caller gives one (its Bulk
API 2.0 client never does), so the session supplies the configured default.
"""

from __future__ import annotations

from typing import Any

import requests


class TimeoutSession(requests.Session):
    """A requests session whose requests time out after `timeout_seconds` unless told otherwise."""

    def __init__(self, timeout_seconds: float) -> None:
        super().__init__()
        self.timeout_seconds = timeout_seconds

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout_seconds
        return super().request(method, url, *args, **kwargs)
