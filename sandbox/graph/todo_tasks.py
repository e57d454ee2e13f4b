"""To Do tasks of a list: list (paged with $skip, `$expand=linkedResources`),
create (with inline `linkedResources`), read, update and delete."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.graph.directory import (
    graph_context,
    linked_resources_of,
    new_item_id,
    now_iso,
    todo_tasks_of,
)
from sandbox.graph.http import context_url, graph_json, no_content, read_json, segment
from sandbox.graph.query import (
    Paging,
    page_response,
    parse_collection_query,
    parse_entity_options,
    project,
    select_suffix,
)
from sandbox.graph.schema import TODO_TASK
from sandbox.graph.todo_model import (
    apply_task_changes,
    delete_task,
    etagged,
    invalid,
    linked_resource,
    links_of,
    new_task,
    owned_list,
    owned_task,
)
from sandbox.state import Doc, DocStore

TASK_PAGING = Paging(default_size=10, max_size=1000)
_EXPANDABLE = frozenset({"linkedResources"})


def _fragment(request: Request) -> str:
    user = segment(request.path_params["user"])
    return f"users('{user}')/todo/lists('{segment(request.path_params['list'])}')/tasks"


def _shape(
    store: DocStore, task: Doc, select: list[str] | None, expand: set[str]
) -> dict[str, Any]:
    shaped = project(etagged(task), TODO_TASK, select)
    if "linkedResources" in expand:
        shaped["linkedResources"] = links_of(store, task["id"])
    return shaped


async def list_tasks(request: Request) -> Response:
    _, task_list = owned_list(request)
    store = graph_context(request).store
    query = parse_collection_query(request, TODO_TASK, TASK_PAGING, expandable=_EXPANDABLE)
    tasks = query.apply(store.all(todo_tasks_of(task_list["id"])))
    context = context_url(request, f"{_fragment(request)}{select_suffix(query.select)}")
    return page_response(
        request,
        tasks,
        query,
        TASK_PAGING,
        context,
        lambda task: _shape(store, task, query.select, query.expand),
    )


async def create_task(request: Request) -> Response:
    _, task_list = owned_list(request)
    store = graph_context(request).store
    body = await read_json(request)
    links = body.pop("linkedResources", None) or []
    if not isinstance(links, list):
        raise invalid("linkedResources must be an array.")
    task = new_task(new_item_id(task_list["id"], "todoTask"), body, now_iso())
    resources = [linked_resource(str(uuid.uuid4()), fields) for fields in links]
    store.put(todo_tasks_of(task_list["id"]), task["id"], task)
    store.put_many(linked_resources_of(task["id"]), [(r["id"], r) for r in resources])
    shaped: dict[str, Any] = {
        "@odata.context": context_url(request, f"{_fragment(request)}/$entity")
    }
    shaped |= etagged(task)
    if resources:
        shaped["linkedResources"] = resources
    return graph_json(shaped, status=201)


async def get_task(request: Request) -> Response:
    _, task = owned_task(request)
    select, expand = parse_entity_options(request, TODO_TASK, _EXPANDABLE)
    body = {"@odata.context": context_url(request, f"{_fragment(request)}/$entity")}
    return graph_json(body | _shape(graph_context(request).store, task, select, expand))


async def update_task(request: Request) -> Response:
    task_list, task = owned_task(request)
    updated = apply_task_changes(task, await read_json(request), now_iso())
    graph_context(request).store.put(todo_tasks_of(task_list["id"]), updated["id"], updated)
    body = {"@odata.context": context_url(request, f"{_fragment(request)}/$entity")}
    return graph_json(body | etagged(updated))


async def remove_task(request: Request) -> Response:
    task_list, task = owned_task(request)
    delete_task(graph_context(request).store, task_list["id"], task["id"])
    return no_content()


def todo_task_routes() -> list[Route]:
    collection = "/v1.0/users/{user}/todo/lists/{list}/tasks"
    return [
        Route(collection, list_tasks, methods=["GET"]),
        Route(collection, create_task, methods=["POST"]),
        Route(f"{collection}/{{task}}", get_task, methods=["GET"]),
        Route(f"{collection}/{{task}}", update_task, methods=["PATCH"]),
        Route(f"{collection}/{{task}}", remove_task, methods=["DELETE"]),
    ]
