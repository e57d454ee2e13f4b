"""Message delta per mail folder: `GET /users/{u}/mailFolders/{f}/messages/delta`.

As Exchange allows: `$select`, `$top` (page size), `$filter` only as
`receivedDateTime ge|gt {value}`, `$orderby` only `receivedDateTime desc`;
`Prefer: odata.maxpagesize` sets the page size of each request (10 by default).
Messages deleted, or moved out of the folder, come back as `@removed`
(reason `deleted`); a message moved in is new (moving gives it a new id).
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
from sandbox.graph.directory import graph_context, mailbox_owner, messages_of
from sandbox.graph.errors import GraphError, bad_request
from sandbox.graph.http import graph_json
from sandbox.graph.mail_model import find_folder, shape_message
from sandbox.graph.odata import Compare, ODataSyntaxError, parse_filter
from sandbox.graph.odata_eval import matches
from sandbox.graph.query import Paging
from sandbox.graph.schema import MESSAGE
from sandbox.state import Doc

DELTA_PAGING = Paging(default_size=10, max_size=1000)
_OPTIONS = frozenset({"$select", "$top", "$filter", "$orderby"})


def _initial_query(request: Request) -> dict[str, Any]:
    """The options a first delta request fixes for every round after it, validated."""
    reject_options(request, _OPTIONS, "Messages")
    params = request.query_params
    extra: dict[str, Any] = {}
    if "$select" in params:
        names = [name.strip() for name in params["$select"].split(",") if name.strip()]
        unknown = [name for name in names if name not in MESSAGE.properties]
        if unknown:
            message = (
                f"Could not find a property named '{unknown[0]}' on type 'microsoft.graph.message'."
            )
            raise GraphError(400, "RequestBroker--ParseUri", message)
        extra["select"] = names
    if "$filter" in params:
        _received_filter(params["$filter"])
        extra["filter"] = params["$filter"]
    if "$orderby" in params and params["$orderby"].strip().lower() != "receiveddatetime desc":
        raise bad_request("The only supported $orderby expression is 'receivedDateTime desc'.")
    if "$top" in params:
        top = params["$top"]
        if not top.isdigit() or int(top) < 1:
            raise bad_request(f"Invalid value '{top}' for query option '$top'.")
        extra["top"] = min(int(top), DELTA_PAGING.max_size)
    return extra


def _received_filter(text: str) -> Compare:
    """`receivedDateTime ge|gt {value}`, the one filter message delta takes."""
    try:
        node = parse_filter(text)
    except ODataSyntaxError as exc:
        raise bad_request(f"Invalid filter clause: {exc}") from exc
    if (
        not isinstance(node, Compare)
        or node.path != ("receivedDateTime",)
        or node.op not in ("ge", "gt")
    ):
        message = (
            "The only supported $filter expressions are 'receivedDateTime ge {value}' "
            "and 'receivedDateTime gt {value}'."
        )
        raise GraphError(400, "ErrorInvalidUrlQueryFilter", message)
    return node


def _page_size(request: Request, extra: dict[str, Any]) -> int:
    preferred = preferred_page_size(request)
    size = preferred or int(extra.get("top") or DELTA_PAGING.default_size)
    return min(size, DELTA_PAGING.max_size)


async def message_delta(request: Request) -> Response:
    owner = mailbox_owner(request)
    context = graph_context(request)
    folder = find_folder(context.store, owner["id"], request.path_params["folder"])
    scope = f"messages/{owner['id']}/{folder['id']}"
    token = round_token(context, request, scope) or DeltaToken(scope, extra=_initial_query(request))
    collection = messages_of(owner["id"])
    live, gone = changed_since(context.store, collection, token.after or token.seq)
    received = _received_filter(token.extra["filter"]) if "filter" in token.extra else None

    def in_scope(doc: Doc) -> bool:
        return doc["parentFolderId"] == folder["id"] and (
            received is None or matches(received, doc)
        )

    select = token.extra.get("select")
    page = delta_page(
        request,
        token,
        (
            [m for m in live if in_scope(m)],
            [s for s in gone if s.get("parentFolderId") == folder["id"]],
        ),
        high_water=high_water(context.store, collection),
        shape=lambda doc: (
            {"@odata.type": "#microsoft.graph.message"} | shape_message(request, doc, select)
        ),
        removed_shape=removed_entry("message"),
        page_size=_page_size(request, token.extra),
        context_fragment="Collection(message)",
    )
    return graph_json(page.body, headers=page.headers)


def mail_delta_routes() -> list[Route]:
    """Both spellings Graph accepts: `/delta` and `/microsoft.graph.delta()`."""
    base = "/v1.0/users/{user}/mailFolders/{folder}/messages"
    return [
        Route(f"{base}/delta", message_delta, methods=["GET"]),
        Route(f"{base}/microsoft.graph.delta()", message_delta, methods=["GET"]),
    ]
