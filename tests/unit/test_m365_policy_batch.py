"""`$batch` items under the Graph error policy, against the in-process stand-in: items
refused for the token are renewed once and only they go again; a refusal that outlives
the renewal is a credentials error; 5xx items go again only when safe to repeat."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.errors import ConnectorConfigError
from connectors.m365.batch import BatchRequest, send_batch
from connectors.m365.client import GraphClient
from tests.unit.test_m365_support import ALICE, FakeConnection, graph_client

FAULTS = "/_sandbox/graph/faults"


def _tasks_url(graph: GraphClient) -> str:
    lists = graph.get(f"{graph.user_path(ALICE)}/todo/lists")["value"]
    default = next(doc for doc in lists if doc["wellknownListName"] == "defaultList")
    return f"/users/{ALICE}/todo/lists/{default['id']}/tasks"


def _titles(graph: GraphClient, tasks: str) -> list[str]:
    return sorted(task["title"] for page in graph.pages(f"{graph.root}{tasks}") for task in page)


def _batch_calls(graph: GraphClient) -> int:
    connection = graph.account.con
    assert isinstance(connection, FakeConnection)
    return sum(1 for _, url in connection.sent if url.endswith("/$batch"))


def test_items_refused_for_the_token_are_renewed_once_and_only_they_go_again(
    tmp_path: Path,
) -> None:
    with graph_client(tmp_path) as (graph, raw):
        tasks = _tasks_url(graph)
        raw.post(FAULTS, json={"method": "POST", "path": "/tasks$", "in_batch": True,
                               "status": 401, "times": 2})  # fmt: skip
        creates = [BatchRequest(f"t{n}", "POST", tasks, {"title": f"t{n}"}) for n in range(4)]
        results = send_batch(graph, creates, sleep=lambda _: pytest.fail("slept"))
        assert all(result.status == 201 for result in results.values())
        assert graph.renewals == 1 and _batch_calls(graph) == 2
        assert _titles(graph, tasks) == ["t0", "t1", "t2", "t3"]  # none twice


def test_an_item_refused_again_after_the_renewal_is_a_credentials_error(tmp_path: Path) -> None:
    with graph_client(tmp_path) as (graph, raw):
        tasks = _tasks_url(graph)
        raw.post(FAULTS, json={"method": "POST", "path": "/tasks$", "in_batch": True,
                               "status": 401, "times": 99})  # fmt: skip
        with pytest.raises(ConnectorConfigError) as refused:
            send_batch(graph, [BatchRequest("t", "POST", tasks, {"title": "t"})])
        message = str(refused.value)
        assert "$batch item POST" in message and "could not be renewed" in message
        assert "client_id" in message and "consent" not in message
        assert graph.renewals == 1 and _batch_calls(graph) == 2


def test_server_errors_repeat_get_items_but_never_a_post_that_may_have_run(
    tmp_path: Path,
) -> None:
    with graph_client(tmp_path) as (graph, raw):
        tasks = _tasks_url(graph)
        raw.post(FAULTS, json={"method": "GET", "path": "/mailFolders/inbox$", "in_batch": True,
                               "status": 502})  # fmt: skip
        raw.post(FAULTS, json={"method": "POST", "path": "/tasks$", "in_batch": True,
                               "status": 500})  # fmt: skip
        results = send_batch(
            graph,
            [
                BatchRequest("read", "GET", f"/users/{ALICE}/mailFolders/inbox"),
                BatchRequest("write", "POST", tasks, {"title": "may have run"}),
            ],
            sleep=lambda _: None,
        )
        assert results["read"].ok and results["read"].body["displayName"] == "Inbox"
        assert results["write"].status == 500
        assert _titles(graph, tasks) == []  # not sent again
