"""To Do task lists: `/users/{u}/todo/lists` and `/users/{u}/todo/lists/{listId}`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.graph.changes import remove
from sandbox.graph.directory import (
    graph_context,
    mailbox_owner,
    new_item_id,
    stamp,
    todo_lists_of,
    todo_tasks_of,
)
from sandbox.graph.errors import unknown_body_property
from sandbox.graph.http import context_url, graph_json, no_content, read_json, segment
from sandbox.graph.query import (
    Paging,
    page_response,
    parse_collection_query,
    parse_entity_options,
    project,
    select_suffix,
)
from sandbox.graph.schema import TODO_LIST
from sandbox.graph.todo_model import delete_task, etagged, invalid, owned_list

LIST_PAGING = Paging(default_size=10, max_size=1000)


def _fragment(request: Request) -> str:
    return f"users('{segment(request.path_params['user'])}')/todo/lists"


async def list_lists(request: Request) -> Response:
    owner = mailbox_owner(request)
    query = parse_collection_query(request, TODO_LIST, LIST_PAGING)
    lists = query.apply(graph_context(request).store.all(todo_lists_of(owner["id"])))
    context = context_url(request, f"{_fragment(request)}{select_suffix(query.select)}")
    return page_response(
        request,
        lists,
        query,
        LIST_PAGING,
        context,
        lambda doc: project(etagged(doc), TODO_LIST, query.select),
    )


def _display_name(body: dict[str, object]) -> str:
    for key in body:
        if not key.startswith("@") and key != "displayName":
            raise unknown_body_property(key, "todoTaskList")
    display_name = body.get("displayName")
    if not isinstance(display_name, str) or not display_name.strip():
        raise invalid("The displayName property is required.")
    return display_name


async def create_list(request: Request) -> Response:
    owner = mailbox_owner(request)
    display_name = _display_name(await read_json(request))
    list_id = new_item_id(owner["id"], "todoTaskList")
    doc = stamp(
        {
            "displayName": display_name,
            "isOwner": True,
            "isShared": False,
            "wellknownListName": "none",
            "id": list_id,
        }
    )
    graph_context(request).store.put(todo_lists_of(owner["id"]), list_id, doc)
    body = {"@odata.context": context_url(request, f"{_fragment(request)}/$entity")}
    return graph_json(body | etagged(doc), status=201)


async def get_list(request: Request) -> Response:
    _, task_list = owned_list(request)
    select, _ = parse_entity_options(request, TODO_LIST)
    body = {"@odata.context": context_url(request, f"{_fragment(request)}/$entity")}
    return graph_json(body | project(etagged(task_list), TODO_LIST, select))


async def update_list(request: Request) -> Response:
    owner, task_list = owned_list(request)
    updated = stamp(task_list | {"displayName": _display_name(await read_json(request))})
    graph_context(request).store.put(todo_lists_of(owner["id"]), updated["id"], updated)
    body = {"@odata.context": context_url(request, f"{_fragment(request)}/$entity")}
    return graph_json(body | etagged(updated))


async def delete_list(request: Request) -> Response:
    owner, task_list = owned_list(request)
    if task_list.get("wellknownListName") == "defaultList":
        raise invalid("The default task list can't be deleted.")
    store = graph_context(request).store
    for task in store.all(todo_tasks_of(task_list["id"])):
        delete_task(store, task_list["id"], task["id"])
    remove(store, todo_lists_of(owner["id"]), task_list["id"])
    return no_content()


def todo_list_routes() -> list[Route]:
    collection = "/v1.0/users/{user}/todo/lists"
    return [
        Route(collection, list_lists, methods=["GET"]),
        Route(collection, create_list, methods=["POST"]),
        Route(f"{collection}/{{list}}", get_list, methods=["GET"]),
        Route(f"{collection}/{{list}}", update_list, methods=["PATCH"]),
        Route(f"{collection}/{{list}}", delete_list, methods=["DELETE"]),
    ]
