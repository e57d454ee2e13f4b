"""Test-session environment: no telemetry, patient Prefect start-up, a PostgreSQL server."""

from __future__ import annotations

import os

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "60")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config.loader import load_settings
from config.settings import Settings
from flows.demo import SandboxProcess
from tests.postgres import PostgresServer, PostgresUnavailable, start_postgres

# Marks the skips of tests that need PostgreSQL, for the closing summary line.
NO_POSTGRES = "PostgreSQL could not be started"
_postgres_started: list[PostgresServer] = []  # the session's server, for that line too


def start_sandbox(state_dir: Path) -> SandboxProcess:
    """`kamsync sandbox up --preset tiny` on free ports, as any client would start it."""
    return SandboxProcess(state_dir, "tiny", reset=True, salesforce_port=0, graph_port=0)


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One shared tiny sandbox for connector tests (they may write to it)."""
    with start_sandbox(tmp_path_factory.mktemp("sandbox")) as process:
        yield process.info


@pytest.fixture
def trust_sandbox(sandbox: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """requests trusts the sandbox CA (plus the system roots) for this test."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sandbox["ca_bundle"])
    monkeypatch.setenv("CURL_CA_BUNDLE", sandbox["ca_bundle"])


@pytest.fixture
def sandbox_settings(sandbox: dict[str, Any], trust_sandbox: None) -> Settings:
    """The kamsync settings the sandbox wrote for itself."""
    return load_settings(sandbox["config"])


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect backend for the whole session (integration tests only)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the session; skipped without one, except in CI."""
    try:
        server = start_postgres()
    except PostgresUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{NO_POSTGRES} (CI never skips these tests): {exc}", pytrace=False)
        pytest.skip(f"{NO_POSTGRES}: {exc}")
    _postgres_started.append(server)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The SQLAlchemy URL of a fresh, empty store on each backend the store supports."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/kamsync.db"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.new_database()
    yield url
    server.drop_database(url)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> Iterator[None]:
    """Say in one line, under the short summary, which PostgreSQL ran the store tests or how
    many tests lacked one."""
    yield
    for server in _postgres_started:
        terminalreporter.write_line(
            f"store tests ran on {server.version}, started in {server.startup_seconds:.1f} s"
        )
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if NO_POSTGRES in str(report.longrepr)
    ]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} tests skipped: {NO_POSTGRES} (reasons above)",
            yellow=True,
            bold=True,
        )
