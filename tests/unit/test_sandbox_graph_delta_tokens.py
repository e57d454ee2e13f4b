"""Delta state tokens: opaque, bound to their folder, and expirable by the test control."""

from __future__ import annotations

import pytest

from tests.unit.test_sandbox_graph_support import TENANT_DOMAIN, TestClient

MAILBOX = f"/v1.0/users/alice@{TENANT_DOMAIN}"
INBOX_DELTA = f"{MAILBOX}/mailFolders/inbox/messages/delta"


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


def _delta_link(client: TestClient, url: str) -> str:
    body = client.get(url, headers={"Prefer": "odata.maxpagesize=100"}).json()
    link: str = body["@odata.deltaLink"]
    return link


def test_a_garbled_token_is_refused_as_invalid_sync_state(client: TestClient) -> None:
    link = _delta_link(client, INBOX_DELTA)
    garbled = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")

    for url in (garbled, f"{INBOX_DELTA}?$deltatoken=not-a-token", f"{INBOX_DELTA}?$skiptoken=x"):
        response = client.get(url)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "SyncStateInvalid"


def test_a_token_only_works_for_the_folder_that_issued_it(client: TestClient) -> None:
    token = _delta_link(client, INBOX_DELTA).split("$deltatoken=")[1]

    response = client.get(f"{MAILBOX}/mailFolders/sentitems/messages/delta?$deltatoken={token}")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "SyncStateInvalid"


def test_expired_sync_states_answer_410_until_a_fresh_round(client: TestClient) -> None:
    delta_link = _delta_link(client, INBOX_DELTA)
    next_link = client.get(INBOX_DELTA).json()["@odata.nextLink"]

    expired = client.post("/_sandbox/graph/sync-states/expire", headers={"Authorization": ""})

    assert expired.status_code == 200
    assert expired.json() == {"epoch": 1}
    for url in (delta_link, next_link):
        response = client.get(url)
        assert response.status_code == 410
        error = response.json()["error"]
        assert error["code"] == "SyncStateNotFound"
        assert error["message"].startswith("The sync state generation is not found")
    fresh = _delta_link(client, INBOX_DELTA)
    assert client.get(fresh).json()["value"] == []


def test_the_delta_function_name_form_is_accepted(client: TestClient) -> None:
    response = client.get(f"{MAILBOX}/mailFolders/inbox/messages/microsoft.graph.delta()")

    assert response.status_code == 200
    assert len(response.json()["value"]) == 10


def test_delta_needs_a_token_like_every_graph_call(client: TestClient) -> None:
    response = client.get(INBOX_DELTA, headers={"Authorization": ""})

    assert response.status_code == 401
