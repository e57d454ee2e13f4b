"""JSON $batch: ids, per-item answers, dependsOn and 424, validation, per-mailbox concurrency."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_sandbox_graph_support import TENANT_DOMAIN, TestClient, seeded_app

ALICE = f"/users/alice@{TENANT_DOMAIN}"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


def _batch(client: TestClient, *items: dict[str, Any]) -> dict[str, dict[str, Any]]:
    response = client.post("/v1.0/$batch", json={"requests": list(items)})
    assert response.status_code == 200, response.text
    return {answer["id"]: answer for answer in response.json()["responses"]}


def _tasks_url(client: TestClient) -> str:
    lists = client.get(f"/v1.0{ALICE}/todo/lists").json()["value"]
    default = next(doc for doc in lists if doc["wellknownListName"] == "defaultList")
    return f"{ALICE}/todo/lists/{default['id']}/tasks"


def test_items_answer_on_their_own_with_status_headers_and_body(client: TestClient) -> None:
    tasks = _tasks_url(client)
    answers = _batch(
        client,
        {"id": "1", "method": "GET", "url": f"{ALICE}/mailFolders/inbox"},
        {"id": "2", "method": "POST", "url": tasks, "body": {"title": "Call"}, "headers": JSON},
        {"id": "3", "method": "GET", "url": f"{ALICE}/messages/nope"},
        {"id": "4", "method": "GET", "url": "/users/nobody@nowhere.com/messages"},
    )
    assert answers["1"]["status"] == 200 and answers["1"]["body"]["id"]
    assert answers["2"]["status"] == 201 and answers["2"]["body"]["title"] == "Call"
    assert answers["2"]["headers"]["Content-Type"].startswith("application/json")
    assert answers["3"]["status"] in (400, 404)
    assert answers["3"]["body"]["error"]["code"]
    assert answers["4"]["status"] == 404
    created = client.get(f"/v1.0{tasks}/{answers['2']['body']['id']}")
    assert created.status_code == 200


def test_query_strings_and_headers_reach_the_item(client: TestClient) -> None:
    answers = _batch(
        client,
        {
            "id": "a",
            "method": "GET",
            "url": f"{ALICE}/mailFolders/inbox/messages?$select=subject&$top=2",
            "headers": {"Prefer": "odata.maxpagesize=1"},
        },
    )
    page = answers["a"]["body"]
    assert len(page["value"]) == 1
    assert set(page["value"][0]) <= {"id", "subject", "@odata.etag"}


def test_depends_on_runs_in_order_and_failed_dependency_answers_424(client: TestClient) -> None:
    tasks = _tasks_url(client)
    answers = _batch(
        client,
        {"id": "1", "method": "GET", "url": f"{ALICE}/messages/missing"},
        {
            "id": "2",
            "method": "POST",
            "url": tasks,
            "body": {"title": "x"},
            "headers": JSON,
            "dependsOn": ["1"],
        },
        {"id": "3", "method": "GET", "url": f"{ALICE}/mailFolders/inbox", "dependsOn": ["2"]},
    )
    assert answers["1"]["status"] >= 400
    assert answers["2"]["status"] == 424 and answers["3"]["status"] == 424
    titles = [task["title"] for task in client.get(f"/v1.0{tasks}").json()["value"]]
    assert "x" not in titles


def test_a_successful_chain_runs_every_item(client: TestClient) -> None:
    tasks = _tasks_url(client)
    answers = _batch(
        client,
        {"id": "1", "method": "POST", "url": tasks, "body": {"title": "first"}, "headers": JSON},
        {
            "id": "2",
            "method": "POST",
            "url": tasks,
            "body": {"title": "second"},
            "headers": JSON,
            "dependsOn": ["1"],
        },
    )
    assert answers["1"]["status"] == answers["2"]["status"] == 201


@pytest.mark.parametrize(
    ("requests", "message"),
    [
        ([{"id": str(n), "method": "GET", "url": "/users"} for n in range(21)], "exceeds"),
        ([{"id": "1", "method": "GET", "url": "/users"}] * 2, "duplicated"),
        ([{"id": "1", "method": "POST", "url": "/users", "body": {}}], "Content-Type"),
        (
            [
                {"id": "1", "method": "GET", "url": "/users", "dependsOn": ["2"]},
                {"id": "2", "method": "GET", "url": "/users"},
            ],
            "dependsOn",
        ),
        (
            [
                {"id": "1", "method": "GET", "url": "/users"},
                {"id": "2", "method": "GET", "url": "/users", "dependsOn": ["1"]},
                {"id": "3", "method": "GET", "url": "/users"},
            ],
            "fully sequential or fully parallel",
        ),
        (
            [{"id": "1", "method": "GET", "url": "https://graph.microsoft.com/v1.0/users"}],
            "relative",
        ),
        (
            [{"id": "1", "method": "POST", "url": "/$batch", "body": {}, "headers": JSON}],
            "itself a batch",
        ),
    ],
)
def test_malformed_batches_answer_400_as_a_whole(
    client: TestClient, requests: list[dict[str, Any]], message: str
) -> None:
    response = client.post("/v1.0/$batch", json={"requests": requests})
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]


def test_twenty_requests_are_accepted(client: TestClient) -> None:
    items = [{"id": str(n), "method": "GET", "url": "/users?$top=1"} for n in range(20)]
    answers = _batch(client, *items)
    assert len(answers) == 20 and all(a["status"] == 200 for a in answers.values())


def test_parallel_items_beyond_four_per_mailbox_are_throttled_not_run(client: TestClient) -> None:
    tasks = _tasks_url(client)
    before = len(client.get(f"/v1.0{tasks}").json()["value"])
    items = [
        {"id": str(n), "method": "POST", "url": tasks, "body": {"title": f"t{n}"}, "headers": JSON}
        for n in range(7)
    ]
    answers = _batch(
        client,
        *items,
        {"id": "bob", "method": "GET", "url": "/users/bob@" + TENANT_DOMAIN + "/mailFolders/inbox"},
    )
    statuses = sorted(answers[str(n)]["status"] for n in range(7))
    assert statuses == [201] * 4 + [429] * 3
    assert answers["bob"]["status"] == 200
    throttled = [a for a in answers.values() if a["status"] == 429]
    assert all(a["body"]["error"]["code"] == "ApplicationThrottled" for a in throttled)
    assert any("Retry-After" in a["headers"] for a in throttled)
    after = len(client.get(f"/v1.0{tasks}").json()["value"])
    assert after == before + 4


def test_the_batch_needs_a_token_and_items_use_the_batch_token(tmp_path: Path) -> None:
    app, store = seeded_app(tmp_path)
    with TestClient(app) as anonymous:
        request = {"requests": [{"id": "1", "method": "GET", "url": "/users"}]}
        assert anonymous.post("/v1.0/$batch", json=request).status_code == 401
    store.close()
