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

from sandbox.graph.delta import (
    delta_routes,
    open_round,
    page_response,
    reject_options,
    round_page,
    select_option,
    top_option,
)
from sandbox.graph.directory import graph_context, mailbox_owner, todo_lists_of, todo_tasks_of
from sandbox.graph.errors import GraphError, bad_request
from sandbox.graph.query import project
from sandbox.graph.schema import TODO_LIST, TODO_TASK, ResourceType
from sandbox.graph.todo_model import etagged, links_of, owned_list


def _initial_query(
    request: Request, resource: ResourceType, expandable: frozenset[str]
) -> dict[str, Any]:
    """The options a first delta request fixes for the rounds after it, validated."""
    allowed = frozenset({"$select", "$top"} | ({"$expand"} if expandable else set()))
    reject_options(request, allowed, resource.name)
    params = request.query_params
    extra: dict[str, Any] = {}

    def unknown(name: str) -> GraphError:
        return bad_request(
            "Parsing OData Select and Expand failed: Could not find a property named "
            f"'{name}' on type 'microsoft.graph.{resource.name}'."
        )

    select = select_option(request, resource, unknown)
    if select is not None:
        extra["select"] = select
    if "$expand" in params:
        names = [name.strip() for name in params["$expand"].split(",") if name.strip()]
        unknown_names = [name for name in names if name not in expandable]
        if unknown_names:
            raise bad_request(
                "Parsing OData Select and Expand failed: "
                f"Could not find a property named '{unknown_names[0]}'."
            )
        extra["expand"] = names
    top = top_option(request)
    if top is not None:
        extra["top"] = top
    return extra


async def list_delta(request: Request) -> Response:
    owner = mailbox_owner(request)
    round_ = open_round(
        request,
        f"todoLists/{owner['id']}",
        todo_lists_of(owner["id"]),
        lambda: _initial_query(request, TODO_LIST, frozenset()),
    )
    select = round_.token.extra.get("select")
    return page_response(
        round_page(
            request, round_, "todoTaskList", lambda doc: project(etagged(doc), TODO_LIST, select)
        )
    )


async def task_delta(request: Request) -> Response:
    _, task_list = owned_list(request)
    round_ = open_round(
        request,
        f"todoTasks/{task_list['id']}",
        todo_tasks_of(task_list["id"]),
        lambda: _initial_query(request, TODO_TASK, frozenset({"linkedResources"})),
    )
    select = round_.token.extra.get("select")
    expand = set(round_.token.extra.get("expand", []))
    store = graph_context(request).store

    def shape(task: dict[str, Any]) -> dict[str, Any]:
        shaped = project(etagged(task), TODO_TASK, select)
        if "linkedResources" in expand:
            shaped["linkedResources"] = links_of(store, task["id"])
        return shaped

    return page_response(round_page(request, round_, "todoTask", shape))


def todo_delta_routes() -> list[Route]:
    lists = "/v1.0/users/{user}/todo/lists"
    return [*delta_routes(lists, list_delta), *delta_routes(f"{lists}/{{list}}/tasks", task_delta)]
