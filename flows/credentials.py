"""Credentials from Prefect blocks: registered, saved from a config, and filled into settings.

Flows call `with_block_credentials` right after `load_settings`: the secrets
exist only in memory (as `SecretStr`), the flow's parameters name the config
file, and nothing here is a Prefect task, so no secret becomes a task input,
a cached or persisted result, an artifact or a log line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import httpx
from prefect.exceptions import ObjectAlreadyExists, PrefectException
from prefect.settings import get_current_settings

from config.loader import ConfigError
from config.settings import Settings, check_block_name
from connectors.errors import RetriableError, redact
from flows.blocks import M365Credentials, SalesforceCredentials

BLOCK_TYPES: tuple[type[SalesforceCredentials] | type[M365Credentials], ...] = (
    SalesforceCredentials,
    M365Credentials,
)
#: What an unreachable or failing Prefect API raises (a temporary server that will not start too).
SERVER_TROUBLE = (httpx.HTTPError, PrefectException, RuntimeError, OSError)
AnyCredentials = TypeVar("AnyCredentials", SalesforceCredentials, M365Credentials)


def with_block_credentials(settings: Settings) -> Settings:
    """`settings` with the secrets of each section's `credentials_block` filled in.

    A section without a block is left as it is; settings naming no block come back unchanged.
    """
    update: dict[str, Any] = {}
    if settings.salesforce.credentials_block:
        block = load_block(SalesforceCredentials, settings.salesforce.credentials_block)
        update["salesforce"] = block.settings_for(settings.salesforce)
    if settings.m365.credentials_block:
        m365 = load_block(M365Credentials, settings.m365.credentials_block)
        update["m365"] = m365.settings_for(settings.m365)
    return settings.model_copy(update=update) if update else settings


def load_block(kind: type[AnyCredentials], name: str) -> AnyCredentials:
    """The saved block `name`; a missing one is a `ConfigError` saying how to create it."""
    slug = kind.get_block_type_slug()
    try:
        return cast(AnyCredentials, _in_sync(kind.load, name))
    except ValueError:  # Prefect's "Unable to find block document named ..."
        section = "salesforce" if kind is SalesforceCredentials else "m365"
        raise ConfigError(
            f"[{section}] credentials_block {name!r}: no {slug} block of that name on "
            f"{prefect_server()}; create it with `kamsync blocks create --{section} {name}` "
            "(copies the secrets from the config file or env) or in the Prefect UI under Blocks"
        ) from None
    except SERVER_TROUBLE as exc:
        raise RetriableError(
            f"Prefect block {name!r} ({slug}) could not be loaded from {prefect_server()}: "
            f"{redact(str(exc))}"
        ) from None


def register_block_types() -> list[str]:
    """Register kamsync's block types with the Prefect server (idempotent); their slugs."""
    for kind in BLOCK_TYPES:
        _on_server("register block types", kind.register_type_and_schema)
    return [kind.get_block_type_slug() for kind in BLOCK_TYPES]


@dataclass(frozen=True)
class SavedBlock:
    """A block saved by `save_blocks`, and the config line that uses it."""

    section: str
    name: str
    slug: str

    @property
    def config_line(self) -> str:
        return f'[{self.section}] credentials_block = "{self.name}"'


def save_blocks(
    settings: Settings,
    *,
    salesforce: str | None = None,
    m365: str | None = None,
    overwrite: bool = False,
) -> list[SavedBlock]:
    """Save the secrets the config reads from its file or env as blocks with these names."""
    wanted: list[tuple[str, str, SalesforceCredentials | M365Credentials]] = []
    if salesforce:
        _not_from_a_block("salesforce", settings.salesforce.credentials_block)
        wanted.append(
            ("salesforce", salesforce, SalesforceCredentials.from_settings(settings.salesforce))
        )
    if m365:
        _not_from_a_block("m365", settings.m365.credentials_block)
        wanted.append(("m365", m365, M365Credentials.from_settings(settings.m365)))
    saved = []
    for section, name, block in wanted:
        slug = block.get_block_type_slug()
        try:
            check_block_name(name)
            _on_server(f"save block {name!r}", block.save, name, overwrite=overwrite)
        except ValueError as exc:
            taken = isinstance(exc.__cause__, ObjectAlreadyExists)
            reason = "exists already; pass --overwrite to replace it" if taken else str(exc)
            raise ConfigError(f"Prefect block {name!r} ({slug}): {reason}") from None
        saved.append(SavedBlock(section, name, slug))
    return saved


def prefect_server() -> str:
    """Where blocks are read and written, in words for messages."""
    url = get_current_settings().api.url
    if url:
        return f"the Prefect server at {url}"
    return "the local Prefect database (PREFECT_API_URL is not set)"


def _not_from_a_block(section: str, block: str | None) -> None:
    if block:
        raise ConfigError(
            f"[{section}] already reads its secrets from credentials_block {block!r}: "
            "there is nothing in the config file or env to copy into a block"
        )


def _in_sync(method: Callable[..., object], *args: object, **kwargs: object) -> object:
    """Call a Prefect `async_dispatch` method synchronously, even from async code."""
    return method(*args, _sync=True, **kwargs)


def _on_server(action: str, method: Callable[..., object], *args: object, **kwargs: object) -> None:
    """Run a Prefect API call; an unreachable server is one `RetriableError`."""
    try:
        _in_sync(method, *args, **kwargs)
    except SERVER_TROUBLE as exc:
        raise RetriableError(
            f"could not {action} on {prefect_server()}: {redact(str(exc))}"
        ) from None
