"""Helpers for the contract tests: O365 and plain requests against the session sandbox.

The contract tests use other Graph clients than kamsync's own connector, the
way their users write them, so the stand-in is held to what those clients send
and expect. Every test writes under its own unique names, because the sandbox
is shared by the whole test session.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from O365 import Account

from config.settings import Settings
from connectors.m365.connection import open_account


@contextmanager
def o365_account(settings: Settings) -> Iterator[Account]:
    """An O365 account pointed at the sandbox; its HTTP sessions closed afterwards."""
    account = open_account(settings.m365)
    try:
        yield account
    finally:
        connection = account.con
        for session in (connection.session, connection.naive_session):
            if session is not None:
                session.close()
        if connection._msal_client is not None:
            connection._msal_client.http_client.close()


def bearer_token(account: Account) -> str:
    """The app-only access token msal holds for the account (from its cache)."""
    connection: Any = account.con
    result = connection.msal_client.acquire_token_for_client(scopes=[connection.scope])
    return str(result["access_token"])


@contextmanager
def raw_graph(account: Account) -> Iterator[requests.Session]:
    """A plain requests session carrying the account's bearer token."""
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {bearer_token(account)}"
        yield session


def graph_root(settings: Settings) -> str:
    """Graph v1.0 root URL of the sandbox."""
    return f"{str(settings.m365.graph_url).rstrip('/')}/v1.0"


def unique(label: str) -> str:
    """A name no other test (or earlier run) uses."""
    return f"{label} {uuid.uuid4().hex[:8]}"


def kam(settings: Settings) -> str:
    """The first KAM mailbox of the seed."""
    return settings.m365.mailboxes[0]


def colleague(settings: Settings) -> str:
    """A second internal mailbox (the other KAM)."""
    return settings.m365.mailboxes[1]
