"""Contract: delta round trips over raw HTTP (messages, calendarView, To Do tasks)
with creates, updates and deletes between rounds, as any Graph client runs them.

The sandbox is shared by the session, so each test follows only the items it
wrote itself: other tests may add items to the same collections meanwhile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from O365 import Account

from config.settings import Settings
from tests.integration.test_o365_contract_support import (
    colleague,
    graph_root,
    kam,
    o365_account,
    raw_graph,
    unique,
)

pytestmark = pytest.mark.integration

PAGE = {"Prefer": "odata.maxpagesize=5"}


@pytest.fixture
def session(sandbox_settings: Settings) -> Iterator[requests.Session]:
    with o365_account(sandbox_settings) as account, raw_graph(account) as opened:
        yield opened


def _round(session: requests.Session, url: str) -> tuple[list[dict[str, Any]], str]:
    """One delta round: every page up to the deltaLink; the items and that link."""
    items: list[dict[str, Any]] = []
    link: str | None = url
    while True:
        assert link is not None
        response = session.get(link, headers=PAGE)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["value"]) <= 5
        items += body["value"]
        if "@odata.deltaLink" in body:
            return items, str(body["@odata.deltaLink"])
        link = body["@odata.nextLink"]


def _by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in items}


def test_message_delta_round_trip(session: requests.Session, sandbox_settings: Settings) -> None:
    root = graph_root(sandbox_settings)
    sender, owner = kam(sandbox_settings), colleague(sandbox_settings)
    inbox = f"{root}/users/{owner}/mailFolders/inbox"
    first, link = _round(session, f"{inbox}/messages/delta?$select=subject,isRead")
    assert len(first) > 5, "several pages"

    subjects = [unique("Delta mail") for _ in range(3)]
    for subject in subjects:
        mail = {
            "subject": subject,
            "body": {"contentType": "Text", "content": "delta"},
            "toRecipients": [{"emailAddress": {"address": owner}}],
        }
        sent = session.post(f"{root}/users/{sender}/sendMail", json={"message": mail})
        assert sent.status_code == 202
    second, link = _round(session, link)
    mine = {item["subject"]: item["id"] for item in second if item.get("subject") in subjects}
    assert set(mine) == set(subjects)

    read_id, deleted_id, kept_id = (mine[subject] for subject in subjects)
    marked = session.patch(f"{root}/users/{owner}/messages/{read_id}", json={"isRead": True})
    assert marked.status_code == 200
    assert session.delete(f"{root}/users/{owner}/messages/{deleted_id}").status_code == 204
    third, link = _round(session, link)
    changed = _by_id(third)

    assert changed[read_id]["isRead"] is True and "@removed" not in changed[read_id]
    assert changed[deleted_id]["@removed"] == {"reason": "deleted"}
    assert kept_id not in changed
    assert set(changed[read_id]) <= {"@odata.type", "@odata.etag", "id", "subject", "isRead"}
    quiet, _ = _round(session, link)
    assert not {read_id, deleted_id, kept_id} & set(_by_id(quiet))


def test_calendar_view_delta_round_trip(
    session: requests.Session, sandbox_settings: Settings
) -> None:
    root = graph_root(sandbox_settings)
    events = f"{root}/users/{kam(sandbox_settings)}/events"
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=2)
    window = f"startDateTime={(start - dt.timedelta(days=1)).isoformat()}"
    window += f"&endDateTime={(start + dt.timedelta(days=7)).isoformat()}"
    view = f"{root}/users/{kam(sandbox_settings)}/calendarView/delta?{window}"
    _, link = _round(session, view.replace("+", "%2B"))

    def create(subject: str, day: int) -> str:
        when = start + dt.timedelta(days=day)
        body = {
            "subject": subject,
            "start": {"dateTime": when.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
            "end": {"dateTime": (when + dt.timedelta(hours=1)).isoformat()[:19], "timeZone": "UTC"},
        }
        response = session.post(events, json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    moved_id, removed_id, outside_id = (
        create(unique("Delta meeting"), 1),
        create(unique("Delta meeting"), 2),
        create(unique("Far meeting"), 30),
    )
    second, link = _round(session, link)
    assert {moved_id, removed_id} <= {
        key for key, item in _by_id(second).items() if "start" in item
    }
    # Never shown as a live event. (The stand-in also lists it `@removed`, where
    # Exchange would say nothing; harmless to a client: see calendar_delta.py.)
    assert "@removed" in _by_id(second).get(outside_id, {"@removed": {}})

    later = start + dt.timedelta(days=3, hours=2)
    change = {"start": {"dateTime": later.isoformat()[:19], "timeZone": "UTC"}}
    change["end"] = {
        "dateTime": (later + dt.timedelta(hours=1)).isoformat()[:19],
        "timeZone": "UTC",
    }
    assert session.patch(f"{events}/{moved_id}", json=change).status_code == 200
    assert session.delete(f"{events}/{removed_id}").status_code == 204
    third, _ = _round(session, link)
    changed = _by_id(third)

    assert changed[moved_id]["start"]["dateTime"].startswith(later.isoformat()[:19])
    assert changed[removed_id]["@removed"] == {"reason": "deleted"}
    assert "start" not in changed.get(outside_id, {})


def test_todo_task_delta_round_trip(session: requests.Session, sandbox_settings: Settings) -> None:
    lists = f"{graph_root(sandbox_settings)}/users/{kam(sandbox_settings)}/todo/lists"
    created = session.post(lists, json={"displayName": unique("Delta list")})
    assert created.status_code == 201
    tasks = f"{lists}/{created.json()['id']}/tasks"
    for n in range(7):
        assert session.post(tasks, json={"title": f"Seeded {n}"}).status_code == 201
    first, link = _round(session, f"{tasks}/delta")
    assert len(first) == 7

    new_id = session.post(tasks, json={"title": "Fresh"}).json()["id"]
    done_id, gone_id = first[0]["id"], first[1]["id"]
    patched = session.patch(f"{tasks}/{done_id}", json={"status": "completed"})
    assert patched.status_code == 200
    assert session.delete(f"{tasks}/{gone_id}").status_code == 204
    second, link = _round(session, link)
    changed = _by_id(second)

    assert set(changed) == {new_id, done_id, gone_id}
    assert changed[new_id]["title"] == "Fresh"
    assert changed[done_id]["status"] == "completed"
    assert changed[gone_id]["@removed"] == {"reason": "deleted"}
    assert _round(session, link)[0] == []
    list_round, _ = _round(session, f"{lists}/delta")
    assert created.json()["id"] in _by_id(list_round)
    assert session.delete(f"{lists}/{created.json()['id']}").status_code == 204


def test_o365_sees_a_list_made_over_raw_http(
    account: Account, session: requests.Session, sandbox_settings: Settings
) -> None:
    lists = f"{graph_root(sandbox_settings)}/users/{kam(sandbox_settings)}/todo/lists"
    name = unique("Raw list")
    list_id = session.post(lists, json={"displayName": name}).json()["id"]
    todo = account.tasks(resource=kam(sandbox_settings))

    names = {folder.name for folder in todo.list_folders_delta()}
    session.delete(f"{lists}/{list_id}")
    after = {folder.name for folder in todo.list_folders()}

    assert name in names and name not in after
