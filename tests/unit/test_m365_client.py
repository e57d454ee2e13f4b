"""GraphClient's policies: per-mailbox concurrency cap, which methods are retried on 503."""

from __future__ import annotations

import threading
import time
from typing import Any, cast

import pytest
import requests
from O365 import Account

from connectors.errors import RetriableError
from connectors.m365.client import GraphClient
from connectors.m365.retry import with_throttling
from tests.unit.test_m365_support import m365_settings


class _SlowConnection:
    """Answers every call after a pause, recording the most calls in flight per mailbox."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight: dict[str, int] = {}
        self.most: dict[str, int] = {}

    def get(self, url: str, **_: Any) -> requests.Response:
        box = url.split("/users/")[1].split("/")[0]
        with self.lock:
            self.in_flight[box] = self.in_flight.get(box, 0) + 1
            self.most[box] = max(self.most.get(box, 0), self.in_flight[box])
        time.sleep(0.05)
        with self.lock:
            self.in_flight[box] -= 1
        response = requests.Response()
        response.status_code = 200
        response._content = b"{}"
        return response


class _Account:
    def __init__(self) -> None:
        self.con = _SlowConnection()


def test_at_most_four_requests_per_mailbox_are_in_flight() -> None:
    account = _Account()
    client = GraphClient(m365_settings(), account=cast(Account, account))
    urls = [
        f"https://graph.test/v1.0/users/{box}/messages" for box in ("a", "b") for _ in range(10)
    ]
    threads = [threading.Thread(target=client.get, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert account.con.most == {"a": 4, "b": 4}
    assert client.calls == 20


def _failing(status: int, retry_after: str | None) -> Any:
    def call() -> None:
        response = requests.Response()
        response.status_code = status
        if retry_after is not None:
            response.headers["Retry-After"] = retry_after
        raise requests.HTTPError(response=response)

    return call


def test_a_post_answered_503_without_retry_after_is_not_repeated() -> None:
    with pytest.raises(RetriableError, match="may have run"):
        with_throttling(_failing(503, None), method="POST", sleep=lambda _: pytest.fail("slept"))


@pytest.mark.parametrize(
    ("method", "retry_after", "idempotent"),
    [("POST", "2", None), ("GET", None, None), ("PATCH", None, True), ("POST", None, True)],
)
def test_503_is_waited_out_when_safe(
    method: str, retry_after: str | None, idempotent: bool | None
) -> None:
    waits: list[float] = []
    with pytest.raises(RetriableError, match="still throttling"):
        with_throttling(
            _failing(503, retry_after), method=method, idempotent=idempotent, sleep=waits.append
        )
    assert len(waits) == 6
