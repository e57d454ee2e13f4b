"""send_batch against the in-process stand-in: packing, per-item results, retries of
throttled items (with and without Retry-After), 424 behind a throttled item."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connectors.errors import RetriableError
from connectors.m365.batch import BatchRequest, plan_calls, send_batch
from connectors.m365.client import GraphClient, mailbox_of
from tests.unit.test_m365_support import ALICE, BOB, graph_client

FAULTS = "/_sandbox/graph/faults"


def _tasks_url(graph: GraphClient) -> str:
    lists = graph.get(f"{graph.user_path(ALICE)}/todo/lists")["value"]
    default = next(doc for doc in lists if doc["wellknownListName"] == "defaultList")
    return f"/users/{ALICE}/todo/lists/{default['id']}/tasks"


def _titles(graph: GraphClient, tasks: str) -> list[str]:
    return [task["title"] for page in graph.pages(f"{graph.root}{tasks}") for task in page]


def _creates(tasks: str, count: int, prefix: str = "t") -> list[BatchRequest]:
    return [
        BatchRequest(f"{prefix}{n}", "POST", tasks, {"title": f"{prefix}{n}"}) for n in range(count)
    ]


def test_many_writes_to_one_mailbox_all_land_once(tmp_path: Path) -> None:
    waits: list[float] = []
    with graph_client(tmp_path) as (graph, _):
        tasks = _tasks_url(graph)
        results = send_batch(graph, _creates(tasks, 23), sleep=waits.append)
        assert all(result.status == 201 for result in results.values())
        assert sorted(_titles(graph, tasks)) == sorted(f"t{n}" for n in range(23))
    assert waits == []  # packed so that no item met Outlook's concurrency limit


def test_per_item_failures_are_returned_not_raised(tmp_path: Path) -> None:
    with graph_client(tmp_path) as (graph, _):
        results = send_batch(
            graph,
            [
                BatchRequest("ok", "GET", f"/users/{ALICE}/mailFolders/inbox"),
                BatchRequest("missing", "GET", f"/users/{ALICE}/messages/nope"),
            ],
        )
    assert results["ok"].ok and results["ok"].body["id"]
    assert not results["missing"].ok and results["missing"].body["error"]["code"]


@pytest.mark.parametrize("retry_after", [1, None])
def test_throttled_items_are_resent_after_their_wait(
    tmp_path: Path, retry_after: int | None
) -> None:
    waits: list[float] = []
    with graph_client(tmp_path) as (graph, raw):
        tasks = _tasks_url(graph)
        fault = {"method": "POST", "path": "/tasks$", "in_batch": True, "times": 2,
                 "retry_after": retry_after}  # fmt: skip
        raw.post(FAULTS, json=fault)
        results = send_batch(graph, _creates(tasks, 3), sleep=waits.append)
        assert [results[f"t{n}"].status for n in range(3)] == [201] * 3
        assert sorted(_titles(graph, tasks)) == ["t0", "t1", "t2"]
    assert len(waits) == 1
    if retry_after is not None:
        assert waits == [1.0]
    else:
        assert 0 <= waits[0] <= 0.5


def test_a_chain_behind_a_throttled_item_is_resent_whole(tmp_path: Path) -> None:
    with graph_client(tmp_path) as (graph, raw):
        tasks = _tasks_url(graph)
        raw.post(FAULTS, json={"method": "POST", "path": "/tasks$", "in_batch": True,
                               "retry_after": 0})  # fmt: skip
        chain = [
            BatchRequest("first", "POST", tasks, {"title": "first"}),
            BatchRequest("second", "POST", tasks, {"title": "second"}, depends_on=("first",)),
        ]
        results = send_batch(graph, chain, sleep=lambda _: None)
        assert results["first"].status == results["second"].status == 201
        assert sorted(_titles(graph, tasks)) == ["first", "second"]


def test_a_424_behind_a_real_failure_is_final(tmp_path: Path) -> None:
    with graph_client(tmp_path) as (graph, _):
        chain = [
            BatchRequest("bad", "GET", f"/users/{ALICE}/messages/nope"),
            BatchRequest("after", "GET", f"/users/{ALICE}/mailFolders/inbox", depends_on=("bad",)),
        ]
        results = send_batch(graph, chain, sleep=lambda _: pytest.fail("slept"))
    assert results["after"].status == 424


def test_gives_up_when_throttling_never_ends(tmp_path: Path) -> None:
    with graph_client(tmp_path) as (graph, raw):
        raw.post(FAULTS, json={"path": "/mailFolders", "in_batch": True, "times": 99,
                               "retry_after": 0})  # fmt: skip
        request = BatchRequest("1", "GET", f"/users/{ALICE}/mailFolders/inbox")
        with pytest.raises(RetriableError, match="still throttling"):
            send_batch(graph, [request], sleep=lambda _: None)


def test_a_throttled_batch_call_is_retried_whole(tmp_path: Path) -> None:
    with graph_client(tmp_path) as (graph, raw):
        tasks = _tasks_url(graph)
        raw.post(FAULTS, json={"path": r"/\$batch$", "retry_after": 0})
        results = send_batch(graph, _creates(tasks, 2))
        assert all(result.status == 201 for result in results.values())
        assert sorted(_titles(graph, tasks)) == ["t0", "t1"]


def _request(n: int, mailbox: str, **extra: Any) -> BatchRequest:
    return BatchRequest(str(n), "GET", f"/users/{mailbox}/messages", **extra)


def test_packing_caps_parallel_items_per_mailbox_and_keeps_chains_alone() -> None:
    requests = [_request(n, ALICE) for n in range(3)] + [_request(n, BOB) for n in range(3, 6)]
    requests += [_request(9, BOB), _request(10, BOB, depends_on=("9",))]
    calls = plan_calls(requests, per_mailbox=4)
    assert [([r.id for r in call.items], call.serial) for call in calls] == [
        (["9", "10"], False),
        (["0", "1", "2", "3", "4", "5"], False),
    ]
    wide = plan_calls([BatchRequest(str(n), "GET", "/users") for n in range(45)], per_mailbox=4)
    assert [len(call.items) for call in wide] == [20, 20, 5]


def test_many_requests_to_one_mailbox_go_in_serial_calls_of_20() -> None:
    requests = [_request(n, ALICE) for n in range(45)] + [_request(n, BOB) for n in range(45, 47)]
    calls = plan_calls(requests, per_mailbox=4)
    assert [(len(call.items), call.serial) for call in calls] == [
        (20, True), (20, True), (5, True), (2, False)
    ]  # fmt: skip


def test_45_task_writes_to_one_mailbox_take_3_calls(tmp_path: Path) -> None:
    with graph_client(tmp_path) as (graph, _):
        tasks = _tasks_url(graph)
        before = graph.calls
        results = send_batch(graph, _creates(tasks, 45), sleep=lambda _: pytest.fail("slept"))
        assert graph.calls - before == 3
        assert all(result.status == 201 for result in results.values())
        assert sorted(_titles(graph, tasks)) == sorted(f"t{n}" for n in range(45))


def test_a_failed_item_of_a_serial_call_does_not_stop_the_ones_after_it(tmp_path: Path) -> None:
    with graph_client(tmp_path) as (graph, _):
        tasks = _tasks_url(graph)
        writes = _creates(tasks, 10)
        gone_list = f"/users/{ALICE}/todo/lists/AAMkAGone00000000000000000000/tasks"
        writes[3] = BatchRequest("t3", "POST", gone_list, {"title": "t3"})
        results = send_batch(graph, writes, sleep=lambda _: pytest.fail("slept"))
        assert results["t3"].status == 404
        assert [results[f"t{n}"].status for n in range(10) if n != 3] == [201] * 9
        assert sorted(_titles(graph, tasks)) == sorted(f"t{n}" for n in range(10) if n != 3)


def test_unknown_dependencies_and_duplicate_ids_are_refused(tmp_path: Path) -> None:
    with graph_client(tmp_path) as (graph, _):
        with pytest.raises(ValueError, match="unknown"):
            send_batch(graph, [_request(1, ALICE, depends_on=("x",))])
        with pytest.raises(ValueError, match="unique"):
            send_batch(graph, [_request(1, ALICE), _request(1, ALICE)])


def test_mailbox_of() -> None:
    assert mailbox_of("https://graph.microsoft.com/v1.0/users/Ann%40x.com/todo") == "ann@x.com"
    assert mailbox_of("/users/ann@x.com/messages?$top=1") == "ann@x.com"
    assert mailbox_of("/drives/abc/root") is None


def test_an_invalid_token_is_renewed_once_and_the_call_goes_on(tmp_path: Path) -> None:
    with graph_client(tmp_path) as (graph, raw):
        raw.post("/_sandbox/graph/tokens/expire")
        assert graph.get(f"{graph.user_path(ALICE)}/mailFolders/inbox")["id"]
        assert graph.renewals == 1
        raw.post("/_sandbox/graph/tokens/expire")
        results = send_batch(graph, [_request(1, ALICE)])
        assert results["1"].ok and graph.renewals == 2
