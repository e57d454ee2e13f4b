"""Delta rounds shared by every delta function: options, windows, pages and routes.

A round starts without a token (or with a `$deltatoken`) and pages through
the changes after the token's sequence number up to the collection's
high-water mark as it stood when the round began, oldest change first. Mid-round
pages carry a `$skiptoken` (the round's window and the last sequence already
paged out, so writes during the round neither shift nor hide anything: they
come in the next round); the last page carries a `$deltatoken` holding the
window's end. The tokens themselves (opaque, signed, expirable) are in
`delta_tokens`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.graph.changes import changed_since, high_water
from sandbox.graph.delta_tokens import DeltaToken, issue_token, read_token
from sandbox.graph.delta_tokens import expire_sync_states as expire_sync_states
from sandbox.graph.directory import GraphContext, graph_context
from sandbox.graph.errors import GraphError, bad_request
from sandbox.graph.http import base_url, graph_json
from sandbox.graph.query import Paging, preferred_page_size
from sandbox.graph.schema import ResourceType
from sandbox.state import Doc

#: Outlook's paging of delta functions: 10 a page unless asked, at most 1000.
DELTA_PAGING = Paging(default_size=10, max_size=1000)
_TOKEN_OPTIONS = ("$deltatoken", "$skiptoken")


def round_token(context: GraphContext, request: Request, scope: str) -> DeltaToken | None:
    """The token a delta request carries ($skiptoken or $deltatoken), None when it starts fresh.

    With a token, the query the first request fixed applies; other options are ignored.
    """
    params = request.query_params
    sent = [name for name in _TOKEN_OPTIONS if name in params]
    if len(sent) > 1:
        raise bad_request("Only one of $deltatoken and $skiptoken may be given.")
    return read_token(context, params[sent[0]], scope) if sent else None


def reject_options(request: Request, allowed: frozenset[str], resource: str) -> None:
    """Outlook's 400 for query options a delta function does not support."""
    refused = [
        name
        for name in request.query_params
        if name.startswith("$") and name not in allowed and name not in _TOKEN_OPTIONS
    ]
    if refused:
        message = (
            "The following parameters are not supported with change tracking over the "
            f"'{resource}' resource: '{', '.join(refused)}'."
        )
        raise GraphError(400, "ErrorInvalidUrlQuery", message)


def select_option(
    request: Request, resource: ResourceType, unknown: Callable[[str], GraphError]
) -> list[str] | None:
    """The names `$select` lists (None without it); `unknown(name)` is the error for a stranger."""
    if "$select" not in request.query_params:
        return None
    names = [name.strip() for name in request.query_params["$select"].split(",")]
    names = [name for name in names if name]
    strangers = [name for name in names if name not in resource.properties]
    if strangers:
        raise unknown(strangers[0])
    return names


def top_option(request: Request) -> int | None:
    """`$top` as a page size (None without it), capped at the delta maximum."""
    if "$top" not in request.query_params:
        return None
    top = request.query_params["$top"]
    if not top.isdigit() or int(top) < 1:
        raise bad_request(f"Invalid value '{top}' for query option '$top'.")
    return min(int(top), DELTA_PAGING.max_size)


def page_size(request: Request, extra: dict[str, Any]) -> int:
    """The size of this page: `Prefer: odata.maxpagesize`, else the round's `$top`, else 10."""
    size = preferred_page_size(request) or int(extra.get("top") or DELTA_PAGING.default_size)
    return min(size, DELTA_PAGING.max_size)


@dataclass(frozen=True)
class DeltaRound:
    """A delta request's round: its token and what changed in the collection after it."""

    token: DeltaToken
    live: list[Doc]
    gone: list[Doc]
    high_water: int


def open_round(
    request: Request, scope: str, collection: str, first: Callable[[], dict[str, Any]]
) -> DeltaRound:
    """The round the request continues, or a new one whose fixed query `first()` validates."""
    context = graph_context(request)
    token = round_token(context, request, scope) or DeltaToken(scope, extra=first())
    live, gone = changed_since(context.store, collection, token.after or token.seq)
    return DeltaRound(token, live, gone, high_water(context.store, collection))


