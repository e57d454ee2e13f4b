"""Push: turn the To Do plan into outbox operations and apply them exactly once.

Kinds: todo.create (keyed `todo:{mailbox}:{sf_id}`), todo.update (the key names the
new title and due date and the record's SystemModstamp, so a change back to an earlier
value is applied too) and todo.complete. A mailbox's pending operations go to
Graph as JSON $batch calls of 20 and each is marked done or failed on its own; a
create whose earlier attempt did reach To Do adopts that task instead of making a
second, and an update or completion of a task the user deleted is done (nothing
to change). Writes that failed stay in the outbox; `raise_for_failed_writes` turns them
into a failed run, so a partial push never looks like success.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.errors import (
    BudgetExhausted,
    ConnectorConfigError,
    ConnectorError,
    RetriableError,
    redact,
)
from connectors.m365 import TodoTask, default_list_id
from connectors.m365.todo import (
    TaskWrite,
    TaskWriteResult,
    linked_tasks_by_record,
    write_tasks,
)
from connectors.store import Operation, Store
from flows.crashpoints import crash_point
from flows.progress import step
from flows.runtime import Runtime

TODO_CREATE = "todo.create"
TODO_UPDATE = "todo.update"
TODO_COMPLETE = "todo.complete"
TODO_KINDS = (TODO_CREATE, TODO_UPDATE, TODO_COMPLETE)
_KIND_OF_ACTION = {"create": TODO_CREATE, "update": TODO_UPDATE, "complete": TODO_COMPLETE}
BATCH_SIZE = 20


def todo_operations(plan: pd.DataFrame) -> list[Operation]:
    """One outbox operation per planned create, update and completion."""
    to_apply = plan[plan["action"].isin(list(_KIND_OF_ACTION))]
    return [
        Operation(
            key=row["idempotency_key"],
            kind=_KIND_OF_ACTION[row["action"]],
            payload=_payload(row),
        )
        for row in to_apply.to_dict("records")
    ]


def _payload(row: dict[Hashable, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "mailbox": row["mailbox"],
        "external_id": row["sf_id"],
        "title": row["title"],
        "due_date": row["due_date"].isoformat() if row["due_date"] is not None else None,
    }
    if row["action"] == "create":
        payload |= {
            "importance": row["importance"],
            "body": row["body"],
            "link_url": row["link_url"],
        }
    return payload


@dataclass(frozen=True)
class TodoPush:
    mailbox: str
    created: int
    found_in_place: int
    failed: int
    updated: int = 0
    completed: int = 0
    #: the reason the first failed write gave (None when none failed)
    first_error: str | None = None


class TodoWritesFailed(RetriableError):
    """Some To Do writes failed; they stay in the outbox and the next run retries them."""


def raise_for_failed_writes(pushes: Sequence[TodoPush]) -> None:
    """Raise TodoWritesFailed naming how many writes failed and the first reason."""
    failed = sum(push.failed for push in pushes)
    if not failed:
        return
    first = next((push.first_error for push in pushes if push.first_error), None)
    reason = f" (first: {redact(first)})" if first else ""
    raise TodoWritesFailed(
        f"{failed} To Do write{'s' if failed != 1 else ''} failed{reason}; they stay in "
        "the outbox and the next run retries them"
    )


@task(name="push-todo", task_run_name="push To Do of {mailbox}", cache_policy=NO_CACHE)
def push_todo(runtime: Runtime, mailbox: str) -> TodoPush:
    """Apply the mailbox's pending task operations; a task already linked is adopted, not copied."""
    store, graph, owner = runtime.store, runtime.graph, runtime.lease_owner
    pending = _current(runtime, mailbox)
    if not pending:
        return TodoPush(mailbox, 0, 0, 0)
    list_id = default_list_id(graph, mailbox)
    links = store.task_links(mailbox)
    tasks = {
        (mailbox_.lower(), external_id): (task_id, task_list)
        for mailbox_, external_id, task_id, task_list in zip(
            links["mailbox"], links["external_id"], links["task_id"], links["list_id"], strict=True
        )
    }
    counts = dict.fromkeys(("created", "adopted", "updated", "completed", "failed"), 0)
    errors: list[str] = []
    unlinked = [op for op in pending if op.kind != TODO_CREATE and _link(tasks, op) is None]
    for op in unlinked:  # nothing kamsync knows of to change
        store.mark_done(op.key, {"task_id": None, "gone": True}, owner=owner)
    pending = [op for op in pending if op not in unlinked]
    # The list's linked tasks, read once for the whole run; creates below add theirs.
    in_place = (
        linked_tasks_by_record(graph, mailbox, list_id)
        if any(op.kind == TODO_CREATE for op in pending)
        else {}
    )
    for start in range(0, len(pending), BATCH_SIZE):
        chunk = pending[start : start + BATCH_SIZE]
        writes = [_write(op, _link(tasks, op)) for op in chunk]
        try:
            results = write_tasks(graph, mailbox, list_id, writes, in_place)
        except (BudgetExhausted, ConnectorConfigError):
            raise
        except ConnectorError as exc:
            for op in chunk:
                store.mark_failed(op.key, str(exc), owner=owner)
            counts["failed"] += len(chunk)
            errors.append(str(exc))
            continue
        crash_point("push.batch_sent")
        for op in chunk:
            result = results[op.key]
            outcome = _record(store, mailbox, owner, op, result)
            counts[outcome] += 1
            if outcome == "failed":
                errors.append(result.error or "no task id in Graph's answer")
            if op.kind == TODO_CREATE and result.ok and result.task_id:
                in_place[op.payload["external_id"]] = result.task_id
        crash_point("push.batch_marked")
    step(
        "push",
        f"{mailbox}: {counts['created']} To Do tasks created, {counts['adopted']} found in place, "
        f"{counts['updated']} updated, {counts['completed']} completed, {counts['failed']} failed",
    )
    return TodoPush(
        mailbox, counts["created"], counts["adopted"], counts["failed"],
        counts["updated"], counts["completed"], errors[0] if errors else None,
    )  # fmt: skip


