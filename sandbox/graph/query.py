"""System query options and server-driven paging, as every collection uses them.

A route declares its resource type and paging rules; this module validates
`$select/$filter/$orderby/$top/$skip/$skiptoken/$expand` and the
`Prefer: odata.maxpagesize` header, refuses what it does not support with the
owning service's error, and builds pages with absolute `@odata.nextLink`s.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import Response

from sandbox.graph.errors import GraphError, bad_request
from sandbox.graph.expand import parse_expand, with_expansions
from sandbox.graph.http import base_url, graph_json
from sandbox.graph.odata import (
    Node,
    ODataSyntaxError,
    OrderKey,
    filter_paths,
    functions_used,
    parse_filter,
    parse_orderby,
)
from sandbox.graph.odata_eval import matches, sort_documents
from sandbox.graph.schema import ResourceType

Doc = dict[str, Any]

_ENTITY_OPTIONS = frozenset({"$select", "$expand"})
_COLLECTION_OPTIONS = _ENTITY_OPTIONS | {"$top", "$skip", "$skiptoken", "$filter", "$orderby"}
# Functions a service refuses: the directory needs advanced-query headers the stand-in lacks.
_UNSUPPORTED_FUNCTIONS = {"directory": frozenset({"contains", "endswith", "all"})}


@dataclass(frozen=True)
class Paging:
    """How a collection pages: sizes, and whether nextLinks carry $skip or $skiptoken."""

    default_size: int
    max_size: int
    style: str = "skip"
    #: the directory answers 400 to an out-of-range $top instead of capping it
    strict_top: bool = False


@dataclass
class CollectionQuery:
    page_size: int
    offset: int = 0
    select: list[str] | None = None
    filter: Node | None = None
    orderby: list[OrderKey] = field(default_factory=list)
    expand: set[str] = field(default_factory=set)
    #: extended-property collection -> the `$filter` choosing which properties to show
    extended: dict[str, Node] = field(default_factory=dict)
    preference_applied: str | None = None

    def apply(self, docs: list[Doc], default_order: list[OrderKey] | None = None) -> list[Doc]:
        """The documents that pass `$filter`, in `$orderby` (or the default) order."""
        kept = [doc for doc in docs if self.filter is None or matches(self.filter, doc)]
        order = self.orderby or default_order or []
        return sort_documents(kept, order) if order else kept


def parse_entity_options(
    request: Request, resource: ResourceType, expandable: frozenset[str] = frozenset()
) -> tuple[list[str] | None, set[str]]:
    """`$select` and `$expand` of a single-entity GET (see `entity_expansions` for the
    extended properties an `$expand` asks for)."""
    _reject_unknown_options(request, _ENTITY_OPTIONS)
    params = request.query_params
    names, _ = parse_expand(params, expandable, resource)
    return _parse_select(params.get("$select"), resource), names


def parse_collection_query(
    request: Request,
    resource: ResourceType,
    paging: Paging,
    *,
    expandable: frozenset[str] = frozenset(),
    orderby_follows_filter: bool = False,
) -> CollectionQuery:
    """Every query option of a collection GET, validated against `resource`."""
    _reject_unknown_options(request, _COLLECTION_OPTIONS)
    params = request.query_params
    query = CollectionQuery(page_size=paging.default_size)
    query.select = _parse_select(params.get("$select"), resource)
    query.expand, query.extended = parse_expand(params, expandable, resource)
    if "$filter" in params:
        query.filter = _parse_filter_option(params["$filter"], resource)
    if "$orderby" in params:
        query.orderby = _parse_orderby_option(params["$orderby"], resource)
    if orderby_follows_filter and query.filter is not None and query.orderby:
        _require_orderby_in_filter(query.filter, query.orderby)
    _apply_page_options(request, query, paging)
    return query


def page_response(
    request: Request,
    docs: list[Doc],
    query: CollectionQuery,
    paging: Paging,
    context: str,
    shape: Callable[[Doc], dict[str, Any]],
) -> Response:
    """One page of `docs` (already filtered and ordered) with Graph's envelope."""
    end = query.offset + query.page_size
    payload: dict[str, Any] = {"@odata.context": context}
    page = docs[query.offset : end]
    payload["value"] = [with_expansions(shape(doc), doc, query.extended) for doc in page]
    if end < len(docs):
        payload["@odata.nextLink"] = _next_link(request, end, paging)
    headers = {"Preference-Applied": query.preference_applied} if query.preference_applied else {}
    return graph_json(payload, headers=headers)


def select_suffix(select: list[str] | None) -> str:
    """The `(a,b)` an `@odata.context` carries after a `$select`."""
    return f"({','.join(select)})" if select else ""


def project(doc: Doc, resource: ResourceType, select: list[str] | None) -> dict[str, Any]:
    """The properties a response carries: selected ones, else the type's defaults."""
    visible = {k: v for k, v in doc.items() if not k.startswith("_")}
    if select:
        chosen = [name for name in select if name != "id"]
        shaped = {k: visible[k] for k in ("@odata.etag", "id") if k in visible}
        return shaped | {name: visible.get(name) for name in chosen}
    if resource.defaults is not None:
        return {name: visible.get(name) for name in resource.defaults}
    return {k: v for k, v in visible.items() if k not in resource.select_only}


