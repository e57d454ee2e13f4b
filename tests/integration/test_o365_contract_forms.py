"""Contract: other spellings Graph clients use, against the Graph stand-in: `delta()`,
drive paths under an item, and request bodies in PascalCase."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from O365 import Account
from O365.drive import Drive, Folder

from config.settings import Settings
from tests.integration.test_o365_contract_support import (
    colleague,
    graph_root,
    kam,
    raw_graph,
    unique,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def session(account: Account) -> Iterator[requests.Session]:
    with raw_graph(account) as opened:
        yield opened


@pytest.fixture
def drive(account: Account, sandbox_settings: Settings) -> Drive:
    found = account.storage(resource=kam(sandbox_settings)).get_default_drive()
    assert found is not None
    return found


@pytest.fixture
def folder(drive: Drive) -> Iterator[Folder]:
    made = drive.get_root_folder().create_child_folder(unique("Forms tests"))
    assert made is not None
    yield made
    made.delete()


def _round_ids(session: requests.Session, url: str, params: dict[str, str]) -> list[str]:
    ids: list[str] = []
    link: str | None = url
    while link:
        answer = session.get(link, params=params if not ids else None, timeout=30)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        ids += [entry["id"] for entry in body["value"]]
        link = body.get("@odata.nextLink")
    return ids


def test_delta_function_call_forms(session: requests.Session, sandbox_settings: Settings) -> None:
    mailbox = f"{graph_root(sandbox_settings)}/users/{kam(sandbox_settings)}"
    inbox = f"{mailbox}/mailFolders/inbox/messages"
    window = {"startDateTime": "2020-01-01T00:00:00Z", "endDateTime": "2030-01-01T00:00:00Z"}
    select = {"$select": "subject"}

    assert _round_ids(session, f"{inbox}/delta()", select) == _round_ids(
        session, f"{inbox}/delta", select
    )
    assert _round_ids(session, f"{mailbox}/calendarView/delta()", window) == _round_ids(
        session, f"{mailbox}/calendarView/delta", window
    )


def test_paths_under_an_item(
    session: requests.Session,
    drive: Drive,
    folder: Folder,
    sandbox_settings: Settings,
    tmp_path: Path,
) -> None:
    notes = tmp_path / "q1 notes.txt"
    notes.write_bytes(b"renewal notes")
    uploaded = folder.create_child_folder("Q1 review").upload_file(notes)
    assert uploaded is not None
    mailbox_drive = f"{graph_root(sandbox_settings)}/users/{kam(sandbox_settings)}/drive"
    drives = f"{graph_root(sandbox_settings)}/drives/{session.get(mailbox_drive).json()['id']}"

    under_item = session.get(f"{drives}/items/{folder.object_id}:/Q1%20review/q1%20notes.txt:")
    under_root = session.get(f"{drives}/items/root:/{folder.name}/Q1 review/q1 notes.txt:/content")
    by_o365 = drive.get_item_by_path(f"/{folder.name}/Q1 review/q1 notes.txt")

    assert under_item.status_code == 200, under_item.text
    assert under_item.json()["id"] == uploaded.object_id == by_o365.object_id
    assert under_root.content == b"renewal notes"


def test_send_mail_in_pascal_case(
    session: requests.Session, account: Account, sandbox_settings: Settings
) -> None:
    subject = unique("PascalCase digest")
    body = {
        "Message": {
            "Subject": subject,
            "Body": {"ContentType": "Text", "Content": "Two renewals are due."},
            "ToRecipients": [{"EmailAddress": {"Address": colleague(sandbox_settings)}}],
        },
        "SaveToSentItems": False,
    }
    url = f"{graph_root(sandbox_settings)}/users/{kam(sandbox_settings)}/sendMail"

    sent = session.post(url, json=body, timeout=30)

    assert sent.status_code == 202, sent.text
    inbox = account.mailbox(resource=colleague(sandbox_settings)).inbox_folder()
    subjects = [message.subject for message in inbox.get_messages(limit=None, batch=50)]
    assert subject in subjects
