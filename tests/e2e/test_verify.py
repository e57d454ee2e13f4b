"""`kamsync verify` names what is off between the store and the services, and writes nothing."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from config.loader import load_settings
from connectors.m365 import GraphClient, TodoTask, create_task, default_list_id, send_mail
from tests.e2e.cycle_fixtures import CleanCycle, verify_exit_code, verify_findings
from tests.e2e.cycle_runs import SandboxCopy
from tests.e2e.end_state import end_state

pytestmark = pytest.mark.e2e


def test_verify_names_each_thing_that_is_off_and_writes_nothing(
    cycle_seed: tuple[Path, str], clean_cycle: CleanCycle, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    _, api_url = cycle_seed
    with SandboxCopy(clean_cycle.state, tmp_path / "state", api_url) as sandbox:
        assert verify_exit_code(sandbox)[0] == 0
        store = sandbox.home / "kamsync.db"
        with sqlite3.connect(store) as db:
            db.execute("DELETE FROM mirror_records WHERE rowid = (SELECT min(rowid) FROM "
                       "mirror_records WHERE object_name = 'Account')")  # fmt: skip
            mailbox, record, task_id = db.execute(
                "SELECT mailbox, external_id, task_id FROM task_links LIMIT 1"
            ).fetchone()
            db.execute("DELETE FROM task_links WHERE task_id = ?", (task_id,))
            db.execute("UPDATE outbox SET status = 'failed', error = 'HTTP 503' WHERE key = "
                       "(SELECT min(key) FROM outbox WHERE kind = 'todo.create')")  # fmt: skip
            subject = db.execute(
                "SELECT json_extract(payload, '$.subject') FROM outbox WHERE kind = 'mail.send'"
            ).fetchone()[0]
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", sandbox.info["ca_bundle"])
        settings = load_settings(sandbox.config)
        graph = GraphClient(settings.m365)
        copy = TodoTask("A copy", date(2030, 1, 1), record, "https://example.invalid", "x")
        create_task(graph, mailbox, default_list_id(graph, mailbox), copy)
        sender = settings.reports.sender
        send_mail(graph, sender, [sender], subject, "<p>again</p>")
        before = end_state(sandbox.home, sandbox.reports)

        code, output = verify_exit_code(sandbox)
        found = "\n".join(verify_findings(sandbox))

        assert code == 1 and "things off" in output, output
        assert "mirror count | Account | 30 mirrored, 31 in the org" in found
        assert f"To Do link | {mailbox} | record {record}: task {task_id} has no link" in found
        assert f"duplicate task | {mailbox} | record {record}: 2 tasks in To Do" in found
        assert "outbox failed | todo.create | todo:" in found and ": HTTP 503" in found
        assert f"mail sent twice | {sender} | 2x {subject!r}" in found
        assert end_state(sandbox.home, sandbox.reports) == before, "verify wrote something"
