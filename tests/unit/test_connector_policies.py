"""Connector policies that need no service: Graph throttling and secret redaction."""

from __future__ import annotations

import pytest
import requests

from connectors.errors import RetriableError, redact
from connectors.m365.retry import with_throttling
from connectors.salesforce.http import TimeoutSession


def _http_error(status: int, retry_after: str | None = None) -> requests.HTTPError:
    response = requests.Response()
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return requests.HTTPError(f"{status}", response=response)


def test_throttled_post_waits_what_graph_asks_then_succeeds() -> None:
    answers: list[object] = [_http_error(429, "7"), _http_error(503, "2"), "created"]
    waits: list[float] = []

    def call() -> object:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert with_throttling(call, method="POST", sleep=waits.append) == "created"
    assert waits == [7.0, 2.0]


def test_throttling_without_retry_after_backs_off_and_finally_gives_up() -> None:
    waits: list[float] = []

    def always_throttled() -> None:
        raise _http_error(429)

    with pytest.raises(RetriableError, match="still throttling"):
        with_throttling(always_throttled, method="GET", sleep=waits.append)
    assert len(waits) == 6 and all(0 <= wait <= 60 for wait in waits)


def test_post_lost_in_transit_is_not_sent_twice() -> None:
    calls = 0

    def dropped() -> None:
        nonlocal calls
        calls += 1
        raise requests.ConnectionError("connection reset")

    with pytest.raises(RetriableError, match="in transit"):
        with_throttling(dropped, method="POST", sleep=lambda _: None)
    assert calls == 1


def test_other_http_errors_are_not_retried() -> None:
    def not_found() -> None:
        raise _http_error(404)

    with pytest.raises(requests.HTTPError):
        with_throttling(not_found, method="GET", sleep=lambda _: pytest.fail("slept"))


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("grant_type=client_credentials&client_secret=s3cr3t&x=1", "s3cr3t"),
        ('{"access_token": "eyJhbGciOi", "instance_url": "x"}', "eyJhbGciOi"),
        ("Authorization: Bearer abc.def.ghi", "abc.def.ghi"),
        ("postgresql://kamsync:hunter2@db/kamsync", "hunter2"),
    ],
)
def test_secrets_never_reach_messages(text: str, secret: str) -> None:
    assert secret not in redact(text)


def test_every_salesforce_request_gets_the_configured_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[object] = []

    def fake_request(self: requests.Session, method: str, url: str, **kwargs: object) -> None:
        seen.append(kwargs.get("timeout"))

    monkeypatch.setattr(requests.Session, "request", fake_request)
    session = TimeoutSession(12.5)
    session.get("https://example.invalid/services/data/")
    session.request("GET", "https://example.invalid/", timeout=3)
    assert seen == [12.5, 3]
