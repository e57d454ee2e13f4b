"""Fixtures shared by the integration tests against the sandbox's Microsoft 365 stand-in."""

from __future__ import annotations

import pytest

from config.settings import Settings
from connectors.m365 import GraphClient
from tests.integration.m365_helpers import first_kam


@pytest.fixture
def graph(sandbox_settings: Settings) -> GraphClient:
    return GraphClient(sandbox_settings.m365)


@pytest.fixture
def kam(sandbox_settings: Settings) -> str:
    return first_kam(sandbox_settings)
