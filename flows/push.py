"""Push: turn the To Do plan into outbox operations and apply them exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.errors import BudgetExhausted, ConnectorConfigError, ConnectorError
from connectors.m365 import TodoTask, create_task, default_list_id, linked_tasks
from connectors.store import Operation
from flows.progress import step
from flows.runtime import Runtime

TODO_CREATE = "todo.create"


def todo_operations(plan: pd.DataFrame) -> list[Operation]:
    """One outbox operation per planned task still to create, keyed `todo:{mailbox}:{sf_id}`."""
    to_create = plan[plan["action"] == "create"]
    return [
        Operation(
            key=row["idempotency_key"],
            kind=TODO_CREATE,
            payload={
                "mailbox": row["mailbox"],
                "external_id": row["sf_id"],
                "title": row["title"],
                "due_date": row["due_date"].isoformat(),
                "importance": row["importance"],
                "body": row["body"],
                "link_url": row["link_url"],
            },
        )
        for row in to_create.to_dict("records")
    ]


@dataclass(frozen=True)
class TodoPush:
    mailbox: str
    created: int
    found_in_place: int
    failed: int


@task(name="push-todo", task_run_name="push To Do of {mailbox}", cache_policy=NO_CACHE)
def push_todo(runtime: Runtime, mailbox: str) -> TodoPush:
    """Apply the mailbox's pending task creations; a task already linked is adopted, not copied."""
    store, graph = runtime.store, runtime.graph
    pending = [op for op in store.pending(TODO_CREATE) if op.payload["mailbox"] == mailbox]
    if not pending:
        return TodoPush(mailbox, 0, 0, 0)
    list_id = default_list_id(graph, mailbox)
    # Re-read To Do now: a task made by a run that crashed before marking its operation done.
    existing = linked_tasks(graph, mailbox, list_id).set_index("external_id")["id"].to_dict()
    created = adopted = failed = 0
    for op in pending:
        external_id = op.payload["external_id"]
        task_id = existing.get(external_id)
        if task_id is not None:
            adopted += 1
        else:
            try:
                task_id = create_task(graph, mailbox, list_id, _todo_task(op))
            except (BudgetExhausted, ConnectorConfigError):
                raise
            except ConnectorError as exc:
                store.mark_failed(op.key, str(exc))
                failed += 1
                continue
            created += 1
        store.link_task(mailbox, external_id, task_id, list_id)
        store.mark_done(op.key, {"task_id": task_id, "list_id": list_id})
    step(
        "push",
        f"{mailbox}: {created} To Do tasks created, {adopted} found in place, {failed} failed",
    )
    return TodoPush(mailbox, created, adopted, failed)


def _todo_task(op: Operation) -> TodoTask:
    payload = op.payload
    return TodoTask(
        title=payload["title"],
        due_date=date.fromisoformat(payload["due_date"]),
        external_id=payload["external_id"],
        link_url=payload["link_url"],
        link_name="Open in Salesforce",
        body=payload["body"],
        importance=payload["importance"],
    )
