"""The Salesforce sign-in goes through the error-policy table like every other call."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from pydantic import SecretStr

from config.settings import SalesforceSettings
from connectors.errors import BudgetExhausted, ConnectorConfigError
from connectors.salesforce import retry
from connectors.salesforce.auth import fetch_token

SECRET = "s3cr3t-never-shown"


class TokenEndpoint(requests.Session):
    """Answers the token POST from a script: an exception to raise or (status, JSON body)."""

    def __init__(self, *answers: Exception | tuple[int, dict[str, Any]]) -> None:
        super().__init__()
        self.answers = list(answers)
        self.posts = 0

    def post(self, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.posts += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body = answer
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode()
        response.headers["Content-Type"] = "application/json"
        return response


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry, "backoff", lambda tries, **_: 0.0)


def settings() -> SalesforceSettings:
    return SalesforceSettings(
        login_url="https://login.example.test",  # type: ignore[arg-type]
        client_id="kamsync-app",
        client_secret=SecretStr(SECRET),
    )


GRANTED = (200, {"access_token": "00Dxx!token", "instance_url": "https://acme.my.salesforce.com"})


def test_a_network_failure_at_sign_in_is_retried() -> None:
    endpoint = TokenEndpoint(requests.ConnectionError("reset by peer"), (503, {}), GRANTED)
    session = fetch_token(settings(), endpoint)
    assert session.instance_url == "https://acme.my.salesforce.com"
    assert endpoint.posts == 3


def test_a_refused_sign_in_is_configuration_named_once_and_not_retried() -> None:
    refusal = {"error": "invalid_client", "error_description": "invalid client credentials"}
    endpoint = TokenEndpoint((400, refusal))
    with pytest.raises(ConnectorConfigError) as refused:
        fetch_token(settings(), endpoint)
    message = str(refused.value)
    assert endpoint.posts == 1
    assert "invalid_client" in message and "invalid client credentials" in message
    assert "client_id, client_secret and login_url" in message
    assert SECRET not in message


def test_too_many_sign_ins_stop_the_run_for_now() -> None:
    endpoint = TokenEndpoint((400, {"error": "rate_limit_exceeded"}))
    with pytest.raises(BudgetExhausted, match="next run signs in again"):
        fetch_token(settings(), endpoint)
