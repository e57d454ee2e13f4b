"""Login, sessions, API versions, usage limits and unknown routes of the
Salesforce stand-in, answered with Salesforce's status codes and bodies."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from sandbox.ids import salesforce_id
from sandbox.salesforce import create_app
from sandbox.state import DocStore
from tests.unit.test_sandbox_salesforce_helpers import (
    API,
    BASE_URL,
    CLIENT_ID,
    CLIENT_SECRET,
    Org,
    TestClient,
    login,
    make_org,
    user,
)

SESSION_INVALID = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    org = make_org(tmp_path, {"User": [user(1, "Ida", "Integration")]}, daily_api_limit=5)
    yield org
    org.store.close()


def token_request(org: Org, **form: str) -> dict:
    response = org.client.post("/services/oauth2/token", data=form)
    return {"status": response.status_code, **response.json()}


def test_client_credentials_login_answers_like_salesforce(org: Org) -> None:
    answer = token_request(
        org, grant_type="client_credentials", client_id=CLIENT_ID, client_secret=CLIENT_SECRET
    )
    assert answer["status"] == 200
    assert answer["instance_url"] == BASE_URL
    assert answer["token_type"] == "Bearer"
    assert answer["id"].startswith(f"{BASE_URL}/id/00D")
    assert answer["id"].endswith(f"/{salesforce_id('User', 1)}")
    assert answer["issued_at"] == str(int(org.clock.now.timestamp() * 1000))
    assert {"access_token", "signature", "scope"} <= set(answer)


def test_client_secret_may_come_as_basic_auth(org: Org) -> None:
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    response = org.client.post(
        "/services/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200


def test_bad_credentials_and_other_grants_are_refused(org: Org) -> None:
    wrong = token_request(
        org, grant_type="client_credentials", client_id=CLIENT_ID, client_secret="guess"
    )
    assert wrong == {
        "status": 400,
        "error": "invalid_client",
        "error_description": "invalid client credentials",
    }
    password = token_request(org, grant_type="password", username="a", password="b")
    assert password == {
        "status": 400,
        "error": "unsupported_grant_type",
        "error_description": "grant type not supported",
    }


@pytest.mark.parametrize(
    "authorization", [None, "Bearer not-a-token", "Basic abc"], ids=["none", "unknown", "basic"]
)
def test_calls_without_a_valid_session_get_401(org: Org, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = org.client.get(f"{API}/limits", headers=headers)
    assert response.status_code == 401
    assert response.json() == SESSION_INVALID


def test_tokens_expire_after_their_lifetime(org: Org) -> None:
    assert org.client.get(f"{API}/limits", headers=org.headers).status_code == 200
    org.clock.now += timedelta(seconds=7201)
    response = org.client.get(f"{API}/limits", headers=org.headers)
    assert (response.status_code, response.json()) == (401, SESSION_INVALID)


def test_the_oauth_scheme_is_accepted_too(org: Org) -> None:
    token = org.headers["Authorization"].removeprefix("Bearer ")
    response = org.client.get(f"{API}/limits", headers={"Authorization": f"OAuth {token}"})
    assert response.status_code == 200


def test_versions_need_no_login_and_unknown_versions_are_not_found(org: Org) -> None:
    versions = org.client.get("/services/data/").json()
    assert {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"} in versions
    assert versions[0]["version"] == "55.0"
    assert org.client.get(f"{API}/", headers=org.headers).json()["query"] == f"{API}/query"
    unknown = org.client.get("/services/data/v12.0/limits", headers=org.headers)
    assert unknown.status_code == 404
    assert unknown.json() == [
        {"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}
    ]


def test_every_call_counts_and_the_limit_is_enforced(org: Org) -> None:
    usage = [
        org.client.get(f"{API}/limits", headers=org.headers).headers["Sforce-Limit-Info"]
        for _ in range(5)
    ]
    assert usage == [f"api-usage={n}/5" for n in range(1, 6)]
    refused = org.client.get(f"{API}/limits", headers=org.headers)
    assert refused.status_code == 403
    assert refused.json() == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    assert refused.headers["Sforce-Limit-Info"] == "api-usage=5/5"
    org.clock.now += timedelta(days=1)
    next_day = org.client.get(f"{API}/limits", headers=login(org.client))
    assert next_day.headers["Sforce-Limit-Info"] == "api-usage=1/5"


def test_limits_resource_reports_the_daily_allowance(org: Org) -> None:
    body = org.client.get(f"{API}/limits", headers=org.headers).json()
    assert body["DailyApiRequests"] == {"Max": 5, "Remaining": 4}


def test_unknown_routes_and_methods_answer_in_salesforce_shape(org: Org) -> None:
    missing = org.client.get(f"{API}/composite/batch", headers=org.headers)
    assert missing.status_code == 404
    assert missing.json()[0]["errorCode"] == "NOT_FOUND"
    record_url = f"{API}/sobjects/Account/{salesforce_id('Account', 1)}"
    wrong = org.client.put(record_url, json={}, headers=org.headers)
    assert wrong.status_code == 405
    assert wrong.json() == [
        {
            "errorCode": "METHOD_NOT_ALLOWED",
            "message": "HTTP Method 'PUT' not allowed. Allowed are GET,HEAD,PATCH,DELETE",
        }
    ]


def test_sessions_and_usage_survive_a_restart(org: Org, tmp_path: Path) -> None:
    org.client.get(f"{API}/limits", headers=org.headers)
    org.store.close()
    reopened = DocStore(tmp_path / "salesforce.db")
    app = create_app(
        reopened,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        daily_api_limit=5,
        clock=org.clock,
    )
    response = TestClient(app, base_url=BASE_URL).get(f"{API}/limits", headers=org.headers)
    assert response.status_code == 200
    assert response.headers["Sforce-Limit-Info"] == "api-usage=2/5"
    org.store = reopened


@pytest.fixture
def password_org(tmp_path: Path) -> Iterator[Org]:
    left = {**user(3, "Lea", "Left"), "IsActive": False}
    org = make_org(
        tmp_path,
        {"User": [user(1, "Ida", "Integration"), user(2, "Kim", "Kam"), left]},
        user_password="Winter2026!",
    )
    yield org
    org.store.close()


def password_login(org: Org, username: str, password: str, **client: str) -> dict:
    form = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **client}
    return token_request(org, grant_type="password", username=username, password=password, **form)


def test_the_password_grant_runs_as_the_signed_in_user(password_org: Org) -> None:
    answer = password_login(password_org, "KIM.KAM@example.com", "Winter2026!")
    assert answer["status"] == 200
    assert answer["id"].endswith(f"/{salesforce_id('User', 2)}")
    assert {"issued_at", "signature"} <= set(answer)
    headers = {"Authorization": f"Bearer {answer['access_token']}"}
    assert password_org.client.get(f"{API}/limits", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("username", "password", "client", "refusal"),
    [
        ("kim.kam@example.com", "wrong", {}, ("invalid_grant", "authentication failure")),
        ("lea.left@example.com", "Winter2026!", {}, ("invalid_grant", "authentication failure")),
        (
            "kim.kam@example.com",
            "Winter2026!",
            {"client_id": "other-app"},
            ("invalid_client_id", "client identifier invalid"),
        ),
        (
            "kim.kam@example.com",
            "Winter2026!",
            {"client_secret": "guess"},
            ("invalid_client", "invalid client credentials"),
        ),
    ],
    ids=["wrong-password", "inactive-user", "unknown-app", "wrong-secret"],
)
def test_the_password_grant_refuses_like_salesforce(
    password_org: Org,
    username: str,
    password: str,
    client: dict[str, str],
    refusal: tuple[str, str],
) -> None:
    answer = password_login(password_org, username, password, **client)
    assert (answer["status"], answer["error"], answer["error_description"]) == (400, *refusal)


def test_an_unknown_client_id_is_named_as_such(org: Org) -> None:
    answer = token_request(
        org, grant_type="client_credentials", client_id="other-app", client_secret=CLIENT_SECRET
    )
    assert (answer["error"], answer["error_description"]) == (
        "invalid_client_id",
        "client identifier invalid",
    )
