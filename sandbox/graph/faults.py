"""Fault injection, so tests running the sandbox as a separate process can make
Graph fail the way it sometimes does.

Admin endpoints, no authentication, JSON, under `/_sandbox/graph/faults`:

    POST   {"path": ..., "status": 429, ...}   arm a fault; 201 with the stored fault (its "id")
    GET                                        200 {"faults": [...]}: armed faults, oldest first
    DELETE                                     204: disarm every fault

Settings (all optional):

    method          "GET", "POST", ...: only requests with this method (any when absent)
    path            a regular expression searched in the request path, e.g.
                    "/todo/lists/[^/]+/tasks$" (paths start with /v1.0; any when absent)
    in_batch        true: only items inside a `$batch`; false: only direct requests
    status          the answer's status (default 429)
    code, message   Graph's error code and message (defaults follow the status)
    retry_after     seconds, sent as `Retry-After`; absent or null: no header
    after           true: the request IS executed, then its answer is replaced by
                    the error (the write happened but the client saw a failure)
    times           how many matching requests it hits before it is spent (default 1)
    network         "reset" or "timeout": a network fault instead of an HTTP error
                    (then no status, code, message or retry_after):
                    "reset": the TCP connection is dropped with no answer (the client
                      sees requests.ConnectionError: "Connection reset by peer", or
                      over TLS "RemoteDisconnected"); with after: true the request
                      runs first;
                    "timeout": nothing is answered for delay_seconds, then the
                      connection is dropped and the request never runs; with
                      after: true it runs at once and its answer comes delay_seconds late
    delay_seconds   for "timeout": how long the answer waits (default 5); set it longer
                    than the client's read timeout to make it time out

A network fault that hits a `$batch` item (in_batch: true, or a path only items
match) drops the whole `$batch` connection at that item: the items dispatched
before it have run, that item and the ones after it do not (after: true runs
that item first). To drop a batch before anything runs, match the `$batch`
request itself ("path": "/\\$batch$", in_batch: false). See sandbox/network_faults.py.

A body that is not a fault answers 400 {"error": "..."}. Faults live in the
store, so every worker of the process sees the same ones.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.faults_core import FaultError, FaultLedger, admin_route, check_types, positive_times
from sandbox.graph.directory import GraphContext, graph_context
from sandbox.graph.errors import GraphError, error_response
from sandbox.network_faults import NETWORK_KINDS, network_fault
from sandbox.state import Doc, DocStore

FAULTS = "graph/faults"
FAULTS_PATH = "/_sandbox/graph/faults"
#: Scope key set by `$batch` on each item it dispatches.
IN_BATCH = "sandbox.graph.in_batch"
_DEFAULTS = {
    400: ("BadRequest", "Invalid request."),
    401: ("InvalidAuthenticationToken", "Lifetime validation failed, the token is expired."),
    404: ("ErrorItemNotFound", "The specified object was not found in the store."),
    409: ("ErrorIrresolvableConflict", "The send or update operation could not be performed."),
    429: ("TooManyRequests", "Too many requests."),
    500: ("InternalServerError", "An internal server error occurred."),
    502: ("BadGateway", "Bad gateway."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable."),
    504: ("GatewayTimeout", "Gateway timeout."),
}
_SETTINGS: dict[str, type | tuple[type, ...]] = {
    "method": str,
    "path": str,
    "in_batch": bool,
    "status": int,
    "code": str,
    "message": str,
    "retry_after": (int, type(None)),
    "after": bool,
    "times": int,
    "network": str,
    "delay_seconds": (int, float),
}
_HTTP_ONLY = ("status", "code", "message", "retry_after")
DEFAULT_DELAY_SECONDS = 5


class FaultBook(FaultLedger):
    """The armed faults of the tenant."""

    def __init__(self, store: DocStore) -> None:
        super().__init__(store, FAULTS)

    def arm(self, body: Any) -> Doc:
        """Store a fault described by a POSTed body (FaultError when it is not one)."""
        if not isinstance(body, dict):
            raise FaultError("a fault is a JSON object")
        unknown = sorted(set(body) - set(_SETTINGS))
        if unknown:
            raise FaultError(f"unknown settings: {', '.join(unknown)}")
        check_types(body, _SETTINGS)
        try:
            re.compile(body.get("path", ""))
        except re.error as error:
            raise FaultError(f"'path' is not a regular expression: {error}") from None
        if "network" in body or "delay_seconds" in body:
            return self.keep(_network_fault(body))
        status = body.get("status", 429)
        if not 400 <= status <= 599:
            raise FaultError("'status' must be an HTTP error status (400-599)")
        times = positive_times(body)
        code, message = _DEFAULTS.get(status, ("UnknownError", "An error occurred."))
        return self.keep(
            {"code": code, "message": message, **body, "status": status, "times": times}
        )

    def take(self, method: str, path: str, in_batch: bool) -> Doc | None:
        """Spend one hit of the oldest armed fault matching the request, if any."""
        return self.spend(lambda fault: _matches(fault, method, path, in_batch))


def _network_fault(body: Doc) -> Doc:
    """A validated reset or timeout fault (FaultError when it is not one)."""
    if body.get("network") not in NETWORK_KINDS:
        raise FaultError(f"'network' must be one of: {', '.join(NETWORK_KINDS)}")
    mixed = [name for name in _HTTP_ONLY if name in body]
    if mixed:
        raise FaultError(f"a network fault answers no HTTP error: drop {', '.join(mixed)}")
    delay = body.get("delay_seconds", DEFAULT_DELAY_SECONDS)
    if body["network"] == "reset" and "delay_seconds" in body:
        raise FaultError("'delay_seconds' is for timeout faults")
    if delay < 0:
        raise FaultError("'delay_seconds' must not be negative")
    fault = {**body, "times": positive_times(body)}
    if body["network"] == "timeout":
        fault["delay_seconds"] = delay
    return fault


def _matches(fault: Doc, method: str, path: str, in_batch: bool) -> bool:
    if fault.get("method") and str(fault["method"]).upper() != method.upper():
        return False
    if fault.get("in_batch") is not None and bool(fault["in_batch"]) != in_batch:
        return False
    return re.search(fault.get("path", ""), path) is not None


def default_error(status: int, headers: dict[str, str] | None = None) -> GraphError:
    """Graph's usual error for `status` (what a fault without code and message answers)."""
    code, message = _DEFAULTS.get(status, ("UnknownError", "An error occurred."))
    return GraphError(status, code, message, headers=headers)


