"""To Do documents: task lists, tasks and linked resources, and their validation.

Writes follow To Do's rules: unknown properties are refused, `null` clears a
property, `status` and `importance` must be one of their enum values, and
marking a task completed stamps `completedDateTime` (reopening clears it).
dateTimeTimeZone values in UTC or an IANA zone are stored converted to UTC,
as To Do returns them; other zone names are kept as written.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request

from sandbox.graph.changes import remove
from sandbox.graph.directory import (
    checklist_items_of,
    graph_context,
    linked_resources_of,
    mailbox_owner,
    public,
    stamp,
    todo_lists_of,
    todo_tasks_of,
)
from sandbox.graph.errors import GraphError, todo_not_found, unknown_body_property
from sandbox.graph.odata_eval import as_datetime
from sandbox.graph.schema import LINKED_RESOURCE, TODO_TASK
from sandbox.state import Doc, DocStore

TASK_STATUSES = ("notStarted", "inProgress", "completed", "waitingOnOthers", "deferred")
IMPORTANCES = ("low", "normal", "high")
_ZONED = ("dueDateTime", "reminderDateTime", "startDateTime", "completedDateTime")
_TASK_WRITABLE = TODO_TASK.properties - {
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "bodyLastModifiedDateTime",
    "hasAttachments",
}
_LINK_WRITABLE = LINKED_RESOURCE.properties - {"id"}


def invalid(message: str) -> GraphError:
    return GraphError(400, "invalidRequest", message)


def etagged(doc: Doc) -> dict[str, Any]:
    """The public document with its `@odata.etag` first (To Do types have no changeKey)."""
    visible = {k: v for k, v in public(doc).items() if k != "changeKey"}
    return {"@odata.etag": f'W/"{doc.get("changeKey", "")}"'} | visible


def owned_list(request: Request) -> tuple[Doc, Doc]:
    """The mailbox owner and the task list the path names."""
    owner = mailbox_owner(request)
    found = graph_context(request).store.get(
        todo_lists_of(owner["id"]), request.path_params["list"]
    )
    if found is None:
        raise todo_not_found()
    return owner, found


def owned_task(request: Request) -> tuple[Doc, Doc]:
    """The task list and the task the path names."""
    _, task_list = owned_list(request)
    found = graph_context(request).store.get(
        todo_tasks_of(task_list["id"]), request.path_params["task"]
    )
    if found is None:
        raise todo_not_found()
    return task_list, found


def apply_task_changes(task: Doc, changes: dict[str, Any], now: str) -> Doc:
    """`task` with a client's property changes applied, validated as To Do does."""
    updated = dict(task)
    for name, value in changes.items():
        if name.startswith("@"):
            continue
        if name not in _TASK_WRITABLE:
            raise unknown_body_property(name, "todoTask")
        if value is None:
            updated.pop(name, None)
        else:
            updated[name] = _zoned(name, value) if name in _ZONED else value
    _check_enum(updated, "status", TASK_STATUSES)
    _check_enum(updated, "importance", IMPORTANCES)
    if updated.get("status") == "completed":
        updated.setdefault("completedDateTime", _zoned("completedDateTime", {"dateTime": now}))
    else:
        updated.pop("completedDateTime", None)
    if "body" in changes:
        updated["bodyLastModifiedDateTime"] = now
    updated["lastModifiedDateTime"] = now
    return stamp(updated)


def _check_enum(doc: Doc, name: str, allowed: tuple[str, ...]) -> None:
    if name in doc and doc[name] not in allowed:
        raise invalid(f"Invalid value '{doc[name]}' for property '{name}'.")


def _zoned(name: str, value: Any) -> dict[str, str]:
    """A dateTimeTimeZone, converted to UTC when its zone is UTC or IANA."""
    if not isinstance(value, dict) or as_datetime(value.get("dateTime")) is None:
        raise invalid(f"Invalid dateTimeTimeZone value for property '{name}'.")
    zone_name = str(value.get("timeZone") or "UTC")
    try:
        zone = ZoneInfo("UTC" if zone_name.upper() == "UTC" else zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        return {"dateTime": str(value["dateTime"]), "timeZone": zone_name}
    moment = as_datetime(value["dateTime"])
    assert moment is not None
    in_utc = moment.replace(tzinfo=zone).astimezone(ZoneInfo("UTC"))
    return {"dateTime": in_utc.strftime("%Y-%m-%dT%H:%M:%S.%f0"), "timeZone": "UTC"}


def new_task(task_id: str, changes: dict[str, Any], now: str) -> Doc:
    """A task as To Do creates it: defaults, then the client's properties."""
    base = {
        "importance": "normal",
        "isReminderOn": False,
        "status": "notStarted",
        "title": "",
        "createdDateTime": now,
        "lastModifiedDateTime": now,
        "hasAttachments": False,
        "categories": [],
        "id": task_id,
        "body": {"content": "", "contentType": "text"},
        "bodyLastModifiedDateTime": now,
    }
    task = apply_task_changes(base, changes, now)
    task.setdefault("body", {"content": "", "contentType": "text"})
    return task


def linked_resource(resource_id: str, fields: Any) -> Doc:
    """A validated linkedResource with the given id."""
    if not isinstance(fields, dict):
        raise invalid("A linked resource must be an object.")
    for name in fields:
        if not name.startswith("@") and name not in _LINK_WRITABLE:
            raise unknown_body_property(name, "linkedResource")
    resource = {name: fields.get(name) for name in sorted(_LINK_WRITABLE)}
    return resource | {"id": resource_id}


def links_of(store: DocStore, task_id: str) -> list[dict[str, Any]]:
    return [public(doc) for doc in store.all(linked_resources_of(task_id))]


def delete_task(store: DocStore, list_id: str, task_id: str) -> None:
    """Remove a task (leaving a tombstone for delta) and the linked resources and
    checklist items that hang off it."""
    for collection in (linked_resources_of(task_id), checklist_items_of(task_id)):
        for child in store.all(collection):
            store.delete(collection, child["id"])
    remove(store, todo_tasks_of(list_id), task_id)