def _current(runtime: Runtime, mailbox: str) -> list[Operation]:
    """The mailbox's pending operations, leased to this run so no other process works them
    meanwhile; of several updates of one task only the newest is applied, the older ones
    are marked done as superseded."""
    store, owner = runtime.store, runtime.lease_owner
    pending = store.claim(owner, TODO_KINDS, runtime.lease_seconds, mailbox=mailbox)
    newest: dict[str, Operation] = {}
    for op in pending:
        if op.kind == TODO_UPDATE:
            older = newest.get(op.payload["external_id"])
            if older is not None:
                store.mark_done(older.key, {"superseded_by": op.key}, owner=owner)
            newest[op.payload["external_id"]] = op
    return [
        op for op in pending if op.kind != TODO_UPDATE or newest[op.payload["external_id"]] is op
    ]


def _link(tasks: dict[tuple[str, str], tuple[str, str]], op: Operation) -> tuple[str, str] | None:
    return tasks.get((str(op.payload["mailbox"]).lower(), op.payload["external_id"]))


def _write(op: Operation, linked: tuple[str, str] | None) -> TaskWrite:
    payload = op.payload
    task_id, list_id = linked if linked else (None, None)
    if op.kind == TODO_CREATE:
        return TaskWrite(op.key, "create", task=_todo_task(payload))
    if op.kind == TODO_COMPLETE:
        return TaskWrite(op.key, "complete", task_id=task_id, list_id=list_id)
    return TaskWrite(op.key, "update", task=_todo_task(payload), task_id=task_id, list_id=list_id)


def _record(store: Store, mailbox: str, owner: str, op: Operation, result: TaskWriteResult) -> str:
    """Mark the operation done or failed; returns which count it adds to."""
    external_id = op.payload["external_id"]
    if op.kind == TODO_CREATE and result.ok and result.task_id:
        store.link_task(mailbox, external_id, result.task_id, result.list_id)
        store.mark_done(op.key, {"task_id": result.task_id, "list_id": result.list_id},
                        owner=owner)  # fmt: skip
        return "adopted" if result.adopted else "created"
    if op.kind != TODO_CREATE and (result.ok or result.status == 404):
        # 404: the user deleted the task; there is nothing left to change.
        store.mark_done(op.key, {"task_id": result.task_id, "gone": not result.ok}, owner=owner)
        return "completed" if op.kind == TODO_COMPLETE else "updated"
    store.mark_failed(op.key, result.error or "no task id in Graph's answer", owner=owner)
    return "failed"


def _todo_task(payload: dict[str, Any]) -> TodoTask:
    return TodoTask(
        title=payload["title"],
        due_date=date.fromisoformat(payload["due_date"]),
        external_id=payload["external_id"],
        link_url=payload.get("link_url") or "",
        link_name="Open in Salesforce",
        body=payload.get("body") or "",
        importance=payload.get("importance") or "normal",
    )
