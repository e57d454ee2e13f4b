"""Test-control endpoints of the Graph stand-in, outside Graph and without
authentication, so tests running the sandbox as a separate process can steer
it (JSON in and out):

- `POST /_sandbox/graph/tokens/expire` -> 200 `{"expired": n}`: every access
  token issued so far stops working; the next call with one answers 401
  InvalidAuthenticationToken ("Lifetime validation failed, the token is
  expired."). New tokens from the token endpoint work at once.
- `GET /_sandbox/graph/limits` -> 200 `{"concurrency", "budget",
  "window_seconds", "omit_retry_after_every", "latency_ms", "used": {mailbox:
  n}, "throttled": n}` (see sandbox/graph/limits.py and
  sandbox/graph/latency.py); `throttled` counts the 429 answers given.
- `PUT /_sandbox/graph/limits` with any of those settings (integers) and
  optionally `"reset": true` (forget the requests and 429s counted so far) -> 200 with
  the new figures. Limits set here last until the process ends.

A malformed body answers 400 `{"error": "..."}`.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.graph.directory import graph_context
from sandbox.graph.limits import Limiter
from sandbox.graph.tokens import expire_all

PREFIX = "/_sandbox/graph"


def limiter_of(request: Request) -> Limiter:
    limiter: Limiter = request.app.state.limiter
    return limiter


async def expire_tokens(request: Request) -> Response:
    return JSONResponse({"expired": expire_all(graph_context(request))})


async def limits(request: Request) -> Response:
    limiter = limiter_of(request)
    if request.method == "PUT":
        try:
            body = json.loads(await request.body())
            limiter.settings.update(body)
        except ValueError as problem:  # json.JSONDecodeError is a ValueError
            return JSONResponse({"error": str(problem)}, status_code=400)
        if body.get("reset"):
            limiter.reset()
    figures = {"used": limiter.usage(), "throttled": limiter.throttled()}
    return JSONResponse({**asdict(limiter.settings), **figures})


def admin_routes() -> list[Route]:
    return [
        Route(f"{PREFIX}/tokens/expire", expire_tokens, methods=["POST"]),
        Route(f"{PREFIX}/limits", limits, methods=["GET", "PUT"]),
    ]
