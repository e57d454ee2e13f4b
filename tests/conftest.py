"""Test-session environment: no telemetry, patient Prefect start-up."""

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
