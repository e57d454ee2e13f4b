"""To Do writes and exactly-once mail through the connector, against the in-process stand-in."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from connectors.m365.client import GraphClient, GraphError
from connectors.m365.send import KEY_PROPERTY_ID, send_mail, sent_with_key
from connectors.m365.todo import TaskWrite, TodoTask, default_list_id, linked_tasks, write_tasks
from tests.unit.test_m365_support import ALICE, BOB, graph_client

FAULTS = "/_sandbox/graph/faults"


def _task(external_id: str, title: str = "Renew", due: date = date(2026, 12, 1)) -> TodoTask:
    return TodoTask(title, due, external_id, f"https://crm/{external_id}", "Open in Salesforce")


def _sent_subjects(graph: GraphClient, mailbox: str) -> list[str]:
    url = f"{graph.user_path(mailbox)}/mailFolders/sentitems/messages"
    return [m["subject"] for page in graph.pages(url, {"$select": "subject"}) for m in page]


def test_create_update_complete_delete_through_batch(tmp_path: Path) -> None:
    with graph_client(tmp_path) as (graph, _):
        list_id = default_list_id(graph, ALICE)
        made = write_tasks(graph, ALICE, list_id, [TaskWrite("c1", "create", _task("006A"))])
        task_id = made["c1"].task_id
        assert made["c1"].ok and task_id and not made["c1"].adopted
        changed = _task("006A", "Renew now", date(2026, 12, 24))
        writes = [TaskWrite("u1", "update", changed, task_id=task_id)]
        assert write_tasks(graph, ALICE, list_id, writes)["u1"].ok
        row = linked_tasks(graph, ALICE, list_id).set_index("external_id").loc["006A"]
        assert (row["title"], row["due_date"], row["status"]) == (
            "Renew now", "2026-12-24", "notStarted"
        )  # fmt: skip
        assert write_tasks(graph, ALICE, list_id, [TaskWrite("k1", "complete", task_id=task_id)])[
            "k1"
        ].ok
        assert linked_tasks(graph, ALICE, list_id)["status"].tolist() == ["completed"]
        gone = write_tasks(graph, ALICE, list_id, [TaskWrite("d1", "delete", task_id=task_id)])
        assert gone["d1"].ok and linked_tasks(graph, ALICE, list_id).empty
        again = write_tasks(graph, ALICE, list_id, [TaskWrite("d2", "delete", task_id=task_id)])
        assert again["d2"].ok  # already gone counts as deleted
        missing = write_tasks(graph, ALICE, list_id, [TaskWrite("u2", "update", changed, task_id)])
        assert not missing["u2"].ok and missing["u2"].status == 404


def test_a_create_whose_answer_was_lost_is_adopted_on_retry(tmp_path: Path) -> None:
    with graph_client(tmp_path) as (graph, raw):
        list_id = default_list_id(graph, ALICE)
        raw.post(FAULTS, json={"method": "POST", "path": "/tasks$", "status": 504, "after": True})
        first = write_tasks(graph, ALICE, list_id, [TaskWrite("c", "create", _task("006B"))])
        assert not first["c"].ok and first["c"].status == 504
        second = write_tasks(graph, ALICE, list_id, [TaskWrite("c", "create", _task("006B"))])
        assert second["c"].ok and second["c"].adopted
        assert linked_tasks(graph, ALICE, list_id)["external_id"].tolist() == ["006B"]


def test_mail_with_a_key_is_sent_once_even_when_the_answer_was_lost(tmp_path: Path) -> None:
    with graph_client(tmp_path) as (graph, raw):
        before = _sent_subjects(graph, ALICE).count("Digest")
        raw.post(FAULTS, json={"method": "POST", "path": "/sendMail$", "status": 504,
                               "after": True})  # fmt: skip
        with pytest.raises(GraphError, match="504"):  # the mail went out; the answer was lost
            send_mail(graph, ALICE, [BOB], "Digest", "<p>hi</p>", idempotency_key="digest:1")
        assert sent_with_key(graph, ALICE, "digest:1")
        assert not send_mail(graph, ALICE, [BOB], "Digest", "<p>hi</p>", idempotency_key="digest:1")
        assert send_mail(graph, ALICE, [BOB], "Digest", "<p>hi</p>", idempotency_key="digest:2")
        assert _sent_subjects(graph, ALICE).count("Digest") == before + 2


def test_the_key_travels_as_header_and_extended_property(tmp_path: Path) -> None:
    with graph_client(tmp_path) as (graph, _):
        send_mail(graph, ALICE, [BOB], "Keyed", "<p>x</p>", idempotency_key="k'1")
        url = f"{graph.user_path(ALICE)}/mailFolders/sentitems/messages"
        expand = f"singleValueExtendedProperties($filter=id eq '{KEY_PROPERTY_ID}')"
        params = {"$filter": "subject eq 'Keyed'", "$expand": expand}
        sent = graph.get(url, params)["value"][0]
        assert sent["singleValueExtendedProperties"] == [{"id": KEY_PROPERTY_ID, "value": "k'1"}]
        headers = graph.get(f"{url}/{sent['id']}", {"$select": "internetMessageHeaders"})
        assert {"name": "X-Kamsync-Key", "value": "k'1"} in headers["internetMessageHeaders"]
        assert sent_with_key(graph, ALICE, "k'1") and not sent_with_key(graph, BOB, "k'1")