def _reject_unknown_options(request: Request, allowed: frozenset[str]) -> None:
    for name in request.query_params:
        if name.startswith("$") and name not in allowed:
            raise bad_request(f"The query parameter '{name}' is not supported.")


def _parse_select(text: str | None, resource: ResourceType) -> list[str] | None:
    if text is None:
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        if name not in resource.properties:
            raise _unknown_property(resource, name, selecting=True)
    return names


def _parse_filter_option(text: str, resource: ResourceType) -> Node:
    try:
        node = parse_filter(text)
    except ODataSyntaxError as exc:
        raise bad_request(f"Invalid filter clause: {exc}") from exc
    for path in filter_paths(node):
        if path[0] not in resource.properties | resource.extended:
            raise _unknown_property(resource, path[0])
    if functions_used(node) & _UNSUPPORTED_FUNCTIONS.get(resource.family, frozenset()):
        raise GraphError(400, "Request_UnsupportedQuery", "Unsupported Query.")
    return node


def _parse_orderby_option(text: str, resource: ResourceType) -> list[OrderKey]:
    try:
        keys = parse_orderby(text)
    except ODataSyntaxError as exc:
        raise bad_request(f"Invalid orderby clause: {exc}") from exc
    for key in keys:
        if key.path[0] not in resource.properties:
            raise _unknown_property(resource, key.path[0])
    return keys


def _require_orderby_in_filter(node: Node, keys: list[OrderKey]) -> None:
    """Exchange's rule: sorted properties must lead the filter, in the same order."""
    filtered: list[str] = []
    for path in filter_paths(node):
        name = "/".join(path).lower()
        if name not in filtered:
            filtered.append(name)
    sorted_names = ["/".join(key.path).lower() for key in keys]
    if filtered[: len(sorted_names)] != sorted_names:
        message = "The restriction or sort order is too complex for this operation."
        raise GraphError(400, "InefficientFilter", message)


def _apply_page_options(request: Request, query: CollectionQuery, paging: Paging) -> None:
    params = request.query_params
    if "$top" in params:
        query.page_size = _page_size(params["$top"], paging)
    max_page = preferred_page_size(request)
    if max_page is not None:
        requested = query.page_size if "$top" in params else max_page
        query.page_size = min(requested, max_page, paging.max_size)
        query.preference_applied = f"odata.maxpagesize={query.page_size}"
    if "$skip" in params:
        query.offset = _non_negative(params["$skip"], "$skip")
    if "$skiptoken" in params:
        query.offset = _decode_skiptoken(params["$skiptoken"])


def _page_size(text: str, paging: Paging) -> int:
    size = int(text) if text.isdigit() else -1
    if paging.strict_top and not 1 <= size <= paging.max_size:
        limits = f"Must be between 1 and {paging.max_size} inclusive."
        raise GraphError(
            400, "Request_BadRequest", f"Invalid page size specified: '{text}'. {limits}"
        )
    if size < 1:
        raise bad_request(f"Invalid value '{text}' for query option '$top'.")
    return min(size, paging.max_size)


def preferred_page_size(request: Request) -> int | None:
    """The `Prefer: odata.maxpagesize=N` of this request, if any."""
    for preference in request.headers.get("prefer", "").split(","):
        name, _, value = preference.strip().partition("=")
        if name.strip().lower() == "odata.maxpagesize" and value.strip().isdigit():
            return max(1, int(value.strip()))
    return None


def _non_negative(text: str, option: str) -> int:
    if not text.isdigit():
        raise bad_request(f"Invalid value '{text}' for query option '{option}'.")
    return int(text)


def _encode_skiptoken(offset: int) -> str:
    raw = json.dumps({"offset": offset}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_skiptoken(token: str) -> int:
    invalid = GraphError(400, "Request_BadRequest", "The specified page token value is invalid.")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        offset = json.loads(raw)["offset"]
    except (ValueError, KeyError, TypeError) as exc:
        raise invalid from exc
    if not isinstance(offset, int) or offset < 0:
        raise invalid
    return offset


def _next_link(request: Request, offset: int, paging: Paging) -> str:
    params = [
        (k, v) for k, v in request.query_params.multi_items() if k not in ("$skip", "$skiptoken")
    ]
    if paging.style == "skiptoken":
        params.append(("$skiptoken", _encode_skiptoken(offset)))
    else:
        params.append(("$skip", str(offset)))
    path = quote(request.url.path, safe="/:@()'$=,!")
    query = urlencode(params, quote_via=quote, safe="$'(),:/@")
    return f"{base_url(request)}{path}?{query}"


def _unknown_property(resource: ResourceType, name: str, *, selecting: bool = False) -> GraphError:
    message = f"Could not find a property named '{name}' on type 'microsoft.graph.{resource.name}'."
    if resource.family == "outlook":
        return GraphError(400, "RequestBroker--ParseUri", message)
    if selecting:
        return bad_request(f"Parsing OData Select and Expand failed: {message}")
    code = "Request_BadRequest" if resource.family == "directory" else "BadRequest"
    return GraphError(400, code, message)
