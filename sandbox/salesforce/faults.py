"""Fault injection, so tests running the sandbox as a separate process can make it
fail the way a real org sometimes does.

Admin endpoints, no authentication, JSON, under `/_sandbox/salesforce/faults`:

    POST   {"kind": ..., "times": 1, ...}   arm a fault; 201 with the stored fault (its "id")
    GET                                     200 {"faults": [...]}: the armed faults, oldest first
    DELETE                                  204: disarm every fault

A body that is not a fault answers 400 {"error": "..."} (like the other
/_sandbox endpoints).

Kinds (every kind takes "times", default 1: how many requests it hits before it is spent):

    query_timeout       "object"?, "min_span_days"?
        The next REST query (query/queryAll, first page) on the object (any object when
        absent) answers 400 [{"errorCode": "QUERY_TIMEOUT", "message": "Your query request
        was running for too long."}]. With "min_span_days": N only record queries
        without a LIMIT (not COUNT() or aggregates) whose SystemModstamp/LastModifiedDate
        window is wider than N days time out (no lower bound: unbounded; no upper
        bound: up to now), so a connector that splits the window succeeds.
    bulk_job_failure    "object"?, "message"?
        The next Bulk API 2.0 query job on the object ends in state Failed with that
        errorMessage instead of JobComplete.
    bulk_job_delay      "object"?, "seconds"
        The next Bulk API 2.0 query job on the object stays InProgress for that long.
    server_error        "status"? (503 default, or 500)
        The next call under /services/data answers 503 SERVER_UNAVAILABLE or
        500 UNKNOWN_EXCEPTION with Salesforce's body.
    unable_to_lock_row  "object"?
        The next write (POST/PATCH/PUT/DELETE on sobjects or composite; with "object",
        on that object's sobjects path) answers 400 UNABLE_TO_LOCK_ROW.
    reset               "method"?, "path"?, "after"?
        The next call under /services/data (with "method", only that method; with
        "path", a regular expression searched in the path) gets no answer: the TCP
        connection is dropped (requests.ConnectionError). "after": true runs the
        request first (the write happened, the client saw a reset).
    timeout             "method"?, "path"?, "after"?, "delay_seconds"? (default 5)
        The next matching call gets no answer for delay_seconds, then the connection
        is dropped; the request never runs. "after": true runs it at once and sends
        its answer delay_seconds late. Give the client a shorter read timeout.

Faults live in the store (collection "_faults"), so every handler and middleware
of the process sees the same ones, and a spent fault is gone for all of them.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.faults_core import FaultError, FaultLedger, admin_route, check_types, positive_times
from sandbox.network_faults import NETWORK_KINDS, network_fault
from sandbox.state import Doc, DocStore

FAULTS = "_faults"
FAULTS_PATH = "/_sandbox/salesforce/faults"
QUERY_TIMEOUT_MESSAGE = "Your query request was running for too long."
DEFAULT_BULK_FAILURE = f"Failed to process query: QUERY_TIMEOUT: {QUERY_TIMEOUT_MESSAGE}"
#: Each kind with its optional settings and their types.
KINDS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "query_timeout": {"object": str, "min_span_days": (int, float)},
    "bulk_job_failure": {"object": str, "message": str},
    "bulk_job_delay": {"object": str, "seconds": (int, float)},
    "server_error": {"status": int},
    "unable_to_lock_row": {"object": str},
    "reset": {"method": str, "path": str, "after": bool},
    "timeout": {"method": str, "path": str, "after": bool, "delay_seconds": (int, float)},
}
DEFAULT_DELAY_SECONDS = 5
_WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


class FaultBook(FaultLedger):
    """The armed faults of one org."""

    def __init__(self, store: DocStore) -> None:
        super().__init__(store, FAULTS)

    def arm(self, body: Any) -> Doc:
        """Store a fault described by a POSTed body (FaultError when it is not one)."""
        if not isinstance(body, dict) or body.get("kind") not in KINDS:
            raise FaultError(f"'kind' must be one of: {', '.join(KINDS)}")
        settings = KINDS[body["kind"]]
        unknown = sorted(set(body) - {"kind", "times", *settings})
        if unknown:
            raise FaultError(f"unknown settings for {body['kind']}: {', '.join(unknown)}")
        check_types(body, settings)
        times = positive_times(body)
        if body.get("status", 503) not in (500, 503):
            raise FaultError("'status' must be 500 or 503")
        if body["kind"] == "bulk_job_delay" and "seconds" not in body:
            raise FaultError("bulk_job_delay needs 'seconds'")
        if body["kind"] in NETWORK_KINDS:
            return self.keep({**_network_settings(body), "times": times})
        return self.keep({**body, "times": times})

    def take_network(self, method: str, path: str) -> Doc | None:
        """Spend one hit of the oldest reset or timeout fault matching the request."""
        return self.spend(
            lambda fault: fault["kind"] in NETWORK_KINDS and _matches(fault, method, path)
        )

    def take(self, kind: str, matches: Callable[[Doc], bool] = lambda fault: True) -> Doc | None:
        """Spend one hit of the oldest armed fault of `kind` that `matches`, if any."""
        return self.spend(lambda fault: fault["kind"] == kind and matches(fault))

    def take_for_object(self, kind: str, sobject: str) -> Doc | None:
        """`take` for faults aimed at `sobject` (or at every object)."""
        return self.take(kind, lambda fault: for_object(fault, sobject))


def _network_settings(body: Doc) -> Doc:
    try:
        re.compile(body.get("path", ""))
    except re.error as error:
        raise FaultError(f"'path' is not a regular expression: {error}") from None
    if body.get("delay_seconds", 0) < 0:
        raise FaultError("'delay_seconds' must not be negative")
    if body["kind"] == "timeout":
        return {**body, "delay_seconds": body.get("delay_seconds", DEFAULT_DELAY_SECONDS)}
    return body


def _matches(fault: Doc, method: str, path: str) -> bool:
    if fault.get("method") and str(fault["method"]).upper() != method.upper():
        return False
    return re.search(fault.get("path", ""), path) is not None


def for_object(fault: Doc, sobject: str) -> bool:
    """True when the fault names no object or names this one (any case)."""
    aimed = fault.get("object")
    return aimed is None or str(aimed).lower() == sobject.lower()


def fault_routes(store: DocStore) -> list[Route]:
    """The admin endpoints (see the module docstring)."""
    book = FaultBook(store)
    return [admin_route(FAULTS_PATH, lambda request: book)]


def server_error_body(status: int) -> list[dict[str, str]]:
    if status == 503:
        return [{"errorCode": "SERVER_UNAVAILABLE", "message": "Server too busy"}]
    error_id = f"{secrets.randbelow(10**10)}-{secrets.randbelow(10**6)}"
    return [
        {
            "errorCode": "UNKNOWN_EXCEPTION",
            "message": "An unexpected error occurred. Please include this ErrorId if you "
            f"contact support: {error_id} (-{secrets.randbelow(10**10)})",
        }
    ]


def write_target(method: str, path: str) -> str | None:
    """For a write on sobjects or composite: the object named after `sobjects/` ("" when
    none), else None."""
    if method not in _WRITE_METHODS:
        return None
    segments = path.strip("/").split("/")
    if "sobjects" in segments:
        position = segments.index("sobjects") + 1
        return segments[position] if position < len(segments) else ""
    return "" if "composite" in segments else None


class FaultInjection:
    """ASGI middleware answering armed server_error, unable_to_lock_row, reset and
    timeout faults before the request reaches the API."""

    def __init__(self, app: ASGIApp, store: DocStore) -> None:
        self._app = app
        self._book = FaultBook(store)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/services/data/"):
            dropped = self._book.take_network(scope["method"], scope["path"])
            if dropped is not None:
                delay = float(dropped.get("delay_seconds", 0))
                after = bool(dropped.get("after"))
                app = self._app
                await network_fault(
                    dropped["kind"], app, scope, receive, send, delay_seconds=delay, after=after
                )
                return
            response = self._fault_response(scope["method"], scope["path"])
            if response is not None:
                await response(scope, receive, send)
                return
        await self._app(scope, receive, send)

    def _fault_response(self, method: str, path: str) -> Response | None:
        fault = self._book.take("server_error")
        if fault is not None:
            status = int(fault.get("status", 503))
            return JSONResponse(server_error_body(status), status_code=status)
        target = write_target(method, path)
        if target is None:
            return None
        if self._book.take_for_object("unable_to_lock_row", target) is None:
            return None
        return lock_row_response()


def lock_row_response() -> Response:
    """Salesforce's answer to a write whose record another transaction holds."""
    message = "unable to obtain exclusive access to this record or 1 records"
    return JSONResponse(
        [{"message": message, "errorCode": "UNABLE_TO_LOCK_ROW", "fields": []}], status_code=400
    )
