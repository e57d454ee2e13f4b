"""The Entra ID authority: OIDC discovery and the v2.0 token endpoint.

Only the client-credentials grant exists here (kamsync runs as an app), with a
client secret or a certificate-signed client assertion (sandbox.graph.assertion).
The tenant segment may be the tenant id or its domain; failures answer with
Entra's AADSTS error body so msal reports them as it would in production.
"""

from __future__ import annotations

import base64
import hmac
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qsl, unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.graph.assertion import (
    JWT_BEARER,
    AssertionRefused,
    check_assertion,
    registered_certificate,
)
from sandbox.graph.directory import GraphContext, graph_context
from sandbox.graph.http import base_url
from sandbox.graph.tokens import issue_token

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
PUBLIC_GRAPH = "https://graph.microsoft.com"


class AuthorityError(Exception):
    """An Entra failure: OAuth error name, AADSTS number, description, status."""

    def __init__(self, status: int, error: str, number: int, description: str) -> None:
        super().__init__(f"AADSTS{number}: {description}")
        self.status = status
        self.error = error
        self.number = number
        self.description = description


def aadsts_response(request: Request, failure: AuthorityError) -> JSONResponse:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    trace_id = str(uuid.uuid4())
    correlation_id = request.headers.get("client-request-id") or str(uuid.uuid4())
    description = (
        f"AADSTS{failure.number}: {failure.description}\r\nTrace ID: {trace_id}\r\n"
        f"Correlation ID: {correlation_id}\r\nTimestamp: {now}"
    )
    body = {
        "error": failure.error,
        "error_description": description,
        "error_codes": [failure.number],
        "timestamp": now,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"{base_url(request)}/error?code={failure.number}",
    }
    return JSONResponse(body, status_code=failure.status)


def _check_tenant(context: GraphContext, tenant: str, error: str) -> None:
    if tenant.lower() not in (context.tenant_id.lower(), context.tenant_domain().lower()):
        raise AuthorityError(
            400,
            error,
            90002,
            f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and "
            "are signing into the correct cloud. Check with your subscription administrator, "
            "this may happen if there are no active subscriptions for the tenant.",
        )


async def openid_configuration(request: Request) -> Response:
    """OIDC discovery for the tenant, with every endpoint on this host."""
    context = graph_context(request)
    try:
        _check_tenant(context, request.path_params["tenant"], "invalid_tenant")
    except AuthorityError as failure:
        return aadsts_response(request, failure)
    root = f"{base_url(request)}/{context.tenant_id}"
    return JSONResponse(
        {
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{root}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{root}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{base_url(request)}/oidc/userinfo",
            "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
            "kerberos_endpoint": f"{root}/kerberos",
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": request.url.netloc,
            "rbac_url": "https://pas.windows.net",
        }
    )


async def token(request: Request) -> Response:
    """POST /{tenant}/oauth2/v2.0/token with grant_type=client_credentials."""
    context = graph_context(request)
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    try:
        _check_tenant(context, request.path_params["tenant"], "invalid_request")
        audiences = _assertion_audiences(request, context)
        _authenticate_client(context, form, request.headers.get("authorization"), audiences)
        audience = _audience(request, form)
    except AuthorityError as failure:
        return aadsts_response(request, failure)
    return JSONResponse(issue_token(context, audience))


def _missing(name: str) -> AuthorityError:
    message = f"The request body must contain the following parameter: '{name}'."
    return AuthorityError(400, "invalid_request", 900144, message)


def _assertion_audiences(request: Request, context: GraphContext) -> list[str]:
    """The token endpoints (v2.0 and v1) of this tenant, by id or domain."""
    root = base_url(request)
    tenants = (context.tenant_id, context.tenant_domain())
    return [f"{root}/{t}/oauth2/{path}" for t in tenants for path in ("v2.0/token", "token")]


def _authenticate_client(
    context: GraphContext, form: dict[str, str], basic: str | None, audiences: list[str]
) -> None:
    """Entra's checks, in its order: grant type, client id, then assertion or secret."""
    basic_id, basic_secret = _basic_credentials(basic)
    grant_type = form.get("grant_type")
    if not grant_type:
        raise _missing("grant_type")
    if grant_type != "client_credentials":
        raise AuthorityError(
            400,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type.",
        )
    client_id = form.get("client_id") or basic_id
    if not client_id:
        raise _missing("client_id")
    if client_id.lower() != context.client_id.lower():
        raise AuthorityError(
            400,
            "unauthorized_client",
            700016,
            f"Application with identifier '{client_id}' was not found in the directory "
            f"'{context.tenant_domain()}'. This can happen if the application has not been "
            "installed by the administrator of the tenant or consented to by any user in the "
            "tenant. You may have sent your authentication request to the wrong tenant.",
        )
    if form.get("client_assertion_type") == JWT_BEARER and form.get("client_assertion"):
        _check_certificate(context, form["client_assertion"], audiences)
        return
    secret = form.get("client_secret") or basic_secret
    if not secret:
        raise AuthorityError(
            401,
            "invalid_client",
            7000216,
            "'client_assertion', 'client_secret' or 'request' is required for the "
            "'client_credentials' grant type.",
        )
    if not hmac.compare_digest(secret.encode(), context.client_secret.encode()):
        raise AuthorityError(
            401,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the "
            "client secret value, not the client secret ID, for a secret added to app "
            f"'{context.client_id}'.",
        )


def _check_certificate(context: GraphContext, assertion: str, audiences: list[str]) -> None:
    pem = context.client_certificate_pem
    credentials = [registered_certificate(pem)] if pem else []
    try:
        check_assertion(assertion, context.client_id, credentials, audiences, time.time())
    except AssertionRefused as refused:
        raise AuthorityError(401, "invalid_client", refused.number, refused.description) from None


def _basic_credentials(header: str | None) -> tuple[str | None, str | None]:
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        user, _, password = base64.b64decode(encoded).decode().partition(":")
    except ValueError:
        return None, None
    return unquote(user), unquote(password)


def _audience(request: Request, form: dict[str, str]) -> str:
    """The resource of the single `<resource>/.default` scope a client-credentials call needs."""
    scope = form.get("scope", "").strip()
    if not scope:
        raise _missing("scope")
    scopes = scope.split()
    if len(scopes) != 1 or not scopes[0].endswith("/.default"):
        raise AuthorityError(
            400,
            "invalid_scope",
            1002012,
            f"The provided value for scope {scope} is not valid. Client credential flows must "
            "have a scope value with /.default suffixed to the resource identifier "
            "(application ID URI).",
        )
    resource = scopes[0].removesuffix("/.default")
    known = {PUBLIC_GRAPH, GRAPH_APP_ID, base_url(request)}
    if resource.rstrip("/") not in known:
        raise AuthorityError(
            400,
            "invalid_resource",
            500011,
            f"The resource principal named {resource} was not found in the tenant named "
            f"{graph_context(request).tenant_domain()}. This can happen if the application has "
            "not been installed by the administrator of the tenant or consented to by any user "
            "in the tenant. You might have sent your authentication request to the wrong tenant.",
        )
    return PUBLIC_GRAPH if resource.rstrip("/") == GRAPH_APP_ID else resource.rstrip("/")


def authority_routes() -> list[Route]:
    return [
        Route("/{tenant}/v2.0/.well-known/openid-configuration", openid_configuration),
        Route("/{tenant}/oauth2/v2.0/token", token, methods=["POST"]),
    ]
