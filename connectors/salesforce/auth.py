"""OAuth 2.0 against the configured Salesforce login URL.

The connector obtains the token itself (client credentials, JWT bearer, or the
legacy username-password flow) and hands `instance_url` + the access token to
simple-salesforce, so login/test/My Domain hosts and the sandbox are all one
code path (simple-salesforce's own login only knows *.salesforce.com).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
import requests
from simple_salesforce.exceptions import SalesforceError

from config.settings import SalesforceSettings
from connectors.errors import ConnectorConfigError
from connectors.salesforce.retry import run_call


@dataclass(frozen=True)
class SalesforceSession:
    """An access token and the org's instance URL."""

    instance_url: str
    access_token: str = field(repr=False)


def token_url(settings: SalesforceSettings) -> str:
    return str(settings.login_url).rstrip("/") + "/services/oauth2/token"


JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_LIFETIME = timedelta(minutes=3)  # the longest Salesforce accepts


def jwt_audience(login_url: str) -> str:
    """`aud` of the assertion: test/login for Salesforce hosts, else the login URL itself."""
    host = urlsplit(login_url).hostname or ""
    if host == "test.salesforce.com" or host.endswith(".sandbox.my.salesforce.com"):
        return "https://test.salesforce.com"
    if host.endswith(".salesforce.com"):
        return "https://login.salesforce.com"
    return login_url.rstrip("/")


def token_form(settings: SalesforceSettings) -> dict[str, str]:
    """The token request's form for the configured flow."""
    if settings.auth == "jwt":
        return {"grant_type": JWT_GRANT, "assertion": _assertion(settings)}
    secret = settings.client_secret.get_secret_value() if settings.client_secret else ""
    if settings.auth == "password":
        password = settings.password.get_secret_value() if settings.password else ""
        return {
            "grant_type": "password",
            "client_id": settings.client_id,
            "client_secret": secret,
            "username": settings.username or "",
            "password": password,
        }
    return {"grant_type": "client_credentials", "client_id": settings.client_id,
            "client_secret": secret}  # fmt: skip


def _assertion(settings: SalesforceSettings) -> str:
    key, source = _signing_key(settings)
    claims = {
        "iss": settings.client_id,
        "sub": settings.username,
        "aud": jwt_audience(str(settings.login_url)),
        "exp": int((datetime.now(UTC) + JWT_LIFETIME).timestamp()),
    }
    try:
        return jwt.encode(claims, key, algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError) as exc:
        raise ConnectorConfigError(
            f"[salesforce] {source} is not a usable RSA private key ({exc})"
        ) from None


def _signing_key(settings: SalesforceSettings) -> tuple[bytes, str]:
    """The JWT key's PEM, from `private_key` (text, e.g. a block's) or `private_key_file`,
    and the key's name for messages."""
    if settings.private_key is not None:
        return settings.private_key.get_secret_value().encode(), "private_key"
    key_file = settings.private_key_file
    try:
        return (Path(key_file).read_bytes() if key_file else b""), f"private_key_file {key_file}"
    except OSError as exc:
        raise ConnectorConfigError(
            f"[salesforce] private_key_file {key_file} cannot be read: {exc.strerror}"
        ) from None


def fetch_token(settings: SalesforceSettings, http: requests.Session) -> SalesforceSession:
    """Run the configured OAuth flow; the error policy decides about failures (a network
    failure is retried, a refusal is configuration) and errors name the keys to check."""
    url = token_url(settings)
    form = token_form(settings)
    try:
        body = run_call(
            lambda: _request_token(http, url, form, settings.timeout_seconds),
            call=f"login {url}",
            renew=_refused,
        )
    except ConnectorConfigError as exc:
        raise ConnectorConfigError(
            f"{exc}; check [salesforce] {_KEYS_TO_CHECK[settings.auth]}"
        ) from None
    instance = str(settings.instance_url or body.get("instance_url") or "").rstrip("/")
    if not instance:
        raise ConnectorConfigError(
            f"Salesforce login {url} returned no instance_url; set [salesforce] instance_url"
        )
    return SalesforceSession(instance_url=instance, access_token=body["access_token"])


def _request_token(
    http: requests.Session, url: str, form: dict[str, str], timeout: float
) -> dict[str, str]:
    """POST the sign-in form; an answer without a token raises as any refused call does."""
    response = http.post(url, data=form, timeout=timeout)
    body = _json_or_empty(response)
    if response.status_code != 200 or "access_token" not in body:
        refusal: Any = body or response.text[:200]  # what from_exception reads the code from
        raise SalesforceError(url, response.status_code, "oauth2/token", refusal)
    return body


def _refused() -> None:
    """A sign-in refused with 401 has no session to renew: the credentials are wrong."""
    raise ConnectorConfigError("Salesforce refused the sign-in (HTTP 401)")


_KEYS_TO_CHECK = {
    "client_credentials": "client_id, client_secret and login_url",
    "jwt": "client_id, username, private_key_file or private_key (its certificate on the "
    "connected app) and login_url",
    "password": "client_id, client_secret, username, password (with security token) and login_url",
}


def _json_or_empty(response: requests.Response) -> dict[str, str]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
