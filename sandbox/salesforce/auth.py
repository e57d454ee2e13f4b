"""OAuth 2.0 client-credentials login and bearer-token checks.

`POST /services/oauth2/token` answers like Salesforce's token endpoint; issued
tokens live in the store (collection `_tokens`) so they survive a restart and
expire after the configured lifetime. Calls run as the org's integration user:
the first User record, as a connected app's "Run As" user would be.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.ids import salesforce_id, to_id18
from sandbox.salesforce.errors import ApiError
from sandbox.state import DocStore

TOKENS = "_tokens"
ORG_ID = to_id18("00DKz0000000001")


@dataclass(frozen=True)
class Session:
    """Who an authenticated call runs as."""

    user_id: str


def _oauth_error(error: str, description: str) -> Response:
    return JSONResponse({"error": error, "error_description": description}, status_code=400)


def _client_from_basic_auth(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return client_id, secret


class TokenIssuer:
    """Issues and checks access tokens for one connected app."""

    def __init__(
        self,
        store: DocStore,
        *,
        client_id: str,
        client_secret: str,
        lifetime_seconds: int,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._client_id = client_id
        self._client_secret = client_secret
        self._lifetime = lifetime_seconds
        self._clock = clock

    def integration_user_id(self) -> str:
        users = self._store.all("User")
        return str(users[0]["Id"]) if users else salesforce_id("User", 0)

    async def token_endpoint(self, request: Request) -> Response:
        """The OAuth token endpoint: only the client_credentials grant is offered."""
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        if form.get("grant_type") != "client_credentials":
            return _oauth_error("unsupported_grant_type", "grant type not supported")
        client_id, secret = _client_from_basic_auth(request) or (
            form.get("client_id", ""),
            form.get("client_secret", ""),
        )
        if not (
            hmac.compare_digest(client_id.encode(), self._client_id.encode())
            and hmac.compare_digest(secret.encode(), self._client_secret.encode())
        ):
            return _oauth_error("invalid_client", "invalid client credentials")
        return JSONResponse(self._issue(str(request.base_url).rstrip("/")))

    def _issue(self, instance_url: str) -> dict[str, str]:
        now = self._clock().timestamp()
        user_id = self.integration_user_id()
        token = f"{ORG_ID[:15]}!{secrets.token_urlsafe(48)}"
        identity = f"{instance_url}/id/{ORG_ID}/{user_id}"
        issued_at = str(int(now * 1000))
        self._store.put(
            TOKENS,
            token,
            {"user_id": user_id, "issued_at": issued_at, "expires_at": now + self._lifetime},
        )
        signature = hmac.new(
            self._client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256
        ).digest()
        return {
            "access_token": token,
            "instance_url": instance_url,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": base64.b64encode(signature).decode(),
            "scope": "api",
        }

    def session_for(self, request: Request) -> Session:
        """The session behind `Authorization: Bearer|OAuth <token>`, or 401 INVALID_SESSION_ID."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        doc = (
            self._store.get(TOKENS, token.strip())
            if scheme.lower() in ("bearer", "oauth")
            else None
        )
        if doc is None or doc["expires_at"] <= self._clock().timestamp():
            raise ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")
        return Session(str(doc["user_id"]))
