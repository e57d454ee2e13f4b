"""Outlook's limits: per-mailbox concurrency and request budget, Retry-After, the admin endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.graph.errors import GraphError
from sandbox.graph.limits import Limiter, LimitSettings, mailbox_of_path
from tests.unit.test_sandbox_graph_support import (
    TENANT_DOMAIN,
    TestClient,
    authorized_client,
    seeded_app,
)

INBOX = f"/v1.0/users/alice@{TENANT_DOMAIN}/mailFolders/inbox"
BOB_INBOX = f"/v1.0/users/bob@{TENANT_DOMAIN}/mailFolders/inbox"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app, store = seeded_app(tmp_path, limits=LimitSettings(budget=3, omit_retry_after_every=2))
    with authorized_client(app) as test_client:
        yield test_client
    store.close()


def test_the_budget_is_per_mailbox_and_answers_429_with_retry_after(client: TestClient) -> None:
    assert [client.get(INBOX).status_code for _ in range(3)] == [200, 200, 200]
    throttled = client.get(INBOX)
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "ApplicationThrottled"
    assert 1 <= int(throttled.headers["Retry-After"]) <= 600
    assert client.get(BOB_INBOX).status_code == 200
    assert client.get("/v1.0/users").status_code == 200  # no mailbox: not limited


def test_every_nth_throttled_answer_omits_retry_after(client: TestClient) -> None:
    for _ in range(3):
        client.get(INBOX)
    answers = [client.get(INBOX) for _ in range(4)]
    assert [a.status_code for a in answers] == [429] * 4
    assert ["Retry-After" in a.headers for a in answers] == [True, False, True, False]


def test_the_admin_endpoint_reads_changes_and_resets_the_limits(client: TestClient) -> None:
    for _ in range(3):
        client.get(INBOX)
    figures = client.get("/_sandbox/graph/limits").json()
    assert figures["budget"] == 3 and figures["concurrency"] == 4
    assert figures["used"] == {f"alice@{TENANT_DOMAIN}": 3}
    changed = client.put("/_sandbox/graph/limits", json={"budget": 5, "reset": True})
    assert changed.json()["budget"] == 5 and changed.json()["used"] == {}
    assert client.get(INBOX).status_code == 200
    assert client.put("/_sandbox/graph/limits", json={"budget": 0}).status_code == 400
    assert client.put("/_sandbox/graph/limits", json={"speed": 1}).status_code == 400


def test_throttled_requests_are_not_executed(client: TestClient) -> None:
    tasks_lists = f"/v1.0/users/alice@{TENANT_DOMAIN}/todo/lists"
    for _ in range(3):
        client.get(INBOX)
    created = client.post(tasks_lists, json={"displayName": "Never"})
    assert created.status_code == 429
    client.put("/_sandbox/graph/limits", json={"reset": True})
    names = [doc["displayName"] for doc in client.get(tasks_lists).json()["value"]]
    assert "Never" not in names


def test_concurrency_slots_per_mailbox() -> None:
    limiter = Limiter(LimitSettings(concurrency=2, omit_retry_after_every=0))
    limiter.acquire("a")
    limiter.acquire("a")
    limiter.acquire("b")
    with pytest.raises(GraphError) as refused:
        limiter.acquire("a")
    assert refused.value.status == 429 and refused.value.headers == {"Retry-After": "1"}
    assert "MailboxConcurrency" in refused.value.message
    limiter.release("a")
    limiter.acquire("a")


def test_the_window_slides() -> None:
    now = [0.0]
    limiter = Limiter(LimitSettings(budget=2, window_seconds=600), clock=lambda: now[0])
    limiter.charge("a")
    now[0] = 100.0
    limiter.charge("a")
    with pytest.raises(GraphError) as refused:
        limiter.charge("a")
    assert refused.value.headers["Retry-After"] == "500"
    now[0] = 600.0
    limiter.charge("a")


def test_mailbox_of_path() -> None:
    assert mailbox_of_path("/v1.0/users/Alice%40x.com/messages") == "alice@x.com"
    assert mailbox_of_path("/v1.0/users") is None
    assert mailbox_of_path("/v1.0/drives/abc/root") is None


def test_a_mailbox_has_one_budget_whether_named_by_id_or_upn(client: TestClient) -> None:
    users = client.get("/v1.0/users").json()["value"]  # no mailbox in the path: not counted
    alice = next(user for user in users if user["userPrincipalName"].startswith("alice@"))
    by_id = f"/v1.0/users/{alice['id']}/mailFolders/inbox"

    answers = [client.get(path).status_code for path in (INBOX, by_id, INBOX, by_id)]

    assert answers == [200, 200, 200, 429]
