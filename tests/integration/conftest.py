"""Fixtures shared by the integration tests against the sandbox's stand-ins."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from O365 import Account

from config.settings import Settings
from connectors.m365 import GraphClient
from tests.integration.m365_helpers import first_kam
from tests.integration.stores import Runtimes, StoreUrls
from tests.integration.test_o365_contract_support import o365_account
from tests.postgres import PostgresServer


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


@pytest.fixture
def store_urls(
    store_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[StoreUrls]:
    """More fresh, empty stores on the backend `store_url` is on, for a test that compares
    stores: SQLite files in the test's folder, or PostgreSQL databases dropped afterwards."""
    made: dict[str, str] = {}
    server: PostgresServer | None = None
    if not store_url.startswith("sqlite"):
        server = request.getfixturevalue("postgres_server")

    def url_for(name: str) -> str:
        if name not in made:
            file = tmp_path / f"store-{name}.db"
            made[name] = server.new_database() if server else f"sqlite:///{file}"
        return made[name]

    yield url_for
    if server is not None:
        for url in made.values():
            server.drop_database(url)


@pytest.fixture
def runtimes() -> Iterator[Runtimes]:
    """Runtimes the test opens with `runtimes.on(settings, store_url)`, closed at its end."""
    opened = Runtimes()
    yield opened
    opened.close()
