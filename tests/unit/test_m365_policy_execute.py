"""GraphClient carrying out the error policy on fake O365 calls: connection resets and read
timeouts, 5xx, token renewal once, and the messages the user gets when it gives up."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

import certifi
import pytest
import requests
import trustme
from O365 import Account

from connectors.errors import ConnectorConfigError, RetriableError
from connectors.m365.client import GraphClient
from connectors.m365.policy import Action, decide
from connectors.m365.retry import Call, execute, failure_of, retry_after_seconds
from tests.unit.test_m365_support import m365_settings

URL = "https://graph.test/v1.0/users/kam@x/mailFolders/inbox"


def _answer(status: int, body: bytes = b"{}", retry_after: str | None = None) -> Any:
    response = requests.Response()
    response.status_code = status
    response._content = body
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return response


def _refused(status: int, code: str) -> requests.HTTPError:
    body = f'{{"error": {{"code": "{code}", "message": "refused"}}}}'.encode()
    return requests.HTTPError(f"{status}", response=_answer(status, body))


class _Connection:
    """O365's connection surface: answers (or raises) what it is given, in order."""

    def __init__(self, outcomes: list[object]) -> None:
        self.outcomes = outcomes
        self.sent: list[str] = []
        self.renewals = 0
        self.msal_client = self

    def remove_tokens_for_client(self) -> None:
        pass

    def refresh_token(self) -> bool:
        self.renewals += 1
        return True

    def _next(self, method: str, url: str) -> requests.Response:
        self.sent.append(method)
        outcome = self.outcomes.pop(0) if self.outcomes else _answer(200)
        if isinstance(outcome, BaseException):
            raise outcome
        return cast(requests.Response, outcome)

    def get(self, url: str, **_: Any) -> requests.Response:
        return self._next("GET", url)

    def post(self, url: str, **_: Any) -> requests.Response:
        return self._next("POST", url)


class _Account:
    def __init__(self, outcomes: list[object]) -> None:
        self.con = _Connection(outcomes)


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("connectors.m365.retry.time.sleep", lambda _: None)


def _client(outcomes: list[object]) -> tuple[GraphClient, _Connection]:
    account = _Account(outcomes)
    return GraphClient(m365_settings(), account=cast(Account, account)), account.con


@pytest.mark.parametrize(
    "fault",
    [
        requests.ConnectionError("Connection reset by peer"),
        requests.ReadTimeout("Read timed out. (read timeout=2)"),
        requests.HTTPError("500", response=_answer(500)),
        requests.HTTPError("502", response=_answer(502)),
        requests.HTTPError("504", response=_answer(504)),
    ],
    ids=["reset", "read timeout", "500", "502", "504"],
)
def test_a_get_cut_off_once_is_repeated_and_succeeds(fault: Exception) -> None:
    client, con = _client([fault, _answer(200, b'{"displayName": "Inbox"}')])
    assert client.get(URL) == {"displayName": "Inbox"}
    assert con.sent == ["GET", "GET"] and client.calls == 2


@pytest.mark.parametrize(
    "fault",
    [
        requests.ConnectionError("Connection reset by peer"),
        requests.ReadTimeout("Read timed out. (read timeout=2)"),
    ],
    ids=["reset", "read timeout"],
)
def test_a_send_mail_cut_off_is_not_repeated_and_says_it_may_have_run(fault: Exception) -> None:
    client, con = _client([fault])
    with pytest.raises(RetriableError, match="may have run") as raised:
        client.post("https://graph.test/v1.0/users/kam@x/sendMail", {"message": {}})
    assert con.sent == ["POST"]
    assert "POST https://graph.test/v1.0/users/kam@x/sendMail" in str(raised.value)


def test_a_get_that_keeps_failing_in_transit_gives_up_with_a_retriable_error() -> None:
    client, con = _client([requests.ConnectionError("reset")] * 10)
    with pytest.raises(RetriableError, match="still fails in transit after 6 retries"):
        client.get(URL)
    assert len(con.sent) == 7


def test_an_invalid_token_is_renewed_once_and_the_call_repeated() -> None:
    client, con = _client([_refused(401, "InvalidAuthenticationToken"), _answer(200)])
    assert client.get(URL) == {}
    assert client.renewals == 1 and con.renewals == 1 and con.sent == ["GET", "GET"]


def test_a_token_refused_after_renewal_is_a_credentials_error_not_a_permission_one() -> None:
    refused = _refused(401, "InvalidAuthenticationToken")
    client, con = _client([refused, refused, refused])
    with pytest.raises(ConnectorConfigError) as raised:
        client.get(URL)
    message = str(raised.value)
    assert "could not be renewed" in message and "client_secret" in message
    assert "consent" not in message
    assert client.renewals == 1 and con.sent == ["GET", "GET"]


def test_a_forbidden_call_names_permissions_and_consent_without_renewing() -> None:
    client, con = _client([_refused(403, "ErrorAccessDenied")])
    with pytest.raises(ConnectorConfigError, match="admin consent"):
        client.get(URL)
    assert client.renewals == 0 and con.sent == ["GET"]


def test_execute_waits_what_retry_after_asks() -> None:
    outcomes: list[object] = [requests.HTTPError(response=_answer(503, retry_after="4")), "done"]
    waits: list[float] = []

    def send() -> object:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert execute(send, Call("POST x", "POST"), sleep=waits.append) == "done"
    assert waits == [4.0]


def test_retry_after_may_be_seconds_or_an_http_date() -> None:
    now = datetime(2026, 12, 7, 21, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Mon, 07 Dec 2026 21:00:30 GMT", now) == 30.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


@contextmanager
def _tls_server(*, handshake: bool) -> Iterator[str]:
    """A local port that completes TLS with a certificate no one trusts, or drops every
    connection before the handshake ends (as a reset mid-handshake does)."""
    listener = socket.create_server(("127.0.0.1", 0))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(context)

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            if handshake:
                try:
                    context.wrap_socket(connection, server_side=True).close()
                except (ssl.SSLError, OSError):
                    connection.close()
            else:
                connection.recv(1024)
                connection.close()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{listener.getsockname()[1]}/v1.0/users"
    finally:
        listener.close()


@pytest.mark.parametrize(("handshake", "action"), [(True, Action.CONFIG), (False, Action.RETRY)])
def test_only_a_refused_certificate_is_a_tls_configuration_error(
    handshake: bool, action: Action
) -> None:
    refused = pytest.raises(requests.RequestException)
    with _tls_server(handshake=handshake) as url, refused as raised:
        requests.get(url, verify=certifi.where(), timeout=5)
    decision = decide(failure_of(raised.value, Call(f"GET {url}", "GET")))
    assert decision.action is action
    if action is Action.CONFIG:
        assert "ca_bundle" in decision.message
