"""Checklist items (steps) of To Do tasks."""

from __future__ import annotations

import pytest

from tests.unit.test_sandbox_graph_support import (
    TENANT_DOMAIN,
    TestClient,
)

LISTS = f"/v1.0/users/alice@{TENANT_DOMAIN}/todo/lists"


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


@pytest.fixture
def task_url(client: TestClient) -> str:
    list_id = client.post(LISTS, json={"displayName": "Steps"}).json()["id"]
    task = client.post(f"{LISTS}/{list_id}/tasks", json={"title": "QBR"}).json()
    return f"{LISTS}/{list_id}/tasks/{task['id']}"


def test_steps_lifecycle(client: TestClient, task_url: str) -> None:
    before = client.get(task_url).json()["@odata.etag"]
    created = client.post(f"{task_url}/checklistItems", json={"displayName": "Pull pipeline"})
    item_url = f"{task_url}/checklistItems/{created.json()['id']}"
    checked = client.patch(item_url, json={"isChecked": True}).json()
    unchecked = client.patch(item_url, json={"isChecked": False}).json()
    listed = client.get(f"{task_url}/checklistItems").json()["value"]
    deleted = client.delete(item_url)

    assert created.status_code == 201 and created.json()["isChecked"] is False
    assert checked["checkedDateTime"] and unchecked["checkedDateTime"] is None
    assert [item["displayName"] for item in listed] == ["Pull pipeline"]
    assert client.get(task_url).json()["@odata.etag"] != before, "the task was modified"
    assert deleted.status_code == 204 and client.get(item_url).status_code == 404


def test_invalid_steps(client: TestClient, task_url: str) -> None:
    nameless = client.post(f"{task_url}/checklistItems", json={"isChecked": True})
    unknown = client.post(f"{task_url}/checklistItems", json={"displayName": "x", "due": 1})
    assert nameless.status_code == unknown.status_code == 400
