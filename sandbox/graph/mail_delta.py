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

from sandbox.graph.delta import (
    delta_routes,
    open_round,
    page_response,
    reject_options,
    round_page,
    select_option,
    top_option,
)
from sandbox.graph.directory import graph_context, mailbox_owner, messages_of
from sandbox.graph.errors import GraphError, bad_request
from sandbox.graph.mail_model import find_folder, shape_message
from sandbox.graph.odata import Compare, ODataSyntaxError, parse_filter
from sandbox.graph.odata_eval import matches
from sandbox.graph.schema import MESSAGE
from sandbox.state import Doc

_OPTIONS = frozenset({"$select", "$top", "$filter", "$orderby"})


def _initial_query(request: Request) -> dict[str, Any]:
    """The options a first delta request fixes for every round after it, validated."""
    reject_options(request, _OPTIONS, "Messages")
    params = request.query_params
    extra: dict[str, Any] = {}
    select = select_option(request, MESSAGE, _unknown_property)
    if select is not None:
        extra["select"] = select
    if "$filter" in params:
        _received_filter(params["$filter"])
        extra["filter"] = params["$filter"]
    if "$orderby" in params and params["$orderby"].strip().lower() != "receiveddatetime desc":
        raise bad_request("The only supported $orderby expression is 'receivedDateTime desc'.")
    top = top_option(request)
    if top is not None:
        extra["top"] = top
    return extra


def _unknown_property(name: str) -> GraphError:
    message = f"Could not find a property named '{name}' on type 'microsoft.graph.message'."
    return GraphError(400, "RequestBroker--ParseUri", message)


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


async def message_delta(request: Request) -> Response:
    owner = mailbox_owner(request)
    folder = find_folder(graph_context(request).store, owner["id"], request.path_params["folder"])
    scope = f"messages/{owner['id']}/{folder['id']}"
    round_ = open_round(request, scope, messages_of(owner["id"]), lambda: _initial_query(request))
    extra = round_.token.extra
    received = _received_filter(extra["filter"]) if "filter" in extra else None

    def in_scope(doc: Doc) -> bool:
        return doc["parentFolderId"] == folder["id"] and (
            received is None or matches(received, doc)
        )

    changes = (
        [m for m in round_.live if in_scope(m)],
        [s for s in round_.gone if s.get("parentFolderId") == folder["id"]],
    )
    select = extra.get("select")
    return page_response(
        round_page(
            request,
            round_,
            "message",
            lambda doc: shape_message(request, doc, select),
            changes=changes,
        )
    )


def mail_delta_routes() -> list[Route]:
    """Both spellings Graph accepts: `/delta` and `/microsoft.graph.delta()`."""
    return delta_routes("/v1.0/users/{user}/mailFolders/{folder}/messages", message_delta)
