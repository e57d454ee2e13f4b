"""Prefect block types that keep kamsync's secrets on the Prefect server.

A block holds only what is secret: Salesforce's client secret, password or JWT
key, and the Entra app's client secret or certificate and key, as PEM text, so
no key file has to sit on a worker's disk. Everything else (URLs, client ids,
the sign-in flow, usernames) stays in kamsync.toml, which names the block in
`credentials_block`: one place per value, and `kamsync config check` still
shows what the run talks to. Fields are `SecretStr`: Prefect stores them
encrypted and masks them in the UI and API, and they print as `**********`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect.blocks.abstract import CredentialsBlock
from pydantic import Field, SecretStr

from config.loader import ConfigError
from config.settings import (
    M365_BLOCK_KEYS,
    SALESFORCE_BLOCK_KEYS,
    M365Settings,
    SalesforceSettings,
    is_given,
)
from connectors.m365 import GraphClient
from connectors.salesforce import SalesforceClient

#: The secrets each Salesforce sign-in flow (`[salesforce] auth`) takes from a block.
SALESFORCE_NEEDS = {
    "client_credentials": ("client_secret",),
    "jwt": ("private_key",),
    "password": ("client_secret", "password"),
}


class SalesforceCredentials(CredentialsBlock):
    """The secrets kamsync signs in to Salesforce with; the sign-in flow (`auth`),
    client_id and username stay in kamsync.toml's [salesforce]."""

    _block_type_name = "kamsync Salesforce credentials"
    _block_type_slug = "kamsync-salesforce-credentials"
    _description = (
        "Secrets kamsync signs in to Salesforce with. Name this block in kamsync.toml: "
        '[salesforce] credentials_block = "<name>"; the other keys stay there.'
    )

    client_secret: SecretStr | None = Field(
        default=None,
        description="The connected app's consumer secret (auth = client_credentials or password).",
    )
    private_key: SecretStr | None = Field(
        default=None,
        title="Private key (PEM)",
        description="Unencrypted PEM private key for auth = jwt; its certificate is uploaded "
        "to the connected app.",
    )
    password: SecretStr | None = Field(
        default=None,
        description="The integration user's password followed by its security token "
        "(auth = password).",
    )

    @classmethod
    def from_settings(cls, settings: SalesforceSettings) -> SalesforceCredentials:
        """A block holding the secrets `settings` took from the file or env (key file read)."""
        key = settings.private_key
        if key is None and settings.private_key_file is not None:
            key = read_pem(settings.private_key_file, "[salesforce] private_key_file")
        return cls(
            client_secret=settings.client_secret, private_key=key, password=settings.password
        )

    def settings_for(self, settings: SalesforceSettings) -> SalesforceSettings:
        """`settings` signing in with this block's secrets instead of any of their own."""
        needed = SALESFORCE_NEEDS[settings.auth]
        missing = [key for key in needed if not is_given(getattr(self, key))]
        if missing:
            raise ConfigError(
                f"{_label(self, settings.credentials_block)} has no {' or '.join(missing)}, "
                f"which [salesforce] auth = {settings.auth!r} needs; set it in the Prefect UI "
                "(Blocks) or save the block again with `kamsync blocks create`"
            )
        secrets = {key: getattr(self, key) for key in needed}
        return settings.model_copy(update=_without_credentials(SALESFORCE_BLOCK_KEYS) | secrets)

    def get_client(self, settings: SalesforceSettings, *, spent_today: int = 0) -> SalesforceClient:
        """A signed-in Salesforce client: the config's URLs and ids with this block's secrets."""
        return SalesforceClient(self.settings_for(settings), spent_today=spent_today)


class M365Credentials(CredentialsBlock):
    """The Entra app's credential kamsync signs in to Microsoft Graph with (a client
    secret, or a certificate and its key); tenant and client ids stay in kamsync.toml."""

    _block_type_name = "kamsync Microsoft 365 credentials"
    _block_type_slug = "kamsync-m365-credentials"
    _description = (
        "The Entra app credential kamsync signs in to Microsoft Graph with: a client secret, "
        "or a certificate and its key. Name this block in kamsync.toml: [m365] credentials_block "
        '= "<name>"; tenant_id and client_id stay there.'
    )

    client_secret: SecretStr | None = Field(
        default=None, description="The app registration's client secret (or use a certificate)."
    )
    client_certificate: SecretStr | None = Field(
        default=None,
        title="Certificate (PEM)",
        description="The PEM certificate uploaded to the app registration; may also hold "
        "the private key.",
    )
    client_private_key: SecretStr | None = Field(
        default=None,
        title="Private key (PEM)",
        description="The certificate's unencrypted PEM private key (empty if the certificate "
        "field holds it).",
    )

    @classmethod
    def from_settings(cls, settings: M365Settings) -> M365Credentials:
        """A block holding the credential `settings` took from the file or env (files read)."""
        certificate, key = settings.client_certificate, settings.client_private_key
        if certificate is None and settings.client_certificate_file is not None:
            certificate = read_pem(
                settings.client_certificate_file, "[m365] client_certificate_file"
            )
        if key is None and settings.client_private_key_file is not None:
            key = read_pem(settings.client_private_key_file, "[m365] client_private_key_file")
        secret = settings.client_secret if certificate is None else None
        return cls(client_secret=secret, client_certificate=certificate, client_private_key=key)

    def settings_for(self, settings: M365Settings) -> M365Settings:
        """`settings` signing in with this block's credential instead of any of their own."""
        label = _label(self, settings.credentials_block)
        has_secret, has_certificate = (
            is_given(self.client_secret),
            is_given(self.client_certificate),
        )
        if is_given(self.client_private_key) and not has_certificate:
            raise ConfigError(f"{label} has a client_private_key but no client_certificate")
        if has_secret == has_certificate:
            raise ConfigError(
                f"{label} must hold exactly one credential: client_secret, or "
                "client_certificate (with client_private_key unless the certificate holds it); "
                f"found {'both' if has_secret else 'neither'}"
            )
        if has_secret:
            secrets = {"client_secret": self.client_secret}
        else:
            key = self.client_private_key if is_given(self.client_private_key) else None
            secrets = {"client_certificate": self.client_certificate, "client_private_key": key}
        return settings.model_copy(update=_without_credentials(M365_BLOCK_KEYS) | secrets)

    def get_client(self, settings: M365Settings) -> GraphClient:
        """A signed-in Graph client: the config's tenant and URLs with this block's credential."""
        return GraphClient(self.settings_for(settings))


def read_pem(path: Path, key: str) -> SecretStr:
    """A PEM file's text, to move it into a block; unreadable is a config error naming `key`."""
    try:
        return SecretStr(path.expanduser().read_text(encoding="ascii"))
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise ConfigError(f"{key} {path}: cannot be read ({reason})") from None


def _without_credentials(keys: tuple[str, ...]) -> dict[str, Any]:
    """An update clearing a section's own credential keys and its block name."""
    return {"credentials_block": None} | dict.fromkeys(keys)


def _label(block: CredentialsBlock, name: str | None) -> str:
    name = block._block_document_name or name
    kind = block.get_block_type_slug()
    return f"Prefect block {name!r} ({kind})" if name else f"the {kind} block"
