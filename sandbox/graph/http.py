"""Request and response plumbing shared by every Graph route.

Absolute URLs (`@odata.context`, `@odata.nextLink`, webUrl) are built from the
URL the client used, so the stand-in works on whatever host and port it runs.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import quote

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.graph.errors import ODATA_JSON, bad_request
from sandbox.graph.payload_names import fold_names


def base_url(request: Request) -> str:
    """Scheme, host and port the client addressed, without a trailing slash."""
    return str(request.base_url).rstrip("/")


def context_url(request: Request, fragment: str) -> str:
    """An `@odata.context` value: the service's $metadata plus `fragment`."""
    return f"{base_url(request)}/v1.0/$metadata#{fragment}"


def segment(value: str) -> str:
    """A key as Graph writes it inside an `@odata.context` path, e.g. users('a%40b.com')."""
    return quote(value, safe="")


def graph_json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(payload, status_code=status, headers=headers, media_type=ODATA_JSON)


def no_content() -> Response:
    return Response(status_code=204)


async def read_json(request: Request) -> dict[str, Any]:
    """The request body as a JSON object (names in any case folded to the documented
    spelling, sandbox/graph/payload_names.py), or Graph's 400 for anything else."""
    raw = await request.body()
    if not raw.strip():
        raise bad_request("Empty Payload. JSON content expected.")
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise bad_request(
            "Unable to read JSON request payload. Please ensure Content-Type header is set "
            "and payload is of valid JSON format."
        )
    folded: dict[str, Any] = fold_names(body)
    return folded


class RequestIdMiddleware:
    """Stamps every response with `request-id` and echoes `client-request-id`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = str(uuid.uuid4())
        client_request_id = _header(scope, b"client-request-id") or request_id
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["client_request_id"] = client_request_id

        async def send_with_ids(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["request-id"] = request_id
                headers["client-request-id"] = client_request_id
                if scope["path"].startswith("/v1.0"):
                    headers["OData-Version"] = "4.0"
            await send(message)

        await self.app(scope, receive, send_with_ids)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None
