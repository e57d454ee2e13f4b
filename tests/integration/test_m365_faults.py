"""Fault tests against the sandbox process: 429 with and without Retry-After on GET, POST,
PATCH and inside $batch, token expiry mid-run, and writes whose answer was lost (`after`)
— each ends in the same state as a clean run, with no duplicate."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import requests

from config.settings import Settings
from connectors.m365 import GraphClient, GraphError, linked_tasks, send_mail
from connectors.m365.batch import BatchRequest, send_batch
from connectors.m365.send import KEY_PROPERTY_ID, sent_with_key
from connectors.m365.todo import TaskWrite, TodoTask, write_tasks

pytestmark = pytest.mark.integration


class Admin:
    """The sandbox's /_sandbox/graph control endpoints."""

    def __init__(self, sandbox: dict[str, Any]) -> None:
        self.base = sandbox["graph"]["graph_url"].rstrip("/") + "/_sandbox/graph"
        self.verify = sandbox["ca_bundle"]

    def fault(self, **fault: Any) -> None:
        answer = requests.post(f"{self.base}/faults", json=fault, verify=self.verify, timeout=10)
        assert answer.status_code == 201, answer.text

    def armed(self) -> list[dict[str, Any]]:
        faults: list[dict[str, Any]] = requests.get(
            f"{self.base}/faults", verify=self.verify, timeout=10
        ).json()["faults"]
        return faults

    def clear(self) -> None:
        requests.delete(f"{self.base}/faults", verify=self.verify, timeout=10)

    def expire_tokens(self) -> int:
        answer = requests.post(f"{self.base}/tokens/expire", verify=self.verify, timeout=10)
        return int(answer.json()["expired"])


@pytest.fixture
def admin(sandbox: dict[str, Any], trust_sandbox: None) -> Iterator[Admin]:
    control = Admin(sandbox)
    yield control
    control.clear()


@pytest.fixture
def task_list(graph: GraphClient, kam: str) -> Iterator[str]:
    """A To Do list of this test's own, so other tests' tasks never mix in; deleted after it
    (O365's list reads see one page, which other tests' leftovers would crowd)."""
    name = f"Fault test {uuid.uuid4().hex[:8]}"
    lists = f"{graph.user_path(kam)}/todo/lists"
    list_id = str(graph.post(lists, {"displayName": name}).json()["id"])
    yield list_id
    graph.delete(f"{lists}/{list_id}")


def _task(external_id: str) -> TodoTask:
    return TodoTask("Renewal call", date(2026, 12, 1), external_id, "https://crm/x", "Open")


@pytest.mark.parametrize("retry_after", [1, None])
def test_throttled_get_is_retried(
    graph: GraphClient, admin: Admin, kam: str, retry_after: int | None
) -> None:
    admin.fault(method="GET", path="/mailFolders/inbox$", retry_after=retry_after)
    before = graph.calls
    assert graph.get(f"{graph.user_path(kam)}/mailFolders/inbox")["displayName"] == "Inbox"
    assert graph.calls - before == 2 and admin.armed() == []


@pytest.mark.parametrize("retry_after", [1, None])
def test_throttled_post_and_patch_are_retried_once_each(
    graph: GraphClient, admin: Admin, kam: str, task_list: str, retry_after: int | None
) -> None:
    tasks = f"{graph.user_path(kam)}/todo/lists/{task_list}/tasks"
    admin.fault(method="POST", path=f"{task_list}/tasks$", retry_after=retry_after)
    created = graph.post(tasks, {"title": "Throttled once"}).json()
    admin.fault(method="PATCH", path=f"/tasks/{created['id']}$", retry_after=retry_after)
    graph.patch(f"{tasks}/{created['id']}", {"status": "completed"})
    titles = [(t["title"], t["status"]) for page in graph.pages(tasks) for t in page]
    assert titles == [("Throttled once", "completed")]


