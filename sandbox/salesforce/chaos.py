"""Salesforce's chaos kinds, served at `/_sandbox/salesforce/chaos` (the switch:
sandbox/chaos.py).

Chaos hits calls under /services/data; the token endpoint (/services/oauth2)
is never hit, so a client can always log in again. A Composite request is one
call for every kind; each of its subrequests draws on its own, and only the
kinds Salesforce reports per subrequest (unable_to_lock_row, query_timeout)
apply to them, so nothing a subrequest before it wrote is cut off. Kinds:

    server_error        500 UNKNOWN_EXCEPTION or 503 SERVER_UNAVAILABLE
    reset               the TCP connection is dropped with no answer
    timeout             no answer for timeout_seconds, then the connection is dropped
    session_expired     every session issued so far ends; 401 INVALID_SESSION_ID
    unable_to_lock_row  a write (POST/PATCH/PUT/DELETE on sobjects or composite)
                        answers 400 UNABLE_TO_LOCK_ROW
    query_timeout       a REST query (first page of query/queryAll) answers 400
                        QUERY_TIMEOUT
    bulk_job_failed     a Bulk API 2.0 query job creation goes through, but the job
                        ends in state Failed with an errorMessage (it arms the
                        fault book's bulk_job_failure once: the next job fails)
"""

from __future__ import annotations

import re

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.chaos import ChaosMiddleware, Hit
from sandbox.salesforce.api_context import SUBREQUEST
from sandbox.salesforce.auth import TokenIssuer
from sandbox.salesforce.faults import (
    DEFAULT_BULK_FAILURE,
    QUERY_TIMEOUT_MESSAGE,
    FaultBook,
    lock_row_response,
    server_error_body,
    write_target,
)
from sandbox.state import DocStore

CHAOS_PATH = "/_sandbox/salesforce/chaos"
KINDS = (
    *("server_error", "reset", "timeout", "session_expired", "unable_to_lock_row"),
    *("query_timeout", "bulk_job_failed"),
)
_QUERY = re.compile(r"^/services/data/[^/]+/query(All)?/?$")
_PER_SUBREQUEST = ("unable_to_lock_row", "query_timeout")
_BULK_QUERY = re.compile(r"^/services/data/[^/]+/jobs/query/?$")


class SalesforceChaos(ChaosMiddleware):
    """The chaos switch of the Salesforce stand-in."""

    admin_path = CHAOS_PATH
    kinds = KINDS

    def __init__(self, app: ASGIApp, store: DocStore, tokens: TokenIssuer) -> None:
        super().__init__(app)
        self._book = FaultBook(store)
        self._tokens = tokens

    def offered(self, scope: Scope) -> bool:
        return bool(scope["path"].startswith("/services/data/"))

    def applies(self, kind: str, scope: Scope) -> bool:
        method, path = scope["method"], scope["path"]
        if scope.get(SUBREQUEST) and kind not in _PER_SUBREQUEST:
            return False
        if kind == "unable_to_lock_row":
            return write_target(method, path) is not None
        if kind == "query_timeout":
            return method == "GET" and _QUERY.match(path) is not None
        if kind == "bulk_job_failed":
            return method == "POST" and _BULK_QUERY.match(path) is not None
        return True

    async def inject(self, hit: Hit, scope: Scope, receive: Receive, send: Send) -> None:
        if hit.kind == "bulk_job_failed":
            self._book.arm({"kind": "bulk_job_failure", "message": DEFAULT_BULK_FAILURE})
            await self.app(scope, receive, send)
            return
        await self._answer(hit)(scope, receive, send)

    def _answer(self, hit: Hit) -> Response:
        if hit.kind == "server_error":
            status = hit.pick((500, 503))
            return JSONResponse(server_error_body(status), status_code=status)
        if hit.kind == "unable_to_lock_row":
            return lock_row_response()
        if hit.kind == "query_timeout":
            body = [{"message": QUERY_TIMEOUT_MESSAGE, "errorCode": "QUERY_TIMEOUT"}]
            return JSONResponse(body, status_code=400)
        self._tokens.expire_all()
        body = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
        return JSONResponse(body, status_code=401)
