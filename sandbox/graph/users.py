"""Directory users: `GET /users` (paged with $skiptoken) and `GET /users/{id | upn}`."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.graph.directory import USERS, find_user, graph_context
from sandbox.graph.errors import GraphError, directory_object_not_found
from sandbox.graph.http import context_url, graph_json
from sandbox.graph.odata import OrderKey
from sandbox.graph.query import (
    Paging,
    page_response,
    parse_collection_query,
    parse_entity_options,
    project,
    select_suffix,
)
from sandbox.graph.schema import USER
from sandbox.state import Doc

USER_PAGING = Paging(default_size=100, max_size=999, style="skiptoken", strict_top=True)
_SORTABLE = {"displayName", "userPrincipalName"}


async def list_users(request: Request) -> Response:
    query = parse_collection_query(request, USER, USER_PAGING)
    for key in query.orderby:
        if key.path[0] not in _SORTABLE:
            raise GraphError(400, "Request_UnsupportedQuery", "Unsupported sort property.")
    users = query.apply(graph_context(request).store.all(USERS), [OrderKey(("id",), False)])
    context = context_url(request, f"users{select_suffix(query.select)}")
    return page_response(
        request, users, query, USER_PAGING, context, lambda user: _shape(user, query.select)
    )


def _shape(user: Doc, select: list[str] | None) -> dict[str, Any]:
    """A user; collections the directory always has come back empty rather than null."""
    return project({"businessPhones": []} | user, USER, select)


async def get_user(request: Request) -> Response:
    key = request.path_params["user"]
    user = find_user(graph_context(request).store, key)
    if user is None:
        raise directory_object_not_found(key)
    select, _ = parse_entity_options(request, USER)
    body = {"@odata.context": context_url(request, f"users{select_suffix(select)}/$entity")}
    return graph_json(body | _shape(user, select))


async def me(request: Request) -> Response:
    """App-only tokens have no signed-in user, so Graph refuses /me."""
    raise GraphError(
        400, "BadRequest", "/me request is only valid with delegated authentication flow."
    )


def user_routes() -> list[Route]:
    return [
        Route("/v1.0/users", list_users),
        Route("/v1.0/users/{user}", get_user),
        Route("/v1.0/me", me, methods=["GET", "POST", "PATCH", "PUT", "DELETE"]),
        Route("/v1.0/me/{rest:path}", me, methods=["GET", "POST", "PATCH", "PUT", "DELETE"]),
    ]
