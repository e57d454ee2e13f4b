"""Microsoft To Do: the KAM's task list, kamsync's linked tasks, task writes.

Each task kamsync creates carries a linked resource with `applicationName`
"kamsync" and `externalId` = the Salesforce record id. That link, not the task
id (which changes when a user moves the task to another list), is how kamsync
recognises its own tasks and never creates one twice: `write_tasks` re-reads
the list's linked tasks before creating, and adopts the task a retried or
repeated write finds there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal
from urllib.parse import quote

import pandas as pd

from connectors.errors import FatalError
from connectors.m365.batch import BatchRequest, BatchResult, send_batch
from connectors.m365.client import GraphClient

APPLICATION_NAME = "kamsync"
#: Columns of `linked_tasks` (and of the `m365/todo_tasks` mirror table).
TASK_COLUMNS = ["id", "mailbox", "list_id", "external_id", "title", "status", "due_date", "web_url"]


@dataclass(frozen=True)
class TodoTask:
    """A To Do task for a CRM deadline."""

    title: str
    due_date: date
    external_id: str
    link_url: str
    link_name: str
    body: str = ""
    importance: str = "normal"


def default_list_id(client: GraphClient, mailbox: str) -> str:
    """The id of the mailbox's default To Do list ("Tasks")."""
    for page in client.pages(f"{client.user_path(mailbox)}/todo/lists"):
        for task_list in page:
            if task_list.get("wellknownListName") == "defaultList":
                return str(task_list["id"])
    raise FatalError(f"Microsoft To Do of {mailbox} has no default task list")


def linked_tasks(client: GraphClient, mailbox: str, list_id: str) -> pd.DataFrame:
    """Tasks in the list that kamsync linked to a Salesforce record (every page)."""
    url = f"{client.user_path(mailbox)}/todo/lists/{list_id}/tasks"
    rows = []
    for page in client.pages(url, {"$expand": "linkedResources", "$top": 100}):
        for task in page:
            for link in task.get("linkedResources") or []:
                if link.get("applicationName") == APPLICATION_NAME and link.get("externalId"):
                    rows.append(
                        {
                            "id": task["id"],
                            "mailbox": mailbox,
                            "list_id": list_id,
                            "external_id": link["externalId"],
                            "title": task.get("title"),
                            "status": task.get("status"),
                            "due_date": ((task.get("dueDateTime") or {}).get("dateTime") or "")[:10]
                            or None,
                            "web_url": link.get("webUrl"),
                        }
                    )
    return pd.DataFrame.from_records(rows, columns=TASK_COLUMNS)


def linked_tasks_by_record(client: GraphClient, mailbox: str, list_id: str) -> dict[str, str]:
    """External id -> id of the list's kamsync-linked tasks (what `write_tasks` adopts)."""
    linked = linked_tasks(client, mailbox, list_id)
    return dict(zip(linked["external_id"], linked["id"], strict=True))


def create_task(client: GraphClient, mailbox: str, list_id: str, task: TodoTask) -> str:
    """Create the task with its Salesforce link in one request; returns the task id."""
    url = f"{client.user_path(mailbox)}/todo/lists/{list_id}/tasks"
    created = client.post(url, _new_task(task)).json()
    return str(created["id"])


def _new_task(task: TodoTask) -> dict[str, Any]:
    return {
        "title": task.title,
        "importance": task.importance,
        "body": {"contentType": "text", "content": task.body},
        "dueDateTime": _due(task.due_date),
        "linkedResources": [
            {
                "applicationName": APPLICATION_NAME,
                "externalId": task.external_id,
                "webUrl": task.link_url,
                "displayName": task.link_name,
            }
        ],
    }


def _due(day: date) -> dict[str, str]:
    return {"dateTime": f"{day.isoformat()}T00:00:00", "timeZone": "UTC"}


Action = Literal["create", "update", "complete", "delete"]


@dataclass(frozen=True)
class TaskWrite:
    """One change to a To Do task: `create` needs `task`; the others need `task_id` (and
    `list_id` when the task is not in the list `write_tasks` is given); `update` sends
    `task`'s title and due date (the user's own edits to the rest are kept)."""

    key: str
    action: Action
    task: TodoTask | None = None
    task_id: str | None = None
    list_id: str | None = None


@dataclass(frozen=True)
class TaskWriteResult:
    """What became of one write: the task's id when it took effect (or was found in place)."""

    key: str
    ok: bool
    task_id: str | None
    list_id: str
    adopted: bool = False
    error: str | None = None
    #: Graph's status for the write (0 when no request was needed)
    status: int = 0


def write_tasks(
    client: GraphClient,
    mailbox: str,
    list_id: str,
    writes: Sequence[TaskWrite],
    in_place: Mapping[str, str] | None = None,
) -> dict[str, TaskWriteResult]:
    """Apply the writes through JSON $batch, each succeeding or failing on its own.

    Creations first look for a task already linked to the same record in `list_id` (a
    write whose answer was lost, or a repeated run) and adopt it instead of creating a
    second: `in_place` (external id -> task id, from `linked_tasks_by_record`) when the
    caller read them already, else the list is read here. A task already deleted counts
    as deleted.
    """
    if in_place is None and any(write.action == "create" for write in writes):
        in_place = linked_tasks_by_record(client, mailbox, list_id)
    in_place = in_place or {}
    results: dict[str, TaskWriteResult] = {}
    requests: dict[str, tuple[TaskWrite, BatchRequest]] = {}
    for write in writes:
        target = write.list_id or list_id
        if write.action == "create":
            assert write.task is not None, f"{write.key}: create needs a task"
            found = in_place.get(write.task.external_id)
            if found is not None:
                results[write.key] = TaskWriteResult(write.key, True, found, target, adopted=True)
                continue
        requests[write.key] = (write, _request(client, mailbox, list_id, write))
    answers = send_batch(client, [request for _, request in requests.values()])
    for key, (write, request) in requests.items():
        results[key] = _result(write, answers[request.id], write.list_id or list_id)
    return results


def _request(client: GraphClient, mailbox: str, list_id: str, write: TaskWrite) -> BatchRequest:
    tasks = f"/users/{quote(mailbox)}/todo/lists/{write.list_id or list_id}/tasks"
    if write.action == "create":
        assert write.task is not None
        return BatchRequest(write.key, "POST", tasks, _new_task(write.task))
    assert write.task_id, f"{write.key}: {write.action} needs a task id"
    url = f"{tasks}/{write.task_id}"
    if write.action == "delete":
        return BatchRequest(write.key, "DELETE", url)
    if write.action == "complete":
        return BatchRequest(write.key, "PATCH", url, {"status": "completed"})
    assert write.task is not None, f"{write.key}: update needs the task's new values"
    body = {"title": write.task.title, "dueDateTime": _due(write.task.due_date)}
    return BatchRequest(write.key, "PATCH", url, body)


def _result(write: TaskWrite, answer: BatchResult, list_id: str) -> TaskWriteResult:
    gone = write.action == "delete" and answer.status == 404
    if answer.ok or gone:
        body = answer.body if isinstance(answer.body, dict) else {}
        task_id = str(body.get("id") or write.task_id or "") or None
        return TaskWriteResult(write.key, True, task_id, list_id, status=answer.status)
    error = (answer.body or {}).get("error", {}) if isinstance(answer.body, dict) else {}
    message = f"Microsoft To Do {write.action} answered {answer.status} {error.get('code', '')}"
    detail = error.get("message")
    error_text = f"{message}: {detail}" if detail else message
    return TaskWriteResult(
        write.key, False, write.task_id, list_id, error=error_text, status=answer.status
    )
