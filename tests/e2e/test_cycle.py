"""The whole cycle against a fresh tiny sandbox, as a KAM would notice it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from config.loader import load_settings
from connectors.m365 import GraphClient, default_list_id, linked_tasks, read_messages
from connectors.store import Store
from flows.cli import app
from flows.cycle import kam_cycle
from tests.conftest import start_sandbox
from tests.postgres import PostgresServer

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fresh_sandbox(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[dict[str, Any], str]]:
    """A fresh tiny sandbox and an empty store on each backend: (its JSON line, the store URL).

    The first cycle writes To Do tasks and the digest into the sandbox, so each backend
    gets a sandbox of its own.
    """
    server: PostgresServer | None = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('cycle-store') / 'kamsync.db'}"
    else:
        server = request.getfixturevalue("postgres_server")
        url = server.new_database()
    try:
        with start_sandbox(tmp_path_factory.mktemp("fresh-sandbox")) as process:
            yield process.info, url
    finally:
        if server is not None:
            server.drop_database(url)


@pytest.fixture
def cycle_env(
    fresh_sandbox: tuple[dict[str, Any], str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Path:
    sandbox, store_url = fresh_sandbox
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sandbox["ca_bundle"])
    monkeypatch.setenv("KAMSYNC_REPORTS__LOCAL_DIR", str(tmp_path / "out"))
    monkeypatch.setenv("KAMSYNC_STORE__URL", store_url)
    return Path(sandbox["config"])


def _kamsync_tasks(config: Path) -> dict[str, list[str]]:
    """external ids of the tasks kamsync linked, per KAM mailbox, read from To Do itself."""
    settings = load_settings(config)
    graph = GraphClient(settings.m365)
    return {
        box: linked_tasks(graph, box, default_list_id(graph, box))["external_id"].tolist()
        for box in settings.m365.mailboxes
    }


def test_dry_run_prints_the_plan_and_writes_nothing(cycle_env: Path, prefect_harness: None) -> None:
    result = CliRunner().invoke(app, ["run", "cycle", "--config", str(cycle_env), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would create" in result.output
    assert "Planned To Do tasks (dry run)" in result.output
    assert all(not ids for ids in _kamsync_tasks(cycle_env).values())


def test_second_cycle_creates_nothing_new(cycle_env: Path, prefect_harness: None) -> None:
    first = kam_cycle(config_file=str(cycle_env))
    assert first["key_accounts"] >= 3
    assert first["tasks_created"] > 0
    assert first["digest"]["status"] == "sent"
    configured = load_settings(cycle_env).m365.mailboxes
    read = [box["mailbox"] for box in first["mailboxes"]]
    assert read[: len(configured)] == configured
    assert len(read) > len(configured), "key-account team members' mailboxes are read too"
    with Store(load_settings(cycle_env).store.url) as store:
        assert store.count("m365", "events") > 0, "calendars are mirrored"

    second = kam_cycle(config_file=str(cycle_env))
    assert second["tasks_created"] == 0
    assert second["tasks_in_place"] == first["tasks_created"] + first["tasks_in_place"]
    assert second["digest"]["status"] == "already sent"
    assert all(pull["mode"] == "incremental" for pull in second["objects"])
    assert sum(pull["events"] for pull in second["calendars"]) == 0, "nothing changed since"

    in_todo = _kamsync_tasks(cycle_env)
    created = [external_id for ids in in_todo.values() for external_id in ids]
    assert len(created) == first["tasks_created"]
    assert len(created) == len(set(created)), "no task exists twice"

    workbook = load_workbook(second["report"]["local_path"])
    assert {"Summary", "Key accounts", "Deadlines", "Goals"} <= set(workbook.sheetnames)
    assert second["report"]["onedrive_path"].startswith("KAM Reports/key-accounts-")

    settings = load_settings(cycle_env)
    graph = GraphClient(settings.m365)
    sent = [
        subject
        for batch in read_messages(graph, settings.reports.sender, "sentitems", None, timedelta(1))
        for subject in batch.messages["subject"]
    ]
    assert sent.count(first["digest"]["subject"]) == 1
