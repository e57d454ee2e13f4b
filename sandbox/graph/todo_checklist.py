"""Checklist items (steps) of a To Do task: list, create, read, update, delete.

`displayName` is required on create; `isChecked` stamps `checkedDateTime`
(cleared when unchecked). Writing a step modifies its task, so task delta
reports the task again.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.graph.directory import (
    checklist_items_of,
    graph_context,
    now_iso,
    public,
    stamp,
    todo_tasks_of,
)
from sandbox.graph.errors import bad_request, todo_not_found, unknown_body_property
from sandbox.graph.http import context_url, graph_json, no_content, read_json, segment
from sandbox.graph.todo_model import owned_task
from sandbox.state import Doc

_WRITABLE = frozenset({"displayName", "isChecked", "checkedDateTime"})


def _fragment(request: Request) -> str:
    params = request.path_params
    return (
        f"users('{segment(params['user'])}')/todo/lists('{segment(params['list'])}')"
        f"/tasks('{segment(params['task'])}')/checklistItems"
    )


def _applied(item: Doc, changes: dict[str, Any]) -> Doc:
    """`item` with a client's changes, validated as To Do does."""
    for name in changes:
        if not name.startswith("@") and name not in _WRITABLE:
            raise unknown_body_property(name, "checklistItem")
    updated = item | {k: v for k, v in changes.items() if not k.startswith("@")}
    if not isinstance(updated.get("displayName"), str) or not updated["displayName"].strip():
        raise bad_request("The displayName of a checklist item is required.", "invalidRequest")
    if not isinstance(updated.get("isChecked"), bool):
        raise bad_request("isChecked must be true or false.", "invalidRequest")
    if "isChecked" in changes and "checkedDateTime" not in changes:
        updated["checkedDateTime"] = now_iso() if updated["isChecked"] else None
    return updated


def _touch_task(request: Request) -> None:
    task_list, task = owned_task(request)
    touched = stamp(task | {"lastModifiedDateTime": now_iso()})
    graph_context(request).store.put(todo_tasks_of(task_list["id"]), task["id"], touched)


def _owned_item(request: Request) -> tuple[Doc, Doc]:
    _, task = owned_task(request)
    item = graph_context(request).store.get(
        checklist_items_of(task["id"]), request.path_params["item"]
    )
    if item is None:
        raise todo_not_found()
    return task, item


def _entity(request: Request, item: Doc, status: int = 200) -> Response:
    body = {"@odata.context": context_url(request, f"{_fragment(request)}/$entity")}
    return graph_json(body | public(item), status=status)


async def list_items(request: Request) -> Response:
    _, task = owned_task(request)
    stored = graph_context(request).store.all(checklist_items_of(task["id"]))
    ordered = sorted(stored, key=lambda item: str(item["createdDateTime"]))
    context = context_url(request, _fragment(request))
    return graph_json({"@odata.context": context, "value": [public(i) for i in ordered]})


async def create_item(request: Request) -> Response:
    _, task = owned_task(request)
    blank = {"id": str(uuid.uuid4()), "createdDateTime": now_iso(), "isChecked": False}
    item = _applied(blank | {"checkedDateTime": None}, await read_json(request))
    graph_context(request).store.put(checklist_items_of(task["id"]), item["id"], item)
    _touch_task(request)
    return _entity(request, item, status=201)


async def get_item(request: Request) -> Response:
    return _entity(request, _owned_item(request)[1])


async def update_item(request: Request) -> Response:
    task, item = _owned_item(request)
    updated = _applied(item, await read_json(request))
    graph_context(request).store.put(checklist_items_of(task["id"]), item["id"], updated)
    _touch_task(request)
    return _entity(request, updated)


async def delete_item(request: Request) -> Response:
    task, item = _owned_item(request)
    graph_context(request).store.delete(checklist_items_of(task["id"]), item["id"])
    _touch_task(request)
    return no_content()


def todo_checklist_routes() -> list[Route]:
    collection = "/v1.0/users/{user}/todo/lists/{list}/tasks/{task}/checklistItems"
    return [
        Route(collection, list_items, methods=["GET"]),
        Route(collection, create_item, methods=["POST"]),
        Route(f"{collection}/{{item}}", get_item, methods=["GET"]),
        Route(f"{collection}/{{item}}", update_item, methods=["PATCH"]),
        Route(f"{collection}/{{item}}", delete_item, methods=["DELETE"]),
    ]
