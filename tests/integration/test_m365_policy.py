"""The Graph error policy against the sandbox process: one 5xx, reset or read timeout on a
GET does not end the run; a token refused inside `$batch` is renewed once and only the
refused items go again; a refusal that outlives the renewal is a credentials error; a
sendMail that may have run is never sent twice."""

from __future__ import annotations

import uuid

import pytest

from config.settings import Settings
from connectors.errors import ConnectorConfigError, RetriableError
from connectors.m365 import GraphClient, linked_tasks, send_mail
from connectors.m365.batch import BatchRequest, send_batch
from connectors.m365.todo import TaskWrite, write_tasks
from connectors.m365.users import tenant_users
from tests.integration import test_m365_faults as faults
from tests.integration.test_m365_faults import Admin, _sent_with, _task

pytestmark = pytest.mark.integration
admin = faults.admin
task_list = faults.task_list

#: The defect's reproduction: one 5xx on the tenant's user list ended the whole cycle.
USERS = {"method": "GET", "path": "/users$", "in_batch": False, "times": 1}


@pytest.mark.parametrize("status", [500, 502, 504])
def test_one_server_error_on_a_get_is_repeated_and_the_read_completes(
    graph: GraphClient, admin: Admin, status: int
) -> None:
    admin.fault(**USERS, status=status)
    before = graph.calls
    users = tenant_users(graph)
    assert len(users) > 0 and admin.armed() == []
    assert graph.calls - before == 2


def test_a_connection_reset_on_a_get_is_repeated(graph: GraphClient, admin: Admin) -> None:
    admin.fault(**USERS, network="reset")
    assert len(tenant_users(graph)) > 0 and admin.armed() == []


def test_a_read_timeout_on_a_get_is_repeated(sandbox_settings: Settings, admin: Admin) -> None:
    settings = sandbox_settings.m365.model_copy(update={"timeout_seconds": 1})
    graph = GraphClient(settings)
    admin.fault(**USERS, network="timeout", delay_seconds=4)
    before = graph.calls
    assert len(tenant_users(graph)) > 0 and admin.armed() == []
    assert graph.calls - before == 2


def test_a_token_refused_inside_a_batch_is_renewed_once_and_the_items_land_once(
    graph: GraphClient, admin: Admin, kam: str, task_list: str
) -> None:
    admin.fault(method="POST", path=f"{task_list}/tasks$", in_batch=True, status=401, times=2)
    writes = [TaskWrite(f"k{n}", "create", _task(f"006T{n}")) for n in range(5)]
    results = write_tasks(graph, kam, task_list, writes)
    assert all(result.ok for result in results.values())
    assert graph.renewals == 1
    found = linked_tasks(graph, kam, task_list)
    assert sorted(found["external_id"]) == [f"006T{n}" for n in range(5)]


def test_a_token_still_refused_after_renewal_names_the_credentials(
    graph: GraphClient, admin: Admin, kam: str, task_list: str
) -> None:
    admin.fault(method="POST", path=f"{task_list}/tasks$", in_batch=True, status=401, times=9)
    writes = [TaskWrite("k", "create", _task("006X"))]
    with pytest.raises(ConnectorConfigError) as refused:
        write_tasks(graph, kam, task_list, writes)
    message = str(refused.value)
    assert "could not be renewed" in message and "client_secret" in message
    assert "tenant_id" in message and "consent" not in message
    assert graph.renewals == 1


def test_a_direct_request_still_refused_after_renewal_names_the_credentials(
    graph: GraphClient, admin: Admin, kam: str
) -> None:
    admin.fault(method="GET", path="/mailFolders/inbox$", status=401, times=3)
    with pytest.raises(ConnectorConfigError, match="credentials were refused") as refused:
        graph.get(f"{graph.user_path(kam)}/mailFolders/inbox")
    assert "consent" not in str(refused.value) and graph.renewals == 1


@pytest.mark.parametrize("retry_after", [1, None])
def test_throttled_and_failing_items_inside_a_batch_go_again(
    graph: GraphClient, admin: Admin, kam: str, task_list: str, retry_after: int | None
) -> None:
    tasks = f"/users/{kam}/todo/lists/{task_list}/tasks"
    made = send_batch(graph, [BatchRequest(f"c{n}", "POST", tasks, {"title": "x"})
                              for n in range(3)])  # fmt: skip
    ids = [made[f"c{n}"].body["id"] for n in range(3)]
    admin.fault(method="PATCH", path="/tasks/", in_batch=True, retry_after=retry_after, times=2)
    admin.fault(method="GET", path="/tasks/", in_batch=True, status=502, times=2)
    patches = [BatchRequest(f"p{n}", "PATCH", f"{tasks}/{task_id}", {"title": f"done {n}"})
               for n, task_id in enumerate(ids)]  # fmt: skip
    assert all(result.ok for result in send_batch(graph, patches).values())
    reads = [BatchRequest(f"g{n}", "GET", f"{tasks}/{task_id}") for n, task_id in enumerate(ids)]
    answers = send_batch(graph, reads)
    assert [answers[f"g{n}"].body["title"] for n in range(3)] == ["done 0", "done 1", "done 2"]
    assert admin.armed() == []


@pytest.mark.parametrize(
    "fault", [{"status": 503}, {"network": "reset"}], ids=["503 without Retry-After", "reset"]
)
def test_a_send_mail_that_may_have_run_is_not_repeated(
    graph: GraphClient, admin: Admin, sandbox_settings: Settings, fault: dict[str, object]
) -> None:
    sender, colleague = sandbox_settings.m365.mailboxes[:2]
    key = f"digest:may-have-run:{uuid.uuid4().hex}"
    admin.fault(method="POST", path="/sendMail$", **fault)
    before = graph.calls
    with pytest.raises(RetriableError, match="may have run") as stopped:
        send_mail(graph, sender, [colleague], "Digest", "<p>x</p>", idempotency_key=key)
    assert "sendMail" in str(stopped.value) and "not repeated" in str(stopped.value)
    # the Sent Items check, then one POST: had it been repeated, the spent fault lets it through
    assert graph.calls - before == 2 and admin.armed() == []
    assert _sent_with(graph, sender, key) == 0
