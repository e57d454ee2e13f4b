"""OAuth 2.0 logins at `POST /services/oauth2/token` and bearer-token checks.

Grants, answered like Salesforce's token endpoint:
- `client_credentials`: runs as the org's integration user (the first User, as a
  connected app's "Run As" user would be);
- `urn:ietf:params:oauth:grant-type:jwt-bearer` (when the app has a certificate):
  runs as the assertion's `sub`, an active user's Username;
- `password` (legacy, when a user password is configured): any active user with
  that password, plus the app's client id and secret.

Issued tokens live in the store (collection `_tokens`) so they survive a restart,
and stop working after the configured lifetime or `expire_all()`.
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
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.ids import salesforce_id, to_id18
from sandbox.salesforce.errors import ApiError
from sandbox.salesforce.jwt_grant import (
    JWT_BEARER,
    SALESFORCE_AUDIENCES,
    GrantRefused,
    JwtBearerCheck,
)
from sandbox.state import Doc, DocStore

TOKENS = "_tokens"
META = "_meta"
TOKEN_GENERATION = "token_generation"
ORG_ID = to_id18("00DKz0000000001")


@dataclass(frozen=True)
class Session:
    """Who an authenticated call runs as."""

    user_id: str


def _client_from_basic_auth(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return client_id, secret


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


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
        jwt_certificate_pem: bytes | None = None,
        user_password: str | None = None,
    ) -> None:
        self._store = store
        self._client_id = client_id
        self._client_secret = client_secret
        self._lifetime = lifetime_seconds
        self._clock = clock
        self._jwt = JwtBearerCheck(client_id, jwt_certificate_pem) if jwt_certificate_pem else None
        self._user_password = user_password

    def integration_user_id(self) -> str:
        users = self._store.all("User")
        return str(users[0]["Id"]) if users else salesforce_id("User", 0)

    async def token_endpoint(self, request: Request) -> Response:
        """The OAuth token endpoint; refusals are 400 `{"error", "error_description"}`."""
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        instance_url = str(request.base_url).rstrip("/")
        grant = form.get("grant_type")
        try:
            if grant == "client_credentials":
                self._check_client(request, form)
                return JSONResponse(self._issue(instance_url, self.integration_user_id()))
            if grant == "password" and self._user_password is not None:
                self._check_client(request, form)
                return JSONResponse(self._issue(instance_url, self._password_user(form)))
            if grant == JWT_BEARER and self._jwt is not None:
                audiences = (instance_url, *SALESFORCE_AUDIENCES)
                now = self._clock().timestamp()
                username = self._jwt.subject(form.get("assertion", ""), audiences, now)
                return JSONResponse(self._bearer_answer(instance_url, self._jwt_user(username)))
        except GrantRefused as refused:
            return JSONResponse(
                {"error": refused.error, "error_description": refused.description},
                status_code=400,
            )
        return JSONResponse(
            {"error": "unsupported_grant_type", "error_description": "grant type not supported"},
            status_code=400,
        )

    def _check_client(self, request: Request, form: dict[str, str]) -> None:
        client_id, secret = _client_from_basic_auth(request) or (
            form.get("client_id", ""),
            form.get("client_secret", ""),
        )
        if not _same(client_id, self._client_id):
            raise GrantRefused("invalid_client_id", "client identifier invalid")
        if not _same(secret, self._client_secret):
            raise GrantRefused("invalid_client", "invalid client credentials")

    def _active_user(self, username: str) -> Doc | None:
        wanted = username.casefold()
        for user in self._store.iter("User"):
            if str(user.get("Username", "")).casefold() == wanted and user.get("IsActive"):
                return user
        return None

    def _password_user(self, form: dict[str, str]) -> str:
        user = self._active_user(form.get("username", ""))
        password = self._user_password or ""
        if user is None or not _same(form.get("password", ""), password):
            raise GrantRefused("invalid_grant", "authentication failure")
        return str(user["Id"])

    def _jwt_user(self, username: str) -> str:
        user = self._active_user(username)
        if user is None:
            raise GrantRefused("invalid_grant", "user hasn't approved this consumer")
        return str(user["Id"])

    def _new_token(self, user_id: str) -> tuple[str, str]:
        """Store a fresh token for `user_id`; returns it with its issue time (ms)."""
        now = self._clock().timestamp()
        token = f"{ORG_ID[:15]}!{secrets.token_urlsafe(48)}"
        issued_at = str(int(now * 1000))
        self._store.put(
            TOKENS,
            token,
            {
                "user_id": user_id,
                "issued_at": issued_at,
                "expires_at": now + self._lifetime,
                "generation": self._generation(),
            },
        )
        return token, issued_at

    def _bearer_answer(self, instance_url: str, user_id: str) -> dict[str, Any]:
        """The JWT bearer answer, which has no issued_at or signature."""
        token, _ = self._new_token(user_id)
        return {
            "access_token": token,
            "scope": "api",
            "instance_url": instance_url,
            "id": f"{instance_url}/id/{ORG_ID}/{user_id}",
            "token_type": "Bearer",
        }

    def _issue(self, instance_url: str, user_id: str) -> dict[str, str]:
        token, issued_at = self._new_token(user_id)
        identity = f"{instance_url}/id/{ORG_ID}/{user_id}"
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

    def expire_all(self) -> int:
        """End every session issued so far (the next call with one gets 401); returns
        how many were live. Tokens carry the generation they were issued in."""
        now = self._clock().timestamp()
        generation = self._generation()
        live = sum(
            1
            for doc in self._store.iter(TOKENS)
            if doc["expires_at"] > now and doc.get("generation", 0) == generation
        )
        self._store.put(META, TOKEN_GENERATION, {"generation": generation + 1})
        return live

    def _generation(self) -> int:
        doc = self._store.get(META, TOKEN_GENERATION)
        return int(doc["generation"]) if doc else 0

    def session_for(self, request: Request) -> Session:
        """The session behind `Authorization: Bearer|OAuth <token>`, or 401 INVALID_SESSION_ID."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return self.session_of_token(token if scheme.lower() in ("bearer", "oauth") else "")

    def session_of_token(self, token: str) -> Session:
        """The session an access token (or Bulk API 1.0 session id) opens, else 401."""
        doc = self._store.get(TOKENS, token.strip()) if token.strip() else None
        if (
            doc is None
            or doc["expires_at"] <= self._clock().timestamp()
            or doc.get("generation", 0) != self._generation()
        ):
            raise ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")
        return Session(str(doc["user_id"]))
