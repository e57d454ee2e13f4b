"""The Graph benchmark's own session against the sandbox: its token, $batch and bench lists."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from bench.graph_calls import CallLog
from bench.graph_changes import BENCH_LIST, ChangeSession, close_bench_lists, open_bench_lists
from bench.graph_sync import upsert_tasks
from connectors.m365 import GraphClient
from connectors.m365.batch import BatchRequest

pytestmark = pytest.mark.integration


def _bench_lists(session: ChangeSession, mailbox: str) -> list[dict[str, Any]]:
    page = session.send("GET", f"/users/{quote(mailbox)}/todo/lists?$top=1000")
    return [found for found in page["value"] if found["displayName"].startswith(BENCH_LIST)]


def test_session_writes_many_items_to_one_mailbox_past_its_concurrency_limit(
    sandbox: dict[str, Any], trust_sandbox: None, kam: str
) -> None:
    session = ChangeSession(sandbox["graph"])
    list_id = open_bench_lists(session, [kam], "t1")[kam]
    try:
        tasks = f"/users/{quote(kam)}/todo/lists/{list_id}/tasks"
        items = [BatchRequest(f"t{n}", "POST", tasks, {"title": f"bench {n}"}) for n in range(9)]
        answers = session.batch(items)
        assert sorted(answer.status for answer in answers.values()) == [201] * 9
        titles = {task["title"] for task in session.send("GET", f"{tasks}?$top=100")["value"]}
        assert titles == {f"bench {n}" for n in range(9)}
    finally:
        assert close_bench_lists(session, [kam]) == 1
    assert _bench_lists(session, kam) == []


def test_upserts_twice_create_once_then_find_all_in_place(
    sandbox: dict[str, Any], graph: GraphClient, kam: str
) -> None:
    session = ChangeSession(sandbox["graph"])
    lists = open_bench_lists(session, [kam], "t2")
    log = CallLog(graph)
    try:
        first = upsert_tasks(graph, log, lists, 45, "t2")
        again = upsert_tasks(graph, log, lists, 45, "t2")
    finally:
        close_bench_lists(session, [kam])
    assert (first["created"], first["found_in_place"], first["failed"]) == (45, 0, 0)
    assert (first["write_calls"], first["write_minimum"]) == (3, 3)
    assert first["read_calls"] == first["read_minimum"] == 1
    assert (again["created"], again["found_in_place"], again["write_calls"]) == (0, 45, 0)
    assert again["write_minimum"] == 0