def fault_error(fault: Doc) -> GraphError:
    """The GraphError an armed fault answers."""
    retry_after = fault.get("retry_after")
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return GraphError(fault["status"], fault["code"], fault["message"], headers=headers)


def fault_routes() -> list[Route]:
    """The admin endpoint (see the module docstring)."""
    return [admin_route(FAULTS_PATH, lambda request: FaultBook(graph_context(request).store))]


class FaultInjection:
    """ASGI middleware answering armed faults for /v1.0 requests (and `$batch` items)."""

    def __init__(self, app: ASGIApp, context: GraphContext) -> None:
        self._app = app
        self._book = FaultBook(context.store)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1.0"):
            await self._app(scope, receive, send)
            return
        fault = self._book.take(scope["method"], scope["path"], bool(scope.get(IN_BATCH)))
        if fault is None:
            await self._app(scope, receive, send)
            return
        if fault.get("network"):
            delay = float(fault.get("delay_seconds", 0))
            after = bool(fault.get("after"))
            await network_fault(
                fault["network"], self._app, scope, receive, send, delay_seconds=delay, after=after
            )
            return
        if fault.get("after"):

            async def discard(message: Message) -> None:
                return None

            await self._app(scope, receive, discard)
        await error_response(Request(scope), fault_error(fault))(scope, receive, send)
