"""Linked resources of a To Do task (where kamsync keeps the CRM record's id).

Writing a linked resource modifies its task, so task delta reports the task again.
"""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.graph.directory import (
    graph_context,
    linked_resources_of,
    now_iso,
    public,
    stamp,
    todo_tasks_of,
)
from sandbox.graph.errors import todo_not_found
from sandbox.graph.http import context_url, graph_json, no_content, read_json, segment
from sandbox.graph.todo_model import linked_resource, links_of, owned_task
from sandbox.state import Doc


def _fragment(request: Request) -> str:
    params = request.path_params
    return (
        f"users('{segment(params['user'])}')/todo/lists('{segment(params['list'])}')"
        f"/tasks('{segment(params['task'])}')/linkedResources"
    )


def _owned_link(request: Request) -> tuple[Doc, Doc]:
    _, task = owned_task(request)
    link = graph_context(request).store.get(
        linked_resources_of(task["id"]), request.path_params["link"]
    )
    if link is None:
        raise todo_not_found()
    return task, link


def _touch_task(request: Request) -> None:
    """Mark the task the path names as modified (its links changed)."""
    task_list, task = owned_task(request)
    touched = stamp(task | {"lastModifiedDateTime": now_iso()})
    graph_context(request).store.put(todo_tasks_of(task_list["id"]), task["id"], touched)


async def list_links(request: Request) -> Response:
    _, task = owned_task(request)
    value = links_of(graph_context(request).store, task["id"])
    return graph_json({"@odata.context": context_url(request, _fragment(request)), "value": value})


async def create_link(request: Request) -> Response:
    _, task = owned_task(request)
    link = linked_resource(str(uuid.uuid4()), await read_json(request))
    graph_context(request).store.put(linked_resources_of(task["id"]), link["id"], link)
    _touch_task(request)
    body = {"@odata.context": context_url(request, f"{_fragment(request)}/$entity")}
    return graph_json(body | link, status=201)


async def get_link(request: Request) -> Response:
    _, link = _owned_link(request)
    body = {"@odata.context": context_url(request, f"{_fragment(request)}/$entity")}
    return graph_json(body | public(link))


async def update_link(request: Request) -> Response:
    task, link = _owned_link(request)
    changes = await read_json(request)
    updated = linked_resource(link["id"], {k: v for k, v in link.items() if k != "id"} | changes)
    graph_context(request).store.put(linked_resources_of(task["id"]), link["id"], updated)
    _touch_task(request)
    body = {"@odata.context": context_url(request, f"{_fragment(request)}/$entity")}
    return graph_json(body | updated)


async def delete_link(request: Request) -> Response:
    task, link = _owned_link(request)
    graph_context(request).store.delete(linked_resources_of(task["id"]), link["id"])
    _touch_task(request)
    return no_content()


def todo_link_routes() -> list[Route]:
    collection = "/v1.0/users/{user}/todo/lists/{list}/tasks/{task}/linkedResources"
    return [
        Route(collection, list_links, methods=["GET"]),
        Route(collection, create_link, methods=["POST"]),
        Route(f"{collection}/{{link}}", get_link, methods=["GET"]),
        Route(f"{collection}/{{link}}", update_link, methods=["PATCH"]),
        Route(f"{collection}/{{link}}", delete_link, methods=["DELETE"]),
    ]
