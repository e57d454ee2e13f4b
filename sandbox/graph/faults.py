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

A body that is not a fault answers 400 {"error": "..."}. Faults live in the
store, so every worker of the process sees the same ones.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.graph.directory import GraphContext, graph_context
from sandbox.graph.errors import GraphError, error_response
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
}
_LOCK = threading.Lock()


class FaultError(ValueError):
    """A fault the admin endpoint cannot arm; the message says why."""


class FaultBook:
    """The armed faults of the tenant."""

    def __init__(self, store: DocStore) -> None:
        self._store = store

    def arm(self, body: Any) -> Doc:
        """Store a fault described by a POSTed body (FaultError when it is not one)."""
        if not isinstance(body, dict):
            raise FaultError("a fault is a JSON object")
        unknown = sorted(set(body) - set(_SETTINGS))
        if unknown:
            raise FaultError(f"unknown settings: {', '.join(unknown)}")
        for name, expected in _SETTINGS.items():
            value = body.get(name)
            if name in body and (not isinstance(value, expected) or _bool_for_int(value, name)):
                raise FaultError(f"'{name}' has the wrong type")
        try:
            re.compile(body.get("path", ""))
        except re.error as error:
            raise FaultError(f"'path' is not a regular expression: {error}") from None
        status = body.get("status", 429)
        if not 400 <= status <= 599:
            raise FaultError("'status' must be an HTTP error status (400-599)")
        times = body.get("times", 1)
        if times < 1:
            raise FaultError("'times' must be a positive integer")
        code, message = _DEFAULTS.get(status, ("UnknownError", "An error occurred."))
        fault = {
            "id": secrets.token_hex(6),
            "code": code,
            "message": message,
            **body,
            "status": status,
            "times": times,
        }
        self._store.put(FAULTS, fault["id"], fault)
        return fault

    def armed(self) -> list[Doc]:
        return self._store.all(FAULTS)

    def clear(self) -> None:
        with _LOCK:
            for fault in self._store.all(FAULTS):
                self._store.delete(FAULTS, fault["id"])

    def take(self, method: str, path: str, in_batch: bool) -> Doc | None:
        """Spend one hit of the oldest armed fault matching the request, if any."""
        with _LOCK:
            for fault in self._store.all(FAULTS):
                if not _matches(fault, method, path, in_batch):
                    continue
                if fault["times"] > 1:
                    self._store.put(FAULTS, fault["id"], {**fault, "times": fault["times"] - 1})
                else:
                    self._store.delete(FAULTS, fault["id"])
                return fault
        return None


def _bool_for_int(value: Any, name: str) -> bool:
    return isinstance(value, bool) and _SETTINGS[name] is not bool


def _matches(fault: Doc, method: str, path: str, in_batch: bool) -> bool:
    if fault.get("method") and str(fault["method"]).upper() != method.upper():
        return False
    if fault.get("in_batch") is not None and bool(fault["in_batch"]) != in_batch:
        return False
    return re.search(fault.get("path", ""), path) is not None


def fault_error(fault: Doc) -> GraphError:
    """The GraphError an armed fault answers."""
    retry_after = fault.get("retry_after")
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return GraphError(fault["status"], fault["code"], fault["message"], headers=headers)


async def faults(request: Request) -> Response:
    """The admin endpoint (see the module docstring)."""
    book = FaultBook(graph_context(request).store)
    if request.method == "GET":
        return JSONResponse({"faults": book.armed()})
    if request.method == "DELETE":
        book.clear()
        return Response(status_code=204)
    try:
        fault = book.arm(json.loads(await request.body()))
    except (json.JSONDecodeError, UnicodeDecodeError, FaultError) as error:
        return JSONResponse({"error": str(error)}, status_code=400)
    return JSONResponse(fault, status_code=201)


def fault_routes() -> list[Route]:
    return [Route(FAULTS_PATH, faults, methods=["GET", "POST", "DELETE"])]


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
        if fault.get("after"):

            async def discard(message: Message) -> None:
                return None

            await self._app(scope, receive, discard)
        await error_response(Request(scope), fault_error(fault))(scope, receive, send)
