"""push_todo: the plan's creates, updates and completions applied once through $batch."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pandas as pd
import pytest

import connectors.m365.todo as push
from connectors.m365.client import GraphClient
from connectors.m365.todo import TaskWrite, default_list_id, linked_tasks, write_tasks
from connectors.store import Store
from flows.push import _todo_task, push_todo, todo_operations
from flows.runtime import Runtime
from tests.unit.test_m365_support import ALICE, TestClient, graph_client

FAULTS = "/_sandbox/graph/faults"
DUE = dt.date(2026, 12, 1)


@dataclass
class _Runtime:
    store: Store
    graph: GraphClient
    lease_owner: str = "test-run"
    lease_seconds: float = 600


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Runtime, TestClient]]:
    with Store("sqlite://") as store, graph_client(tmp_path) as (graph, raw):
        yield cast(Runtime, _Runtime(store, graph)), raw


def _row(sf_id: str, action: str, **extra: Any) -> dict[str, Any]:
    return {
        "idempotency_key": f"todo:{ALICE}:{sf_id}", "mailbox": ALICE, "sf_id": sf_id,
        "title": f"Close: {sf_id}", "due_date": DUE, "importance": "normal", "body": "b",
        "link_url": f"https://crm/{sf_id}", "action": action, "task_id": None, "list_id": None,
        **extra,
    }  # fmt: skip


def _push(runtime: Runtime, plan: list[dict[str, Any]]) -> Any:
    runtime.store.enqueue(todo_operations(pd.DataFrame(plan)))
    return push_todo.fn(runtime, ALICE)


def _tasks(runtime: Runtime) -> pd.DataFrame:
    graph = runtime.graph
    return linked_tasks(graph, ALICE, default_list_id(graph, ALICE)).set_index("external_id")


def test_creates_updates_and_completions_are_applied_once(
    setup: tuple[Runtime, TestClient],
) -> None:
    runtime, _ = setup
    first = _push(runtime, [_row(f"00{n}", "create") for n in range(7)])
    assert (first.created, first.failed) == (7, 0)
    assert sorted(_tasks(runtime).index) == [f"00{n}" for n in range(7)]

    changes = [
        _row("001", "update", idempotency_key="todo-update:1", title="Renamed", due_date=DUE),
        _row("002", "complete", idempotency_key="todo-complete:2"),
        _row("009", "complete", idempotency_key="todo-complete:9"),  # never linked: nothing to do
        _row("003", "in_place"),
    ]
    second = _push(runtime, changes)
    assert (second.updated, second.completed, second.failed) == (1, 1, 0)
    assert runtime.store.operation("todo-complete:9").result == {"task_id": None, "gone": True}  # type: ignore[union-attr]
    tasks = _tasks(runtime)
    assert tasks.loc["001", "title"] == "Renamed" and tasks.loc["002", "status"] == "completed"
    assert tasks.loc["003", "status"] == "notStarted"
    assert push_todo.fn(runtime, ALICE).created == 0  # nothing pending: nothing sent
    assert runtime.store.outbox_counts()["pending"] == 0


def test_a_lost_create_answer_is_adopted_next_run(setup: tuple[Runtime, TestClient]) -> None:
    runtime, raw = setup
    raw.post(FAULTS, json={"method": "POST", "path": "/tasks$", "status": 502, "after": True})
    first = _push(runtime, [_row("00A", "create"), _row("00B", "create")])
    assert (first.created, first.failed) == (1, 1)
    second = push_todo.fn(runtime, ALICE)
    assert (second.created, second.found_in_place, second.failed) == (0, 1, 0)
    assert sorted(_tasks(runtime).index) == ["00A", "00B"]
    assert set(runtime.store.task_links()["external_id"]) == {"00A", "00B"}


def test_only_the_newest_update_of_a_task_is_applied(setup: tuple[Runtime, TestClient]) -> None:
    runtime, _ = setup
    _push(runtime, [_row("00C", "create")])
    runtime.store.enqueue(
        todo_operations(
            pd.DataFrame(
                [
                    _row("00C", "update", idempotency_key="u-old", title="Old"),
                    _row("00C", "update", idempotency_key="u-new", title="New"),
                ]
            )
        )
    )
    pushed = push_todo.fn(runtime, ALICE)
    assert pushed.updated == 1 and _tasks(runtime).loc["00C", "title"] == "New"
    assert runtime.store.operation("u-old").result == {"superseded_by": "u-new"}  # type: ignore[union-attr]


def test_the_list_is_read_once_per_run_not_per_batch(
    setup: tuple[Runtime, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime, _ = setup
    _push(runtime, [_row("0PRE", "create")])
    runtime.store.enqueue(
        todo_operations(pd.DataFrame([_row(f"1{n:02}", "create") for n in range(45)]))
    )
    reads: list[str] = []

    def counted(graph: GraphClient, mailbox: str, list_id: str) -> dict[str, str]:
        reads.append(list_id)
        return push.linked_tasks_by_record(graph, mailbox, list_id)

    monkeypatch.setattr("flows.push.linked_tasks_by_record", counted)
    pushed = push_todo.fn(runtime, ALICE)
    assert (pushed.created, pushed.failed) == (45, 0) and len(reads) == 1
    assert len(_tasks(runtime)) == 46


def test_write_tasks_adopts_from_the_links_it_is_given(
    setup: tuple[Runtime, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime, _ = setup
    graph = runtime.graph
    list_id = default_list_id(graph, ALICE)
    _push(runtime, [_row("0AD", "create")])
    [task_id] = _tasks(runtime)["id"].tolist()

    def no_read(*_args: Any) -> pd.DataFrame:
        raise AssertionError("the list was read again")

    monkeypatch.setattr("connectors.m365.todo.linked_tasks", no_read)
    write = TaskWrite("again", "create", task=_todo_task(_write_payload("0AD")))
    [result] = write_tasks(graph, ALICE, list_id, [write], {"0AD": task_id}).values()
    assert result.adopted and result.task_id == task_id


def _write_payload(sf_id: str) -> dict[str, Any]:
    return {"title": sf_id, "due_date": DUE.isoformat(), "external_id": sf_id}


def test_operations_another_run_holds_are_left_to_it_until_its_lease_runs_out(
    setup: tuple[Runtime, TestClient],
) -> None:
    """Two processes never work one operation: a live lease keeps it from this run."""
    runtime, _ = setup
    runtime.store.enqueue(todo_operations(pd.DataFrame([_row("007", "create")])))
    assert len(runtime.store.claim("other-run", ["todo.create"], 0.2)) == 1
    held = push_todo.fn(runtime, ALICE)
    assert (held.created, held.failed) == (0, 0)
    assert _tasks(runtime).empty
    time.sleep(0.3)  # the other run died: its lease runs out and this run takes over
    taken_over = push_todo.fn(runtime, ALICE)
    assert taken_over.created == 1
    assert list(_tasks(runtime).index) == ["007"]
