"""To Do delta: `GET /users/{u}/todo/lists/delta` and `/todo/lists/{id}/tasks/delta`.

Both take `$select` and `$top`; task delta also `$expand=linkedResources`, as
the todoTask delta reference lists. Deleted lists and tasks come back as
`@removed` (reason `deleted`). `Prefer: odata.maxpagesize` sets the page size
of each request (10 by default).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.graph.changes import changed_since, high_water
from sandbox.graph.delta import (
    DeltaToken,
    delta_page,
    preferred_page_size,
    reject_options,
    removed_entry,
    round_token,
)
from sandbox.graph.directory import graph_context, mailbox_owner, todo_lists_of, todo_tasks_of
from sandbox.graph.errors import bad_request
from sandbox.graph.http import graph_json
from sandbox.graph.query import Paging, project
from sandbox.graph.schema import TODO_LIST, TODO_TASK, ResourceType
from sandbox.graph.todo_model import etagged, links_of, owned_list

DELTA_PAGING = Paging(default_size=10, max_size=1000)


def _initial_query(
    request: Request, resource: ResourceType, expandable: frozenset[str]
) -> dict[str, Any]:
    """The options a first delta request fixes for the rounds after it, validated."""
    allowed = frozenset({"$select", "$top"} | ({"$expand"} if expandable else set()))
    reject_options(request, allowed, resource.name)
    params = request.query_params
    extra: dict[str, Any] = {}
    if "$select" in params:
        names = [name.strip() for name in params["$select"].split(",") if name.strip()]
        unknown = [name for name in names if name not in resource.properties]
        if unknown:
            raise bad_request(
                "Parsing OData Select and Expand failed: Could not find a property named "
                f"'{unknown[0]}' on type 'microsoft.graph.{resource.name}'."
            )
        extra["select"] = names
    if "$expand" in params:
        names = [name.strip() for name in params["$expand"].split(",") if name.strip()]
        unknown = [name for name in names if name not in expandable]
        if unknown:
            raise bad_request(
                "Parsing OData Select and Expand failed: "
                f"Could not find a property named '{unknown[0]}'."
            )
        extra["expand"] = names
    if "$top" in params:
        top = params["$top"]
        if not top.isdigit() or int(top) < 1:
            raise bad_request(f"Invalid value '{top}' for query option '$top'.")
        extra["top"] = min(int(top), DELTA_PAGING.max_size)
    return extra


def _page_size(request: Request, extra: dict[str, Any]) -> int:
    size = preferred_page_size(request) or int(extra.get("top") or DELTA_PAGING.default_size)
    return min(size, DELTA_PAGING.max_size)


async def list_delta(request: Request) -> Response:
    owner = mailbox_owner(request)
    context = graph_context(request)
    scope = f"todoLists/{owner['id']}"
    token = round_token(context, request, scope) or DeltaToken(
        scope, extra=_initial_query(request, TODO_LIST, frozenset())
    )
    collection = todo_lists_of(owner["id"])
    select = token.extra.get("select")
    page = delta_page(
        request,
        token,
        changed_since(context.store, collection, token.after or token.seq),
        high_water=high_water(context.store, collection),
        shape=lambda doc: (
            {"@odata.type": "#microsoft.graph.todoTaskList"}
            | project(etagged(doc), TODO_LIST, select)
        ),
        removed_shape=removed_entry("todoTaskList"),
        page_size=_page_size(request, token.extra),
        context_fragment="Collection(todoTaskList)",
    )
    return graph_json(page.body, headers=page.headers)


async def task_delta(request: Request) -> Response:
    _, task_list = owned_list(request)
    context = graph_context(request)
    scope = f"todoTasks/{task_list['id']}"
    token = round_token(context, request, scope) or DeltaToken(
        scope, extra=_initial_query(request, TODO_TASK, frozenset({"linkedResources"}))
    )
    collection = todo_tasks_of(task_list["id"])
    select = token.extra.get("select")
    expand = set(token.extra.get("expand", []))

    def shape(task: dict[str, Any]) -> dict[str, Any]:
        shaped = {"@odata.type": "#microsoft.graph.todoTask"} | project(
            etagged(task), TODO_TASK, select
        )
        if "linkedResources" in expand:
            shaped["linkedResources"] = links_of(context.store, task["id"])
        return shaped

    page = delta_page(
        request,
        token,
        changed_since(context.store, collection, token.after or token.seq),
        high_water=high_water(context.store, collection),
        shape=shape,
        removed_shape=removed_entry("todoTask"),
        page_size=_page_size(request, token.extra),
        context_fragment="Collection(todoTask)",
    )
    return graph_json(page.body, headers=page.headers)


def todo_delta_routes() -> list[Route]:
    lists = "/v1.0/users/{user}/todo/lists"
    return [
        Route(f"{lists}/delta", list_delta, methods=["GET"]),
        Route(f"{lists}/microsoft.graph.delta()", list_delta, methods=["GET"]),
        Route(f"{lists}/{{list}}/tasks/delta", task_delta, methods=["GET"]),
        Route(f"{lists}/{{list}}/tasks/microsoft.graph.delta()", task_delta, methods=["GET"]),
    ]
