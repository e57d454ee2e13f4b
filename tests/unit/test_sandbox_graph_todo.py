"""To Do: task lists, tasks (with linked resources) and their rules."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.test_sandbox_graph_support import TENANT_DOMAIN, TestClient

LISTS = f"/v1.0/users/alice@{TENANT_DOMAIN}/todo/lists"
CRM_LINK = {
    "webUrl": "https://contoso.my.salesforce.com/006000000000001AAA",
    "applicationName": "Salesforce",
    "displayName": "Fabrikam renewal",
    "externalId": "006000000000001AAA",
}


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


@pytest.fixture
def tasks_url(client: TestClient) -> str:
    lists = client.get(LISTS).json()["value"]
    default = next(doc for doc in lists if doc["wellknownListName"] == "defaultList")
    return f"{LISTS}/{default['id']}/tasks"


def _create(client: TestClient, url: str, **fields: Any) -> dict[str, Any]:
    response = client.post(url, json={"title": "Call Fabrikam"} | fields)
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


def test_every_user_has_a_default_tasks_list(client: TestClient) -> None:
    lists = client.get(LISTS).json()["value"]

    assert [(doc["displayName"], doc["wellknownListName"]) for doc in lists] == [
        ("Tasks", "defaultList"),
        ("Renewals", "none"),
    ]
    assert all(doc["@odata.etag"].startswith('W/"') for doc in lists)
    assert "changeKey" not in lists[0]


def test_list_lifecycle(client: TestClient) -> None:
    created = client.post(LISTS, json={"displayName": "Escalations"})
    list_url = f"{LISTS}/{created.json()['id']}"
    renamed = client.patch(list_url, json={"displayName": "Complaint escalations"})
    by_name = client.get(LISTS, params={"$filter": "displayName eq 'complaint escalations'"})

    assert created.status_code == 201 and created.json()["wellknownListName"] == "none"
    assert renamed.json()["displayName"] == "Complaint escalations"
    assert [doc["id"] for doc in by_name.json()["value"]] == [created.json()["id"]]
    assert client.delete(list_url).status_code == 204
    assert client.get(list_url).status_code == 404


def test_default_list_cannot_be_deleted(client: TestClient, tasks_url: str) -> None:
    response = client.delete(tasks_url.removesuffix("/tasks"))

    assert response.status_code == 400


def test_create_task_with_inline_linked_resources(client: TestClient, tasks_url: str) -> None:
    due = {"dateTime": "2026-03-01T09:00:00", "timeZone": "Europe/Berlin"}
    task = _create(client, tasks_url, dueDateTime=due, linkedResources=[CRM_LINK])

    assert task["status"] == "notStarted" and task["importance"] == "normal"
    assert task["dueDateTime"] == {"dateTime": "2026-03-01T08:00:00.0000000", "timeZone": "UTC"}
    assert task["linkedResources"][0] | CRM_LINK == task["linkedResources"][0]
    assert task["@odata.context"].endswith("/tasks/$entity")


def test_linked_resources_only_when_expanded(client: TestClient, tasks_url: str) -> None:
    _create(client, tasks_url, linkedResources=[CRM_LINK])

    plain = client.get(tasks_url).json()["value"][0]
    expanded = client.get(f"{tasks_url}?$expand=linkedResources").json()["value"][0]

    assert "linkedResources" not in plain
    assert [link["externalId"] for link in expanded["linkedResources"]] == [CRM_LINK["externalId"]]


def test_tasks_page_and_filter_by_status(client: TestClient, tasks_url: str) -> None:
    for number in range(12):
        status = "completed" if number < 3 else "notStarted"
        _create(client, tasks_url, title=f"Task {number}", status=status)

    first = client.get(tasks_url).json()
    rest = client.get(first["@odata.nextLink"]).json()
    completed = client.get(tasks_url, params={"$filter": "status eq 'completed'"}).json()

    assert len(first["value"]) == 10 and len(rest["value"]) == 2
    assert first["@odata.nextLink"].endswith("$skip=10")
    assert sorted(t["title"] for t in completed["value"]) == ["Task 0", "Task 1", "Task 2"]


def test_completing_stamps_completed_time_and_reopening_clears_it(
    client: TestClient, tasks_url: str
) -> None:
    task = _create(client, tasks_url)
    url = f"{tasks_url}/{task['id']}"

    done = client.patch(url, json={"status": "completed"}).json()
    reopened = client.patch(url, json={"status": "inProgress", "dueDateTime": None}).json()

    assert done["completedDateTime"]["timeZone"] == "UTC"
    assert done["@odata.etag"] != task["@odata.etag"]
    assert "completedDateTime" not in reopened
    assert reopened["status"] == "inProgress"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"status": "done"}, "invalidRequest"),
        ({"importance": "urgent"}, "invalidRequest"),
        ({"owner": "bob"}, "RequestBodyRead"),
        ({"dueDateTime": "tomorrow"}, "invalidRequest"),
    ],
)
def test_invalid_task_updates_are_refused(
    client: TestClient, tasks_url: str, change: dict[str, Any], code: str
) -> None:
    task = _create(client, tasks_url)

    response = client.patch(f"{tasks_url}/{task['id']}", json=change)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_linked_resource_lifecycle(client: TestClient, tasks_url: str) -> None:
    task = _create(client, tasks_url)
    links_url = f"{tasks_url}/{task['id']}/linkedResources"

    created = client.post(links_url, json=CRM_LINK).json()
    link_url = f"{links_url}/{created['id']}"
    updated = client.patch(link_url, json={"displayName": "Fabrikam renewal (Q2)"}).json()

    updated.pop("@odata.context")
    assert client.get(links_url).json()["value"] == [updated]
    assert updated["externalId"] == CRM_LINK["externalId"]
    assert client.delete(link_url).status_code == 204
    assert client.get(link_url).status_code == 404


def test_deleting_a_task_removes_it_and_its_links(client: TestClient, tasks_url: str) -> None:
    task = _create(client, tasks_url, linkedResources=[CRM_LINK])
    url = f"{tasks_url}/{task['id']}"

    assert client.delete(url).status_code == 204
    missing = client.get(url)
    links = client.get(f"{url}/linkedResources")

    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "ErrorItemNotFound"
    assert links.status_code == 404


def test_unknown_list_is_not_found(client: TestClient) -> None:
    response = client.get(f"{LISTS}/AAMkNoSuchList/tasks")

    assert response.status_code == 404
    assert response.json()["error"]["innerError"]["code"] == "ErrorItemNotFound"
