"""Graph's chaos kinds, served at `/_sandbox/graph/chaos` (the switch: sandbox/chaos.py).

Chaos hits /v1.0 requests that passed the bearer check; the authority's token
endpoint is never hit, so a client can always renew. A `$batch` is one
request for every kind but `batch_item`; each item inside it draws on its
own, and only `batch_item` applies to items. Kinds:

    throttle_retry_after  429 TooManyRequests with Retry-After: 1
    throttle              429 TooManyRequests without Retry-After
    server_error          500, 502, 503 or 504 (503 without Retry-After)
    reset                 the TCP connection is dropped with no answer
    timeout               no answer for timeout_seconds, then the connection is dropped
    token_expired         every token issued so far expires; 401 InvalidAuthenticationToken
    batch_item            a `$batch` item answers 429 (Retry-After: 1), 503 or 401 (the
                          401 expires every token, as when one lapses mid-batch)
    delta_gone            a delta request answers 410 SyncStateNotFound

An Entra token lives an hour or more, so none lapses seconds after it was
issued: a request whose token is younger than `FRESH_TOKEN_SECONDS` drawn for
a 401 gets 503 with Retry-After instead. A client that renews and resends is
therefore never refused again for the token it just got, as with real Graph,
where a fresh token refused means the credentials are wrong.
"""

from __future__ import annotations

import base64
import json
import re
import time

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.chaos import ChaosMiddleware, Hit
from sandbox.graph.delta_tokens import sync_state_not_found
from sandbox.graph.directory import GraphContext
from sandbox.graph.errors import GraphError, error_response
from sandbox.graph.faults import IN_BATCH, default_error
from sandbox.graph.tokens import expire_all, verify_bearer

CHAOS_PATH = "/_sandbox/graph/chaos"
KINDS = (
    *("throttle_retry_after", "throttle", "server_error", "reset", "timeout"),
    *("token_expired", "batch_item", "delta_gone"),
)
_DELTA = re.compile(r"/(microsoft\.graph\.)?delta(\(\))?$")
_RETRY_AFTER = {"Retry-After": "1"}
#: A token issued this recently is never expired by chaos (see the module docstring).
FRESH_TOKEN_SECONDS = 5.0


class GraphChaos(ChaosMiddleware):
    """The chaos switch of the Graph stand-in."""

    admin_path = CHAOS_PATH
    kinds = KINDS

    def __init__(self, app: ASGIApp, context: GraphContext) -> None:
        super().__init__(app)
        self._context = context

    def offered(self, scope: Scope) -> bool:
        return bool(scope["path"].startswith("/v1.0"))

    def applies(self, kind: str, scope: Scope) -> bool:
        if scope.get(IN_BATCH):
            return kind == "batch_item"
        if kind == "batch_item":
            return False
        if kind == "delta_gone":
            return scope["method"] == "GET" and _DELTA.search(scope["path"]) is not None
        return True

    async def inject(self, hit: Hit, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        await error_response(request, self._error(hit, request))(scope, receive, send)

    def _error(self, hit: Hit, request: Request) -> GraphError:
        if hit.kind == "throttle_retry_after":
            return default_error(429, _RETRY_AFTER)
        if hit.kind == "throttle":
            return default_error(429)
        if hit.kind == "server_error":
            return default_error(hit.pick((500, 502, 503, 504)))
        if hit.kind == "delta_gone":
            return sync_state_not_found(hit.pick(range(100, 200)), 300)
        if hit.kind == "batch_item":
            status = hit.pick((429, 503, 401))
            if status != 401:
                return default_error(status, _RETRY_AFTER if status == 429 else None)
        return self._expired(request)

    def _expired(self, request: Request) -> GraphError:
        """Expire every token, then answer the 401 the bearer check gives for this one."""
        authorization = request.headers.get("authorization")
        if _token_age(authorization) < FRESH_TOKEN_SECONDS:
            return default_error(503, _RETRY_AFTER)
        expire_all(self._context)
        try:
            verify_bearer(self._context, request.headers.get("authorization"))
        except GraphError as error:
            return error
        return default_error(401)


def _token_age(authorization: str | None) -> float:
    """Seconds since the bearer token's `iat`; infinite when it has none to read."""
    token = (authorization or "").partition(" ")[2].strip()
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return time.time() - float(claims["iat"])
    except (IndexError, ValueError, KeyError, TypeError):
        return float("inf")
