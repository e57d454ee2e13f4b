"""OAuth 2.0 against the configured Salesforce login URL.

The connector obtains the token itself and hands `instance_url` + the access
token to simple-salesforce, so login/test/My Domain hosts and the sandbox are
all one code path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import requests

from config.settings import SalesforceSettings
from connectors.errors import ConnectorConfigError, RetriableError, redact


@dataclass(frozen=True)
class SalesforceSession:
    """An access token and the org's instance URL."""

    instance_url: str
    access_token: str = field(repr=False)


def token_url(settings: SalesforceSettings) -> str:
    return str(settings.login_url).rstrip("/") + "/services/oauth2/token"


def fetch_token(settings: SalesforceSettings, http: requests.Session) -> SalesforceSession:
    """Run the client-credentials grant; errors name the login URL and the fix."""
    url = token_url(settings)
    form = {
        "grant_type": "client_credentials",
        "client_id": settings.client_id,
        "client_secret": settings.client_secret.get_secret_value(),
    }
    try:
        response = http.post(url, data=form, timeout=settings.timeout_seconds)
    except requests.RequestException as exc:
        raise RetriableError(f"Salesforce login {url} unreachable: {redact(str(exc))}") from None
    if response.status_code >= 500:
        raise RetriableError(f"Salesforce login {url} answered {response.status_code}")
    body = _json_or_empty(response)
    if response.status_code != 200 or "access_token" not in body:
        reason = body.get("error_description") or body.get("error") or response.text[:200]
        raise ConnectorConfigError(
            f"Salesforce login {url} refused the client credentials ({redact(str(reason))}); "
            "check [salesforce] client_id, client_secret and login_url"
        )
    instance = str(settings.instance_url or body.get("instance_url") or "").rstrip("/")
    if not instance:
        raise ConnectorConfigError(
            f"Salesforce login {url} returned no instance_url; set [salesforce] instance_url"
        )
    return SalesforceSession(instance_url=instance, access_token=body["access_token"])


def _json_or_empty(response: requests.Response) -> dict[str, str]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
