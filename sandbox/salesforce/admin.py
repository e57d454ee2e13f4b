"""Test-control endpoints, outside the Salesforce API and without authentication,
so tests that run the sandbox as a separate process can steer it (JSON in and out):

- `POST /_sandbox/salesforce/tokens/expire` -> 200 `{"expired": n}`: every access
  token issued so far stops working; the next call with one gets 401
  INVALID_SESSION_ID, as after a session timeout. New logins work at once.
- `GET /_sandbox/salesforce/limits` -> 200 `{"daily_api_limit", "used", "remaining"}`:
  today's API request allocation (what `/limits` and `Sforce-Limit-Info` report).
- `PUT /_sandbox/salesforce/limits` with `{"daily_api_limit": N, "used": M}` (either
  or both, non-negative integers) -> 200 with the new figures; a `used` at or
  above the limit makes the next API call answer 403 REQUEST_LIMIT_EXCEEDED.
  The limit set here lasts until the process ends; `used` is kept in the store.

A malformed body answers 400 `{"error": "..."}`.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.salesforce.api_usage import ApiUsage
from sandbox.salesforce.auth import TokenIssuer

PREFIX = "/_sandbox/salesforce"


def _count(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer")
    return value


class SandboxControl:
    """The test-control endpoints of one Salesforce stand-in."""

    def __init__(self, tokens: TokenIssuer, usage: ApiUsage) -> None:
        self._tokens = tokens
        self._usage = usage

    def routes(self) -> list[Route]:
        return [
            Route(f"{PREFIX}/tokens/expire", self.expire_tokens, methods=["POST"]),
            Route(f"{PREFIX}/limits", self.limits, methods=["GET", "PUT"]),
        ]

    async def expire_tokens(self, request: Request) -> Response:
        return JSONResponse({"expired": self._tokens.expire_all()})

    async def limits(self, request: Request) -> Response:
        if request.method == "PUT":
            try:
                body = json.loads(await request.body())
                if not isinstance(body, dict):
                    raise ValueError("the body must be a JSON object")
                self._usage.reset(
                    maximum=_count(body, "daily_api_limit"), used=_count(body, "used")
                )
            except ValueError as problem:  # json.JSONDecodeError is a ValueError
                return JSONResponse({"error": str(problem)}, status_code=400)
        used = self._usage.used()
        return JSONResponse(
            {
                "daily_api_limit": self._usage.daily_limit,
                "used": used,
                "remaining": max(self._usage.daily_limit - used, 0),
            }
        )
