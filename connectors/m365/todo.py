"""Microsoft To Do: the KAM's task list, kamsync's linked tasks, task creation.

Each task kamsync creates carries a linked resource with `applicationName`
"kamsync" and `externalId` = the Salesforce record id. That link, not the task
id (which changes when a user moves the task to another list), is how kamsync
recognises its own tasks and never creates one twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from connectors.errors import FatalError
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


def create_task(client: GraphClient, mailbox: str, list_id: str, task: TodoTask) -> str:
    """Create the task with its Salesforce link in one request; returns the task id."""
    payload = {
        "title": task.title,
        "importance": task.importance,
        "body": {"contentType": "text", "content": task.body},
        "dueDateTime": {"dateTime": f"{task.due_date.isoformat()}T00:00:00", "timeZone": "UTC"},
        "linkedResources": [
            {
                "applicationName": APPLICATION_NAME,
                "externalId": task.external_id,
                "webUrl": task.link_url,
                "displayName": task.link_name,
            }
        ],
    }
    url = f"{client.user_path(mailbox)}/todo/lists/{list_id}/tasks"
    created = client.post(url, payload).json()
    return str(created["id"])
