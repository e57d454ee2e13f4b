"""Helpers of the Microsoft 365 integration tests (the fixtures are in conftest.py)."""

from __future__ import annotations

from config.settings import Settings


def first_kam(settings: Settings) -> str:
    """The first configured KAM mailbox."""
    return settings.m365.mailboxes[0]


def expire_url(settings: Settings) -> str:
    """The admin endpoint that makes the Graph stand-in drop every delta sync state."""
    return str(settings.m365.graph_url).rstrip("/") + "/_sandbox/graph/sync-states/expire"
