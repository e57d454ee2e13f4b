"""Fixtures shared by the integration tests against the sandbox's Microsoft 365 stand-in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from O365 import Account

from config.settings import Settings
from connectors.m365 import GraphClient
from tests.integration.m365_helpers import first_kam
from tests.integration.test_o365_contract_support import o365_account


@pytest.fixture
def graph(sandbox_settings: Settings) -> GraphClient:
    return GraphClient(sandbox_settings.m365)


@pytest.fixture
def kam(sandbox_settings: Settings) -> str:
    return first_kam(sandbox_settings)


@pytest.fixture
def account(sandbox_settings: Settings) -> Iterator[Account]:
    """An O365 account on the sandbox, as any O365 user would open it."""
    with o365_account(sandbox_settings) as opened:
        yield opened
