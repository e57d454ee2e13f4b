"""To Do delta: task lists and tasks, with removals and linked resources."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.test_sandbox_graph_support import TENANT_DOMAIN, TestClient

LISTS = f"/v1.0/users/alice@{TENANT_DOMAIN}/todo/lists"
LINK = {"applicationName": "kamsync", "displayName": "Renewal", "externalId": "006A"}


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


def _round(client: TestClient, url: str) -> tuple[list[dict[str, Any]], str]:
    entries: list[dict[str, Any]] = []
    while True:
        response = client.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        entries += body["value"]
        if "@odata.deltaLink" in body:
            return entries, body["@odata.deltaLink"]
        url = body["@odata.nextLink"]


def test_list_delta_reports_lists_then_added_renamed_and_deleted_ones(client: TestClient) -> None:
    lists, link = _round(client, f"{LISTS}/delta")
    renewals = next(doc for doc in lists if doc["displayName"] == "Renewals")
    added = client.post(LISTS, json={"displayName": "Key accounts"}).json()
    client.patch(f"{LISTS}/{renewals['id']}", json={"displayName": "Renewals 2026"})
    doomed = client.post(LISTS, json={"displayName": "Scratch"}).json()
    client.delete(f"{LISTS}/{doomed['id']}")

    changes, _ = _round(client, link)

    assert sorted(doc["displayName"] for doc in lists) == ["Renewals", "Tasks"]
    assert lists[0]["@odata.type"] == "#microsoft.graph.todoTaskList"
    assert [doc.get("displayName") for doc in changes if "@removed" not in doc] == [
        "Key accounts",
        "Renewals 2026",
    ]
    assert [doc for doc in changes if "@removed" in doc] == [
        {
            "@odata.type": "#microsoft.graph.todoTaskList",
            "id": doomed["id"],
            "@removed": {"reason": "deleted"},
        }
    ]
    assert added["id"] in {doc["id"] for doc in changes}


def test_task_delta_pages_expands_links_and_reports_deleted_tasks(client: TestClient) -> None:
    lists = client.get(LISTS).json()["value"]
    tasks_url = f"{LISTS}/{lists[0]['id']}/tasks"
    created = [
        client.post(tasks_url, json={"title": f"Task {n}", "linkedResources": [LINK]}).json()
        for n in range(12)
    ]
    first = client.get(f"{tasks_url}/delta?$expand=linkedResources&$select=title,status")
    entries, link = _round(client, first.json()["@odata.nextLink"])
    entries = first.json()["value"] + entries

    client.delete(f"{tasks_url}/{created[0]['id']}")
    client.patch(f"{tasks_url}/{created[1]['id']}", json={"status": "completed"})
    changes, _ = _round(client, link)

    assert len(first.json()["value"]) == 10
    assert [e["title"] for e in entries] == [f"Task {n}" for n in range(12)]
    assert entries[0]["linkedResources"][0]["externalId"] == "006A"
    assert set(entries[0]) == {
        "@odata.type",
        "@odata.etag",
        "id",
        "title",
        "status",
        "linkedResources",
    }
    assert [(c["id"], "@removed" in c) for c in changes] == [
        (created[0]["id"], True),
        (created[1]["id"], False),
    ]
    assert changes[1]["status"] == "completed"
    assert changes[1]["linkedResources"][0]["applicationName"] == "kamsync"


def test_changing_a_linked_resource_puts_its_task_in_the_next_round(client: TestClient) -> None:
    lists = client.get(LISTS).json()["value"]
    tasks_url = f"{LISTS}/{lists[0]['id']}/tasks"
    task = client.post(tasks_url, json={"title": "Renew", "linkedResources": [LINK]}).json()
    _, link = _round(client, f"{tasks_url}/delta")
    link_id = task["linkedResources"][0]["id"]

    client.patch(f"{tasks_url}/{task['id']}/linkedResources/{link_id}", json={"externalId": "006B"})

    assert [e["id"] for e in _round(client, link)[0]] == [task["id"]]


def test_task_delta_of_a_missing_list_is_not_found(client: TestClient) -> None:
    response = client.get(f"{LISTS}/AAMkAGI2TG93AAA=/tasks/delta")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ErrorItemNotFound"
