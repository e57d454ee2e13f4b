"""Test-control endpoint for delta sync states, outside Graph and without authentication:

- `POST /_sandbox/graph/sync-states/expire` -> 200 `{"epoch": n}`: every delta
  and skip token handed out so far stops working; the next delta call with one
  answers `410 SyncStateNotFound`, as when Exchange drops a sync state. A
  fresh round (no token) works at once.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.graph.delta import expire_sync_states
from sandbox.graph.directory import graph_context

PREFIX = "/_sandbox/graph"


async def expire(request: Request) -> Response:
    return JSONResponse({"epoch": expire_sync_states(graph_context(request).store)})


def sync_admin_routes() -> list[Route]:
    return [Route(f"{PREFIX}/sync-states/expire", expire, methods=["POST"])]
