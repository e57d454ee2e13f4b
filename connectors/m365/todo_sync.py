"""Microsoft To Do of a mailbox through delta: task lists, then each list's tasks.

Lists come from `/todo/lists/delta` (a plain `/todo/lists` read can miss
lists); tasks from `/todo/lists/{id}/tasks/delta` with
`$expand=linkedResources`, which the todoTask delta reference lists among its
supported options, so kamsync's links (`applicationName` "kamsync",
`externalId` = the Salesforce id) arrive with each changed task. Every page is
a batch with the watermark (`DeltaState`) to commit alongside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from connectors.m365.client import GraphClient
from connectors.m365.delta import PAGE_SIZE, DeltaBatch, DeltaState, resumed_pages
from connectors.m365.todo import APPLICATION_NAME, TASK_COLUMNS

#: Columns of the `m365/todo_lists` mirror table.
LIST_COLUMNS = ["id", "mailbox", "display_name", "wellknown_list_name", "sync_round"]
#: Columns of the `m365/todo_tasks` mirror table (`linked_tasks` columns first).
TODO_TASK_COLUMNS = [
    *TASK_COLUMNS,
    "due_date_time", "due_time_zone", "completed_at", "importance", "body", "categories",
    "sync_round",
]  # fmt: skip


@dataclass(frozen=True)
class TodoBatch(DeltaBatch):
    """One delta page of lists or of one list's tasks."""

    #: the list whose tasks these are (None for a page of lists)
    list_id: str | None = None


def read_lists(
    client: GraphClient, mailbox: str, since: str | None, *, page_size: int = PAGE_SIZE
) -> Iterator[TodoBatch]:
    """The mailbox's task lists changed since the watermark (None: all of them)."""
    url = f"{client.user_path(mailbox)}/todo/lists/delta"
    rounds = resumed_pages(client, url, None, DeltaState.load(since), page_size=page_size)
    for page, state in rounds:
        rows = [_list_row(mailbox, item, state.round) for item in page.items]
        frame = pd.DataFrame.from_records(rows, columns=LIST_COLUMNS)
        yield TodoBatch(mailbox, frame, state.dump(), page.removed)


def read_tasks(
    client: GraphClient,
    mailbox: str,
    list_id: str,
    since: str | None,
    *,
    page_size: int = PAGE_SIZE,
) -> Iterator[TodoBatch]:
    """The list's tasks changed since the watermark (None: all of them), links included."""
    url = f"{client.user_path(mailbox)}/todo/lists/{list_id}/tasks/delta"
    params = {"$expand": "linkedResources"}
    rounds = resumed_pages(client, url, params, DeltaState.load(since), page_size=page_size)
    for page, state in rounds:
        rows = [task_row(mailbox, list_id, item, state.round) for item in page.items]
        frame = pd.DataFrame.from_records(rows, columns=TODO_TASK_COLUMNS)
        yield TodoBatch(mailbox, frame, state.dump(), page.removed, list_id)


def _list_row(mailbox: str, item: dict[str, Any], sync_round: str) -> dict[str, Any]:
    return {
        "id": item["id"],
        "mailbox": mailbox,
        "display_name": item.get("displayName"),
        "wellknown_list_name": item.get("wellknownListName"),
        "sync_round": sync_round,
    }


def task_row(
    mailbox: str, list_id: str, task: dict[str, Any], sync_round: str | None = None
) -> dict[str, Any]:
    """A To Do task as one mirror row, with kamsync's link (if any) flattened in."""
    link: dict[str, Any] = next(
        (
            resource
            for resource in task.get("linkedResources") or []
            if resource.get("applicationName") == APPLICATION_NAME and resource.get("externalId")
        ),
        {},
    )
    due = task.get("dueDateTime") or {}
    body = task.get("body") or {}
    return {
        "id": task["id"],
        "mailbox": mailbox,
        "list_id": list_id,
        "external_id": link.get("externalId"),
        "title": task.get("title"),
        "status": task.get("status"),
        "due_date": str(due.get("dateTime") or "")[:10] or None,
        "web_url": link.get("webUrl"),
        "due_date_time": due.get("dateTime"),
        "due_time_zone": due.get("timeZone"),
        "completed_at": (task.get("completedDateTime") or {}).get("dateTime"),
        "importance": task.get("importance"),
        "body": body.get("content"),
        "categories": list(task.get("categories") or []),
        "sync_round": sync_round,
    }
