"""The O365 connection kamsync uses for every Microsoft Graph call.

O365 hard-codes the public cloud's authority and Graph URL; the subclasses
here take both from config (national clouds and the sandbox use the same
code), build msal without instance discovery and with kamsync's app credential
(secret or certificate, see `app_credential`), and renew client-credentials
tokens themselves: with O365 2.1.10 and msal 1.39 O365's own refresh asks
msal for `scopes=None` and fails.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from msal import ConfidentialClientApplication
from O365 import Account
from O365.connection import Connection, MSGraphProtocol
from O365.utils.token import MemoryTokenBackend

from config.settings import M365Settings
from connectors.errors import ConnectorConfigError, redact
from connectors.m365.app_credential import CertificateCredential, client_credential
from connectors.m365.retry import Call, execute

# O365 logs every 4xx at ERROR, including the 404s kamsync expects (a folder not
# created yet); kamsync reports each failure itself, with the call named.
logging.getLogger("O365.connection").setLevel(logging.CRITICAL)


class GraphConnection(Connection):
    """An O365 connection whose authority and token renewal come from kamsync."""

    _msal_client: ConfidentialClientApplication | None
    session: requests.Session | None

    def __init__(
        self,
        credentials: tuple[str, str],
        *,
        authority_url: str,
        scope: str,
        client_credential: str | CertificateCredential | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(credentials, **kwargs)
        self._msal_authority = f"{authority_url.rstrip('/')}/{self.tenant_id}"
        self.scope = scope
        #: What msal authenticates with; O365's own `auth[1]` is used only when this is None.
        self._client_credential = client_credential if client_credential else credentials[1]

    @property
    def msal_client(self) -> ConfidentialClientApplication:  # type: ignore[override]
        if self._msal_client is None:
            self._msal_client = ConfidentialClientApplication(
                client_id=self.auth[0],
                client_credential=self._client_credential,
                authority=self._msal_authority,
                token_cache=self.token_backend,
                instance_discovery=False,
                timeout=self.timeout,
            )
        return self._msal_client

    def refresh_token(self) -> bool:
        """Get a fresh app-only token for the Graph `.default` scope."""
        result = self.msal_client.acquire_token_for_client(scopes=[self.scope])
        token = result.get("access_token") if result else None
        if not token:
            detail = (result or {}).get("error_description") or (result or {}).get("error")
            raise ConnectorConfigError(
                f"Microsoft 365 token renewal failed at {self._msal_authority}: "
                f"{redact(str(detail))}; the app's credentials were refused: check [m365] "
                "tenant_id, client_id and client_secret / client_certificate"
            )
        if self.session is None:
            self.session = self.get_session(load_token=True)
        self.update_session_auth_header(access_token=token)
        return True


class GraphAccount(Account):
    """An O365 account wired to `GraphConnection`."""

    connection_constructor = GraphConnection


def graph_protocol(graph_url: str) -> MSGraphProtocol:
    """A Graph v1.0 protocol rooted at the configured Graph URL."""
    root = graph_url.rstrip("/") + "/"
    protocol_class = type("ConfiguredGraphProtocol", (MSGraphProtocol,), {"_protocol_url": root})
    return protocol_class(api_version="v1.0")


def open_account(settings: M365Settings) -> GraphAccount:
    """Authenticate the app (client credentials) and return the O365 account."""
    graph_url = str(settings.graph_url).rstrip("/")
    credential = client_credential(settings)
    # O365 wants an (id, secret) pair; with a certificate there is no secret to give it.
    secret = credential if isinstance(credential, str) else ""
    account = GraphAccount(
        (settings.client_id, secret),
        client_credential=credential,
        auth_flow_type="credentials",
        tenant_id=settings.tenant_id,
        protocol=graph_protocol(graph_url),
        authority_url=str(settings.authority_url),
        scope=f"{graph_url}/.default",
        token_backend=MemoryTokenBackend(),
        requests_delay=0,  # throttling is handled in connectors.m365.retry,
        request_retries=0,  # not by a fixed sleep or urllib3 retries
        timeout=int(settings.timeout_seconds),
    )
    # Ask msal directly (not `account.authenticate`) so a refusal keeps its reason; a network
    # failure or an untrusted certificate is decided by the policy table like any call.
    result = execute(
        lambda: account.con.msal_client.acquire_token_for_client(scopes=[account.con.scope]),
        Call(f"sign-in at {settings.authority_url}", "POST", idempotent=True),
    )
    if not result or "access_token" not in result:
        reason = (result or {}).get("error_description") or (result or {}).get("error")
        raise ConnectorConfigError(
            f"Microsoft 365 sign-in failed at {settings.authority_url} for tenant "
            f"{settings.tenant_id}: {redact(str(reason))}; check [m365] tenant_id, client_id, "
            f"{_credential_key(settings)} and authority_url"
        )
    return account


def _credential_key(settings: M365Settings) -> str:
    """The config key holding the credential Entra refused, for the message."""
    if settings.client_certificate is not None:
        return "client_certificate"
    return "client_certificate_file" if settings.client_certificate_file else "client_secret"
