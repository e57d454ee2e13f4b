"""Helpers of the Microsoft 365 integration tests (the fixtures are in conftest.py)."""

from __future__ import annotations

from pathlib import Path

from config.settings import Settings, StoreSettings
from flows.runtime import Runtime


def first_kam(settings: Settings) -> str:
    """The first configured KAM mailbox."""
    return settings.m365.mailboxes[0]


def runtime_on(settings: Settings, path: Path) -> Runtime:
    """A runtime against the sandbox whose store is a fresh SQLite file in `path`."""
    store = StoreSettings(url=f"sqlite:///{path / 'kamsync.db'}")
    return Runtime(settings.model_copy(update={"store": store}))


def expire_url(settings: Settings) -> str:
    """The admin endpoint that makes the Graph stand-in drop every delta sync state."""
    return str(settings.m365.graph_url).rstrip("/") + "/_sandbox/graph/sync-states/expire"
