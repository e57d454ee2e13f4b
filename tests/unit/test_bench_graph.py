"""The Graph benchmark's counting (streams, minimums) and the changes it plans."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from bench.graph_calls import CallLog, Phase, StreamCalls, stream_of, target
from bench.graph_changes import Changes, _pick, change_tenant
from connectors.m365.batch import BatchRequest, BatchResult
from connectors.store import Store

ROOT = "https://graph.test/v1.0"


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (f"{ROOT}/users/a%40x.example/mailFolders/inbox/messages/delta?$skiptoken=t", "inbox"),
        (f"{ROOT}/users/a/mailFolders/SentItems/messages/microsoft.graph.delta()", "sentitems"),
        (f"{ROOT}/users/a/calendarView/delta?$deltatoken=t", "calendar"),
        (f"{ROOT}/users/a/todo/lists/delta", "todo lists"),
        (f"{ROOT}/users/a/todo/lists/L1/tasks/delta?$skiptoken=t", "todo tasks"),
        (f"{ROOT}/users/a/todo/lists/L1/tasks?$top=100", "linked re-read"),
        (f"{ROOT}/users/a/todo/lists", "task lists"),
        (f"{ROOT}/$batch", "$batch"),
        (f"{ROOT}/users?$top=999", "other"),
    ],
)
def test_names_the_stream_of_each_graph_url(url: str, kind: str) -> None:
    assert stream_of(url)[0] == kind


def test_each_task_list_is_a_stream_of_its_own() -> None:
    first = stream_of(f"{ROOT}/users/a/todo/lists/L1/tasks/delta")
    second = stream_of(f"{ROOT}/users/a/todo/lists/L2/tasks/delta?$skiptoken=t")
    assert first[0] == second[0] and first[1] != second[1]


def test_minimum_is_pages_at_the_size_asked_and_at_least_one_request() -> None:
    assert StreamCalls("a", "inbox", items=250, page_size=100).minimum == 3
    assert StreamCalls("a", "inbox", items=200, page_size=100).minimum == 2
    assert StreamCalls("a", "calendar", items=0, page_size=100).minimum == 1
    assert StreamCalls("a", "inbox", items=2500, page_size=100).minimum_at_max == 3
    assert StreamCalls("a", "$batch", requests=5).minimum == 0


class FakeGraph:
    """Answers like GraphClient: `calls` counts attempts (here two for a retried page)."""

    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages
        self.calls = 0

    def get(
        self, url: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        page = self.pages.pop(0)
        self.calls += 2 if page.get("retried") else 1
        return page

    def post(self, url: str, body: dict[str, Any], *, idempotent: bool | None = None) -> str:
        self.calls += 1
        return "answer"

    def thread_calls(self) -> int:
        return self.calls  # one thread here


def test_call_log_counts_requests_items_and_page_size_per_stream() -> None:
    graph = FakeGraph([{"value": [{}] * 100}, {"value": [{}] * 30, "retried": True}, {"value": []}])
    log = CallLog(graph)  # type: ignore[arg-type]
    prefer = {"Prefer": "odata.maxpagesize=100"}
    with log.phase() as streams:
        graph.get(f"{ROOT}/users/a/mailFolders/inbox/messages/delta", {}, prefer)
        graph.get(f"{ROOT}/users/a/mailFolders/inbox/messages/delta?$skiptoken=t", None, prefer)
        graph.get(f"{ROOT}/users/b/calendarView/delta", {}, prefer)
        graph.post(f"{ROOT}/$batch", {"requests": [{"url": "/users/b/todo/lists/L/tasks"}]})
    by_kind = {(stream.mailbox, stream.kind): stream for stream in streams}
    inbox = by_kind[("a", "inbox")]
    assert (inbox.requests, inbox.items, inbox.page_size, inbox.minimum) == (3, 130, 100, 2)
    assert by_kind[("b", "calendar")].minimum == 1
    assert by_kind[("b", "$batch")].requests == 1
    phase = Phase(1.0, graph.calls, streams)
    assert (phase.requests, phase.minimum) == (5, 3)


def test_target_says_whether_requests_are_within_a_tenth_of_the_minimum() -> None:
    assert "target met" in target(110, 100)
    assert "MISSED" in target(111, 100)
    assert target(0, 0) == ""
    assert "MISSED" in target(2, 0)


def test_pick_takes_the_share_and_at_least_one() -> None:
    import random

    rng = random.Random(1)
    assert len(_pick(rng, list(range(1000)), 0.01)) == 10
    assert len(_pick(rng, list(range(10)), 0.01)) == 1
    assert _pick(rng, [], 0.5) == [] and _pick(rng, [1, 2], 0) == []


class RecordingSession:
    """Takes the change batches without sending them; every item answers 200."""

    def __init__(self) -> None:
        self.items: list[BatchRequest] = []
        self.calls = 0

    def batch(self, items: list[BatchRequest]) -> dict[str, BatchResult]:
        self.items += items
        self.calls += 1
        return {item.id: BatchResult(item.id, 200, {}, {}) for item in items}


def _mirror(tmp_path: Path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'mirror.db'}")
    messages = pd.DataFrame(
        [{"id": f"m{n}", "mailbox": box, "folder": folder}
         for box in ("a@x", "b@x") for n, folder in enumerate(["inbox"] * 4 + ["sentitems"] * 4)]
    )  # fmt: skip
    messages["id"] = messages["mailbox"].str[0] + messages["id"]
    events = pd.DataFrame(
        [{"id": "a-e1", "mailbox": "a@x", "type": "singleInstance"},
         {"id": "a-e2", "mailbox": "a@x", "type": "occurrence"}]
    )  # fmt: skip
    tasks = pd.DataFrame(
        [{"id": "a-t1", "mailbox": "a@x", "list_id": "L", "status": "completed"},
         {"id": "a-t2", "mailbox": "a@x", "list_id": "L", "status": "notStarted"}]
    )  # fmt: skip
    for name, frame in (("messages", messages), ("events", events), ("todo_tasks", tasks)):
        store.upsert_records("m365", name, frame, id_column="id", modstamp_column=None)
    return store


def test_changes_touch_inbox_single_events_and_open_tasks(tmp_path: Path) -> None:
    session = RecordingSession()
    changes = change_tenant(session, _mirror(tmp_path), ["a@x", "b@x"], 0.5)  # type: ignore[arg-type]
    urls = [(item.method, item.url) for item in session.items]
    assert changes == Changes(
        new_messages=4, deleted_messages=2, moved_messages=2, updated_events=1,
        completed_tasks=1, requests=1, seconds=changes.seconds,
    )  # fmt: skip
    mail = [item for item in session.items if item.url.endswith("/sendMail")]
    assert {item.url for item in mail} == {"/users/b%40x/sendMail", "/users/a%40x/sendMail"}
    assert all(item.body and item.body["saveToSentItems"] is False for item in mail)
    touched = {url.split("/")[4] for _, url in urls if "/messages/" in url}
    assert touched <= {f"{box}m{n}" for box in "ab" for n in range(4)}, "Inbox only"
    assert ("PATCH", "/users/a%40x/events/a-e1") in urls
    assert ("PATCH", "/users/a%40x/todo/lists/L/tasks/a-t2") in urls
    assert not any("a-e2" in url or "a-t1" in url for _, url in urls)
