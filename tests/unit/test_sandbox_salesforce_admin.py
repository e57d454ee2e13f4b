"""The stand-in's test-control endpoints (/_sandbox/salesforce/...): expiring every
session and setting the daily API allocation, without logging in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.test_sandbox_salesforce_helpers import API, Org, login, make_org, user

CONTROL = "/_sandbox/salesforce"


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    org = make_org(tmp_path, {"User": [user(1, "Ida", "Integration")]}, daily_api_limit=50)
    yield org
    org.store.close()


def test_expiring_tokens_ends_every_session_but_not_logins(org: Org) -> None:
    second = login(org.client)
    expired = org.client.post(f"{CONTROL}/tokens/expire")
    assert (expired.status_code, expired.json()) == (200, {"expired": 2})
    for headers in (org.headers, second):
        response = org.client.get(f"{API}/limits", headers=headers)
        assert (response.status_code, response.json()[0]["errorCode"]) == (
            401,
            "INVALID_SESSION_ID",
        )
    fresh = login(org.client)
    assert org.client.get(f"{API}/limits", headers=fresh).status_code == 200


def test_the_allocation_can_be_read_and_set(org: Org) -> None:
    org.client.get(f"{API}/limits", headers=org.headers)
    assert org.client.get(f"{CONTROL}/limits").json() == {
        "daily_api_limit": 50,
        "used": 1,
        "remaining": 49,
    }
    changed = org.client.put(f"{CONTROL}/limits", json={"daily_api_limit": 500, "used": 498})
    assert changed.json() == {"daily_api_limit": 500, "used": 498, "remaining": 2}
    last = org.client.get(f"{API}/limits", headers=org.headers)
    assert last.json()["DailyApiRequests"] == {"Max": 500, "Remaining": 1}
    assert last.headers["Sforce-Limit-Info"] == "api-usage=499/500"


def test_a_spent_allocation_set_from_outside_refuses_the_next_call(org: Org) -> None:
    org.client.put(f"{CONTROL}/limits", json={"used": 50})
    refused = org.client.get(f"{API}/sobjects", headers=org.headers)
    assert (refused.status_code, refused.json()[0]["errorCode"]) == (403, "REQUEST_LIMIT_EXCEEDED")
    org.client.put(f"{CONTROL}/limits", json={"used": 0})
    assert org.client.get(f"{API}/sobjects", headers=org.headers).status_code == 200


@pytest.mark.parametrize(
    "body", [b"not json", b"[1]", b'{"used": -1}', b'{"daily_api_limit": "many"}']
)
def test_malformed_settings_are_refused_and_change_nothing(org: Org, body: bytes) -> None:
    response = org.client.put(f"{CONTROL}/limits", content=body)
    assert response.status_code == 400 and "error" in response.json()
    assert org.client.get(f"{CONTROL}/limits").json()["daily_api_limit"] == 50