def test_throttled_items_inside_a_batch_land_exactly_once(
    graph: GraphClient, admin: Admin, kam: str, task_list: str
) -> None:
    admin.fault(method="POST", path=f"{task_list}/tasks$", in_batch=True, retry_after=1, times=2)
    admin.fault(method="POST", path=f"{task_list}/tasks$", in_batch=True, times=1)
    writes = [TaskWrite(f"k{n}", "create", _task(f"006F{n}")) for n in range(6)]
    results = write_tasks(graph, kam, task_list, writes)
    assert all(result.ok and not result.adopted for result in results.values())
    found = linked_tasks(graph, kam, task_list)
    assert sorted(found["external_id"]) == [f"006F{n}" for n in range(6)]


def test_a_task_create_whose_answer_was_lost_is_adopted_by_the_rerun(
    graph: GraphClient, admin: Admin, kam: str, task_list: str
) -> None:
    admin.fault(method="POST", path=f"{task_list}/tasks$", in_batch=True, status=502, after=True)
    writes = [TaskWrite("lost", "create", _task("006L")), TaskWrite("ok", "create", _task("006M"))]
    first = write_tasks(graph, kam, task_list, writes)
    assert sorted(result.ok for result in first.values()) == [False, True]
    again = write_tasks(graph, kam, task_list, [w for w in writes if not first[w.key].ok])
    assert all(result.ok and result.adopted for result in again.values())
    found = linked_tasks(graph, kam, task_list)
    assert sorted(found["external_id"]) == ["006L", "006M"]


def test_a_mail_whose_answer_was_lost_is_not_sent_twice(
    graph: GraphClient, admin: Admin, sandbox_settings: Settings
) -> None:
    sender, colleague = sandbox_settings.m365.mailboxes[:2]
    key = f"digest:fault-test:{uuid.uuid4().hex}"
    admin.fault(method="POST", path="/sendMail$", status=504, after=True)
    with pytest.raises(GraphError, match="504"):
        send_mail(graph, sender, [colleague], "Fault digest", "<p>x</p>", idempotency_key=key)
    assert sent_with_key(graph, sender, key)
    assert not send_mail(
        graph, sender, [colleague], "Fault digest", "<p>x</p>", idempotency_key=key
    )
    assert _sent_with(graph, sender, key) == 1


def _sent_with(graph: GraphClient, sender: str, key: str) -> int:
    """How many messages in the sender's Sent Items carry the idempotency key."""
    condition = f"ep/id eq '{KEY_PROPERTY_ID}' and ep/value eq '{key}'"
    params = {"$filter": f"singleValueExtendedProperties/Any(ep: {condition})", "$select": "id"}
    url = f"{graph.user_path(sender)}/mailFolders/sentitems/messages"
    return sum(len(page) for page in graph.pages(url, params))


def test_a_throttled_send_mail_is_retried_and_sent_once(
    graph: GraphClient, admin: Admin, sandbox_settings: Settings
) -> None:
    sender, colleague = sandbox_settings.m365.mailboxes[:2]
    key = f"digest:throttled:{uuid.uuid4().hex}"
    admin.fault(method="POST", path="/sendMail$", retry_after=1)
    assert send_mail(
        graph, sender, [colleague], "Throttled digest", "<p>x</p>", idempotency_key=key
    )
    assert _sent_with(graph, sender, key) == 1


def test_tokens_expiring_mid_run_are_renewed_and_the_run_goes_on(
    graph: GraphClient, admin: Admin, kam: str, task_list: str
) -> None:
    tasks = f"/users/{kam}/todo/lists/{task_list}/tasks"
    first = send_batch(graph, [BatchRequest("1", "POST", tasks, {"title": "before expiry"})])
    assert admin.expire_tokens() >= 1
    second = send_batch(graph, [BatchRequest("2", "POST", tasks, {"title": "after expiry"})])
    assert first["1"].ok and second["2"].ok and graph.renewals == 1
    assert admin.expire_tokens() >= 1
    assert graph.get(f"{graph.user_path(kam)}/todo/lists/{task_list}")["id"] == task_list
    assert graph.renewals == 2
