"""Delta reads against the sandbox: mail folders and To Do, rounds, removals and resyncs.

The tests write to a tenant user that is not a configured KAM (so the other
connector tests never see their writes) and assert on what they changed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any, cast

import pandas as pd
import pytest
import requests

from config.settings import Settings
from connectors.m365 import GraphClient, read_messages
from connectors.m365.delta import DeltaReset
from connectors.m365.todo_sync import read_lists, read_tasks
from connectors.m365.users import tenant_users
from connectors.store import Store
from flows.delta_mirror import Stream, sync_stream
from flows.pull_m365 import link_tasks, sync_todo
from flows.runtime import Runtime
from tests.integration.m365_helpers import expire_url
from tests.integration.stores import StoreUrls

pytestmark = pytest.mark.integration

HORIZON = timedelta(days=3650)


@pytest.fixture
def mailbox(graph: GraphClient, sandbox_settings: Settings) -> str:
    """An enabled tenant user other than the KAMs and the report sender."""
    users = tenant_users(graph)
    taken = {*sandbox_settings.m365.mailboxes, sandbox_settings.reports.sender.lower()}
    taken.add(sandbox_settings.reports.drive_user.lower())
    free = users[users["account_enabled"] & ~users["user_principal_name"].str.lower().isin(taken)]
    return str(free["user_principal_name"].iloc[-1]).lower()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with Store(store_url) as opened:
        yield opened


def _round(
    graph: GraphClient, mailbox: str, folder: str, since: str | None
) -> tuple[set, set, str]:
    """(changed ids, removed ids, watermark) of one whole round."""
    changed: set[str] = set()
    removed: set[str] = set()
    watermark = since or ""
    for batch in read_messages(graph, mailbox, folder, since, HORIZON, page_size=7):
        changed |= set(batch.messages["id"])
        removed |= set(batch.removed)
        watermark = batch.watermark
    return changed, removed, watermark


def _draft(graph: GraphClient, mailbox: str, folder: str, subject: str) -> dict[str, Any]:
    url = f"{graph.user_path(mailbox)}/mailFolders/{folder}/messages"
    created: dict[str, Any] = graph.post(url, {"subject": subject}).json()
    return created


def test_tenant_users_include_the_kams_with_their_state(
    graph: GraphClient, sandbox_settings: Settings
) -> None:
    users = tenant_users(graph)

    assert set(sandbox_settings.m365.mailboxes) <= set(users["user_principal_name"].str.lower())
    assert users["id"].is_unique
    assert all(isinstance(enabled, bool) for enabled in users["account_enabled"])


def test_incremental_round_brings_exactly_what_changed(graph: GraphClient, mailbox: str) -> None:
    tag = uuid.uuid4().hex[:8]
    doomed = _draft(graph, mailbox, "inbox", f"doomed {tag}")
    leaving = _draft(graph, mailbox, "inbox", f"leaving {tag}")
    arriving = _draft(graph, mailbox, "drafts", f"arriving {tag}")
    first, _, watermark = _round(graph, mailbox, "inbox", None)
    assert {doomed["id"], leaving["id"]} <= first

    added = _draft(graph, mailbox, "inbox", f"added {tag}")
    graph.delete(f"{graph.user_path(mailbox)}/messages/{doomed['id']}")
    messages = f"{graph.user_path(mailbox)}/messages"
    left = graph.post(f"{messages}/{leaving['id']}/move", {"destinationId": "drafts"}).json()
    came = graph.post(f"{messages}/{arriving['id']}/move", {"destinationId": "inbox"}).json()
    changed, removed, watermark = _round(graph, mailbox, "inbox", watermark)

    assert changed == {added["id"], came["id"]}
    assert removed == {doomed["id"], leaving["id"]}
    assert left["id"] not in changed
    assert _round(graph, mailbox, "inbox", watermark)[:2] == (set(), set())


def _message_stream(graph: GraphClient, mailbox: str, folder: str) -> Stream:
    scope = {"mailbox": mailbox, "folder": folder}
    return Stream(
        f"m365:messages:{mailbox}:{folder}",
        "messages",
        scope,
        lambda since: read_messages(graph, mailbox, folder, since, HORIZON, page_size=5),
        "received_at",
    )


def _live(store: Store, mailbox: str, folder: str) -> pd.DataFrame:
    rows = store.read_table("m365", "messages")
    rows = rows[(rows["mailbox"] == mailbox) & (rows["folder"] == folder)]
    return rows.drop(columns="sync_round").sort_values("id", ignore_index=True)


def test_lost_sync_state_resyncs_that_folder_to_the_clean_mirror(
    graph: GraphClient,
    mailbox: str,
    sandbox_settings: Settings,
    store: Store,
    store_urls: StoreUrls,
) -> None:
    tag = uuid.uuid4().hex[:8]
    kept = _draft(graph, mailbox, "inbox", f"kept {tag}")
    gone = _draft(graph, mailbox, "inbox", f"gone {tag}")
    inbox, sent = (
        _message_stream(graph, mailbox, "inbox"),
        _message_stream(graph, mailbox, "sentitems"),
    )
    assert sync_stream(store, inbox).changed >= 2
    sync_stream(store, sent)
    sent_watermark = store.watermark(sent.name)

    graph.delete(f"{graph.user_path(mailbox)}/messages/{gone['id']}")
    new = _draft(graph, mailbox, "inbox", f"new {tag}")
    requests.post(expire_url(sandbox_settings), timeout=10).raise_for_status()
    result = sync_stream(store, inbox)

    assert result.resyncs == 1
    assert result.removed == 1
    with Store(store_urls("clean")) as clean:
        sync_stream(clean, _message_stream(graph, mailbox, "inbox"))
        pd.testing.assert_frame_equal(
            _live(store, mailbox, "inbox"), _live(clean, mailbox, "inbox")
        )
    ids = set(_live(store, mailbox, "inbox")["id"])
    assert {kept["id"], new["id"]} <= ids and gone["id"] not in ids
    assert store.watermark(sent.name) == sent_watermark, "only the folder that was read resyncs"
    with pytest.raises(DeltaReset):
        list(read_messages(graph, mailbox, "sentitems", sent_watermark, HORIZON))


def test_todo_delta_reports_lists_tasks_links_and_a_deleted_task(
    graph: GraphClient, mailbox: str
) -> None:
    lists_url = f"{graph.user_path(mailbox)}/todo/lists"
    lists_before = [batch.watermark for batch in read_lists(graph, mailbox, None)][-1]
    created = graph.post(lists_url, {"displayName": f"Delta {uuid.uuid4().hex[:8]}"}).json()
    tasks_url = f"{lists_url}/{created['id']}/tasks"
    link = {"applicationName": "kamsync", "externalId": "006Kz0000001AAA", "webUrl": "https://x/y"}
    task = graph.post(
        tasks_url,
        {
            "title": "Renewal call",
            "importance": "high",
            "categories": ["Renewal"],
            "body": {"contentType": "text", "content": "Call about the renewal."},
            "dueDateTime": {"dateTime": "2026-12-01T00:00:00", "timeZone": "UTC"},
            "linkedResources": [link],
        },
    ).json()
    other = graph.post(tasks_url, {"title": "Scratch"}).json()

    new_lists = pd.concat([b.rows for b in read_lists(graph, mailbox, lists_before)])
    batches = list(read_tasks(graph, mailbox, created["id"], None, page_size=1))
    rows = pd.concat([b.rows for b in batches]).set_index("id")
    graph.delete(f"{tasks_url}/{other['id']}")
    graph.patch(f"{tasks_url}/{task['id']}", {"status": "completed"})
    after = list(read_tasks(graph, mailbox, created["id"], batches[-1].watermark))

    assert list(new_lists["id"]) == [created["id"]]
    assert len(batches) == 2
    row = rows.loc[task["id"]]
    assert (row["external_id"], row["importance"], row["categories"]) == (
        "006Kz0000001AAA", "high", ["Renewal"],
    )  # fmt: skip
    assert (row["due_date"], row["due_time_zone"], row["body"]) == (
        "2026-12-01", "UTC", "Call about the renewal.",
    )  # fmt: skip
    assert pd.isna(rows.loc[other["id"], "external_id"])
    assert [b.removed for b in after] == [[other["id"]]]
    changed = pd.concat([b.rows for b in after])
    assert changed[["id", "status"]].values.tolist() == [[task["id"], "completed"]]
    assert changed["completed_at"].notna().all()


def test_pull_mirrors_todo_and_drops_the_tasks_of_a_deleted_list(
    graph: GraphClient, mailbox: str, store: Store
) -> None:
    runtime = cast(Runtime, SimpleNamespace(store=store, graph=graph))
    lists_url = f"{graph.user_path(mailbox)}/todo/lists"
    created = graph.post(lists_url, {"displayName": f"Pull {uuid.uuid4().hex[:8]}"}).json()
    link = {"applicationName": "kamsync", "externalId": f"a0T{uuid.uuid4().hex[:12]}"}
    task = graph.post(
        f"{lists_url}/{created['id']}/tasks", {"title": "Linked", "linkedResources": [link]}
    ).json()

    sync_todo(runtime, mailbox)
    linked = link_tasks(store, mailbox)
    links = store.task_links().set_index("external_id")
    graph.delete(f"{lists_url}/{created['id']}")
    result = sync_todo(runtime, mailbox)

    assert linked >= 1
    assert links.loc[link["externalId"], "task_id"] == task["id"]
    assert result.removed == 2, "the list and its task"
    assert created["id"] not in set(store.read_table("m365", "todo_lists")["id"])
    assert task["id"] not in set(store.read_table("m365", "todo_tasks")["id"])