def round_page(
    request: Request,
    round_: DeltaRound,
    odata_type: str,
    shape: Callable[[Doc], dict[str, Any]],
    *,
    changes: tuple[list[Doc], list[Doc]] | None = None,
) -> DeltaPage:
    """`delta_page` for a collection of `odata_type` entities (`changes`: the round's, narrowed)."""
    return delta_page(
        request,
        round_.token,
        changes if changes is not None else (round_.live, round_.gone),
        high_water=round_.high_water,
        shape=lambda doc: {"@odata.type": f"#microsoft.graph.{odata_type}"} | shape(doc),
        removed_shape=removed_entry(odata_type),
        page_size=page_size(request, round_.token.extra),
        context_fragment=f"Collection({odata_type})",
    )


def page_response(page: DeltaPage) -> Response:
    return graph_json(page.body, headers=page.headers)


def delta_routes(base: str, endpoint: Callable[[Request], Any]) -> list[Route]:
    """Both spellings Graph takes for a delta function: `/delta`, `/microsoft.graph.delta()`."""
    return [
        Route(f"{base}/delta", endpoint, methods=["GET"]),
        Route(f"{base}/microsoft.graph.delta()", endpoint, methods=["GET"]),
    ]


@dataclass(frozen=True)
class DeltaPage:
    """One response of a round: its JSON body and the headers to send with it."""

    body: dict[str, Any]
    headers: dict[str, str]


def delta_page(
    request: Request,
    token: DeltaToken,
    changes: tuple[list[Doc], list[Doc]],
    *,
    high_water: int,
    shape: Callable[[Doc], dict[str, Any]],
    removed_shape: Callable[[Doc], dict[str, Any]],
    page_size: int,
    context_fragment: str,
) -> DeltaPage:
    """One page of a round: live changes and removals in sequence order, then the link.

    `changes` are (live documents, tombstones) already narrowed to the scope
    (and, for live ones, the round's filter), as `changes.changed_since`
    returns them for `token.seq`; a first round (seq 0) reports no removals.
    """
    upto = token.upto if token.upto is not None else high_water
    after = token.after if token.after is not None else token.seq
    live, gone = changes
    entries = [(int(doc["_seq"]), False, doc) for doc in live]
    if token.seq > 0:
        entries += [(int(stone["_seq"]), True, stone) for stone in gone]
    window = sorted((e for e in entries if after < e[0] <= upto), key=lambda e: e[0])
    page = window[:page_size]
    context = graph_context(request)
    body: dict[str, Any] = {
        "@odata.context": f"{base_url(request)}/v1.0/$metadata#{context_fragment}"
    }
    body["value"] = [removed_shape(doc) if removed else shape(doc) for _, removed, doc in page]
    if len(window) > page_size:
        mid = replace(token, upto=upto, after=page[-1][0])
        body["@odata.nextLink"] = _link(request, "$skiptoken", issue_token(context, mid))
    else:
        done = DeltaToken(token.scope, seq=upto, extra=token.extra)
        body["@odata.deltaLink"] = _link(request, "$deltatoken", issue_token(context, done))
    headers = {}
    if preferred_page_size(request) is not None:
        headers["Preference-Applied"] = f"odata.maxpagesize={page_size}"
    return DeltaPage(body, headers)


def removed_entry(odata_type: str, reason: str = "deleted") -> Callable[[Doc], dict[str, Any]]:
    """Shapes a tombstone as Graph reports it: type, id and `@removed`."""

    def shape(stone: Doc) -> dict[str, Any]:
        return {
            "@odata.type": f"#microsoft.graph.{odata_type}",
            "id": stone["id"],
            "@removed": {"reason": reason},
        }

    return shape


def _link(request: Request, option: str, token: str) -> str:
    path = quote(request.url.path, safe="/:@()'$=,!")
    return f"{base_url(request)}{path}?{urlencode([(option, token)], safe='$')}"
