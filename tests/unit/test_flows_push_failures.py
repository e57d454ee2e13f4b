"""A push whose To Do writes partly fail says so: the count, the first reason, and that the
outbox keeps them for the next run; it never passes for a success."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pandas as pd
import pytest

from connectors.errors import RetriableError
from connectors.store import Store
from flows.push import (
    TodoPush,
    TodoWritesFailed,
    push_todo,
    raise_for_failed_writes,
    todo_operations,
)
from flows.runtime import Runtime
from tests.unit.test_flows_push import FAULTS, _row, _Runtime
from tests.unit.test_m365_support import ALICE, TestClient, graph_client


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Runtime, TestClient]]:
    with Store("sqlite://") as store, graph_client(tmp_path) as (graph, raw):
        yield cast(Runtime, _Runtime(store, graph)), raw


def test_failed_writes_are_counted_with_their_first_reason_and_stay_in_the_outbox(
    setup: tuple[Runtime, TestClient],
) -> None:
    runtime, raw = setup
    raw.post(FAULTS, json={"method": "POST", "path": "/tasks$", "status": 400, "times": 2,
                           "code": "invalidRequest", "message": "title is not valid"})  # fmt: skip
    runtime.store.enqueue(
        todo_operations(pd.DataFrame([_row(f"00{n}", "create") for n in range(4)]))
    )
    pushed = push_todo.fn(runtime, ALICE)

    assert (pushed.created, pushed.failed) == (2, 2)
    assert pushed.first_error is not None and "title is not valid" in pushed.first_error
    with pytest.raises(TodoWritesFailed) as raised:
        raise_for_failed_writes([pushed, TodoPush("bob@contoso.com", 3, 0, 0)])
    message = str(raised.value)
    assert message.startswith("2 To Do writes failed (first: ")
    assert "title is not valid" in message
    assert message.endswith("they stay in the outbox and the next run retries them")
    assert isinstance(raised.value, RetriableError)  # the CLI exits 1, not 0
    assert len(runtime.store.pending()) == 2


def test_a_push_without_failures_raises_nothing() -> None:
    raise_for_failed_writes([TodoPush(ALICE, 3, 1, 0), TodoPush("bob@contoso.com", 0, 0, 0)])
