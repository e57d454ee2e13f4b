"""App-only access tokens: issued by the authority, demanded by every /v1.0 call.

Tokens look like Entra's (a JWT whose claims carry aud, iss, tid, appid,
roles, exp) but are signed with a sandbox key (HS256): clients must treat
them as opaque, as Microsoft tells them to. Each issued token is remembered
in the store, so a restarted sandbox still honours it until it expires.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.graph.directory import TOKENS, GraphContext
from sandbox.graph.errors import GraphError, error_response
from sandbox.ids import graph_guid

#: Application permissions the sandbox app registration has been granted.
ROLES = [
    "User.Read.All",
    "Mail.ReadWrite",
    "Mail.Send",
    "Calendars.Read",
    "Tasks.ReadWrite.All",
    "Files.ReadWrite.All",
]

_WWW_AUTHENTICATE = (
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize",'
    ' client_id="00000003-0000-0000-c000-000000000000"'
)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(context: GraphContext, audience: str) -> dict[str, Any]:
    """Mint and remember an access token; returns the token endpoint's JSON body."""
    now = int(time.time())
    lifetime = context.token_lifetime_seconds
    service_principal = graph_guid("service-principal", context.client_id)
    claims = {
        "aud": audience,
        "iss": f"https://sts.windows.net/{context.tenant_id}/",
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "appid": context.client_id,
        "appidacr": "1",
        "idtyp": "app",
        "oid": service_principal,
        "sub": service_principal,
        "roles": ROLES,
        "tid": context.tenant_id,
        "uti": _b64url(uuid.uuid4().bytes),
        "ver": "1.0",
    }
    header = {"typ": "JWT", "alg": "HS256", "kid": "kamsync-sandbox"}
    signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
    signature = hmac.new(context.signing_key, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{_b64url(signature)}"
    _forget_expired(context, now)
    fingerprint = _fingerprint(token)
    record = {"fingerprint": fingerprint, "exp": now + lifetime, "appid": context.client_id}
    context.store.put(TOKENS, fingerprint, record)
    expires_in = lifetime - 1
    return {
        "token_type": "Bearer",
        "expires_in": expires_in,
        "ext_expires_in": expires_in,
        "access_token": token,
    }


def _forget_expired(context: GraphContext, now: int) -> None:
    for record in context.store.all(TOKENS):
        if record["exp"] <= now:
            context.store.delete(TOKENS, record["fingerprint"])


def expire_all(context: GraphContext) -> int:
    """Make every token issued so far answer 401 expired; returns how many were live."""
    now = int(time.time())
    live = [record for record in context.store.all(TOKENS) if record["exp"] > now]
    for record in live:
        context.store.put(TOKENS, record["fingerprint"], {**record, "exp": now})
    return len(live)


def verify_bearer(context: GraphContext, authorization: str | None) -> None:
    """Accept a live token this sandbox issued; otherwise raise Graph's 401."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthenticated("Access token is empty.")
    if token.count(".") != 2:
        raise _unauthenticated(
            "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in "
            "JWS or JWE Compact Serialization Format."
        )
    record = context.store.get(TOKENS, _fingerprint(token))
    if record is None:
        raise _unauthenticated("Invalid signature.")
    if record["exp"] <= time.time():
        raise _unauthenticated("Lifetime validation failed, the token is expired.")


def _unauthenticated(message: str) -> GraphError:
    return GraphError(
        401,
        "InvalidAuthenticationToken",
        message,
        headers={"WWW-Authenticate": _WWW_AUTHENTICATE},
    )


class BearerAuthMiddleware:
    """Refuses any /v1.0 request without a live token, before routing."""

    def __init__(self, app: ASGIApp, context: GraphContext) -> None:
        self.app = app
        self.context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/v1.0"):
            request = Request(scope)
            try:
                verify_bearer(self.context, request.headers.get("authorization"))
            except GraphError as error:
                await error_response(request, error)(scope, receive, send)
                return
        await self.app(scope, receive, send)
