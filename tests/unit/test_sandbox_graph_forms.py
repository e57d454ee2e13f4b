"""Other spellings Graph accepts: `delta()`, paths under an item, names in any case."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from openpyxl import Workbook
from openpyxl.worksheet.table import Table

from tests.unit.test_sandbox_graph_support import TENANT_DOMAIN, TestClient

ALICE = f"/v1.0/users/alice@{TENANT_DOMAIN}"
BOB = f"bob@{TENANT_DOMAIN}"
FEBRUARY = {"startDateTime": "2026-02-01T00:00:00Z", "endDateTime": "2026-03-01T00:00:00Z"}


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


def _round_ids(client: TestClient, url: str, params: dict[str, str] | None = None) -> list[str]:
    """The ids of every entry of one delta round, following nextLinks to the deltaLink."""
    ids: list[str] = []
    link: str | None = url
    while link:
        response = client.get(link, params=params if not ids else None)
        assert response.status_code == 200, response.text
        body = response.json()
        ids += [entry["id"] for entry in body["value"]]
        link = body.get("@odata.nextLink")
        if link is None:
            assert "@odata.deltaLink" in body
    return ids


@pytest.mark.parametrize("call", ["delta()", "microsoft.graph.delta()", "Delta()"])
def test_message_delta_as_a_function_call_is_the_same_round(client: TestClient, call: str) -> None:
    folder = f"{ALICE}/mailFolders/inbox/messages"

    assert _round_ids(client, f"{folder}/{call}") == _round_ids(client, f"{folder}/delta")


def test_calendar_view_delta_call_takes_the_window(client: TestClient) -> None:
    plain = _round_ids(client, f"{ALICE}/calendarView/delta", FEBRUARY)
    called = _round_ids(client, f"{ALICE}/calendarView/delta()", FEBRUARY)

    assert called == plain
    missing_window = client.get(f"{ALICE}/calendarView/delta()")
    assert missing_window.status_code == 400


def test_todo_task_delta_call_reports_new_tasks(client: TestClient) -> None:
    task_list = client.post(f"{ALICE}/todo/lists", json={"displayName": "Renewals"}).json()
    tasks = f"{ALICE}/todo/lists/{task_list['id']}/tasks"
    created = client.post(tasks, json={"title": "Call Fabrikam"}).json()

    assert _round_ids(client, f"{tasks}/delta()") == [created["id"]]
    assert created["id"] in _round_ids(client, f"{ALICE}/todo/lists/{task_list['id']}/tasks/delta")


def test_unknown_function_still_answers_graphs_error(client: TestClient) -> None:
    response = client.get(f"{ALICE}/mailFolders/inbox/messages/deltas()")

    assert response.status_code == 400
    assert response.json()["error"]["code"]


def _upload(client: TestClient, path: str, content: bytes) -> dict[str, Any]:
    response = client.put(f"{ALICE}/drive/root:/{path}:/content", content=content)
    assert response.status_code == 201, response.text
    uploaded: dict[str, Any] = response.json()
    return uploaded


def test_items_root_path_addresses_like_root_path(client: TestClient) -> None:
    uploaded = _upload(client, "Reports/2026/pipeline.xlsx", b"sheet bytes")

    item = client.get(f"{ALICE}/drive/items/root:/Reports/2026/pipeline.xlsx:")
    bare = client.get(f"{ALICE}/drive/items/root:/Reports/2026/pipeline.xlsx")
    content = client.get(
        f"{ALICE}/drive/items/root:/Reports/2026/pipeline.xlsx:/content", follow_redirects=True
    )

    assert item.status_code == 200 and item.json()["id"] == uploaded["id"]
    assert bare.json()["id"] == uploaded["id"]
    assert content.content == b"sheet bytes"


def test_path_under_an_item_id_with_encoded_names(client: TestClient) -> None:
    uploaded = _upload(client, "Key Accounts/Q1 review/deck notes.txt", b"notes")
    folder = client.get(f"{ALICE}/drive/root:/Key Accounts:").json()
    drive_id = client.get(f"{ALICE}/drive").json()["id"]

    by_user = client.get(f"{ALICE}/drive/items/{folder['id']}:/Q1%20review/deck%20notes.txt:")
    by_drive = client.get(f"/v1.0/drives/{drive_id}/items/{folder['id']}:/Q1 review/deck notes.txt")
    content = client.get(
        f"/v1.0/drives/{drive_id}/items/{folder['id']}:/Q1 review/deck notes.txt:/content",
        follow_redirects=True,
    )

    assert by_user.status_code == 200, by_user.text
    assert by_user.json()["id"] == by_drive.json()["id"] == uploaded["id"]
    assert content.content == b"notes"


def test_upload_and_upload_session_under_an_item_path(client: TestClient) -> None:
    _upload(client, "Reports/readme.txt", b"x")
    folder = client.get(f"{ALICE}/drive/root:/Reports:").json()

    put = client.put(
        f"{ALICE}/drive/items/{folder['id']}:/2026/forecast.csv:/content", content=b"1"
    )
    session = client.post(
        f"{ALICE}/drive/items/{folder['id']}:/2026/big.xlsx:/createUploadSession",
        json={"Item": {"@microsoft.graph.conflictBehavior": "fail"}},
    )

    assert put.status_code == 201, put.text
    assert (
        client.get(f"{ALICE}/drive/root:/Reports/2026/forecast.csv:").json()["id"]
        == (put.json()["id"])
    )
    assert session.status_code == 200, session.text
    assert "uploadUrl" in session.json()


def _goals_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Account", "Revenue Goal"])
    sheet.append(["Fabrikam", 120000])
    sheet.add_table(Table(displayName="Goals", ref="A1:B2"))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_workbook_under_an_item_path(client: TestClient) -> None:
    _upload(client, "KAM/Goals.xlsx", _goals_xlsx())
    folder = client.get(f"{ALICE}/drive/root:/KAM:").json()
    book = f"{ALICE}/drive/items/{folder['id']}:/Goals.xlsx:/workbook"

    session = client.post(f"{book}/createSession", json={"PersistChanges": False})
    tables = client.get(f"{book}/tables", headers={"workbook-session-id": session.json()["id"]})

    assert session.status_code == 201, session.text
    assert session.json()["persistChanges"] is False
    assert [table["name"] for table in tables.json()["value"]] == ["Goals"]


def test_path_under_a_missing_item_is_item_not_found(client: TestClient) -> None:
    response = client.get(f"{ALICE}/drive/items/01NOSUCHITEM:/a.txt:")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "itemNotFound"


def _inbox_of(client: TestClient, user: str) -> list[dict[str, Any]]:
    url = f"/v1.0/users/{user}/mailFolders/inbox/messages?$select=subject,toRecipients"
    messages: list[dict[str, Any]] = client.get(url).json()["value"]
    return messages


def test_send_mail_with_pascal_case_names(client: TestClient) -> None:
    body = {
        "Message": {
            "Subject": "Renewal digest",
            "Body": {"ContentType": "Text", "Content": "Two renewals due."},
            "ToRecipients": [{"EmailAddress": {"Address": BOB}}],
        },
        "SaveToSentItems": "false",
    }

    response = client.post(f"{ALICE}/sendMail", json=body)

    assert response.status_code == 202, response.text
    delivered = [m for m in _inbox_of(client, BOB) if m["subject"] == "Renewal digest"]
    assert delivered and delivered[0]["toRecipients"][0]["emailAddress"]["address"] == BOB
    sent = client.get(f"{ALICE}/mailFolders/sentitems/messages?$select=subject").json()
    assert "Renewal digest" not in [m["subject"] for m in sent["value"]]


def test_move_and_reply_take_parameters_in_any_case(client: TestClient) -> None:
    message = client.get(f"{ALICE}/mailFolders/inbox/messages?$top=1").json()["value"][0]

    reply = client.post(
        f"{ALICE}/messages/{message['id']}/createReply", json={"Comment": "Thanks, noted."}
    )
    moved = client.post(
        f"{ALICE}/messages/{message['id']}/move", json={"DestinationId": "deleteditems"}
    )

    assert reply.status_code == 201, reply.text
    assert "Thanks, noted." in reply.json()["body"]["content"]
    assert moved.status_code == 201, moved.text
    assert moved.json()["parentFolderId"] != message["parentFolderId"]


def test_unknown_property_in_any_case_is_still_refused(client: TestClient) -> None:
    body = {"Message": {"Subjekt": "typo", "ToRecipients": [{"EmailAddress": {"Address": BOB}}]}}

    response = client.post(f"{ALICE}/sendMail", json=body)

    assert response.status_code == 400
    assert "Subjekt" in response.json()["error"]["message"]


def test_count_segment_is_refused_as_unsupported_not_as_a_bad_id(client: TestClient) -> None:
    response = client.get(f"{ALICE}/mailFolders/inbox/messages/$count")

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "The '$count' segment is not supported."


def test_value_segment_under_a_folder_serves_the_mime(client: TestClient) -> None:
    message = client.get(f"{ALICE}/mailFolders/inbox/messages?$top=1").json()["value"][0]

    mime = client.get(f"{ALICE}/mailFolders/inbox/messages/{message['id']}/$value")

    assert mime.status_code == 200
    assert mime.headers["content-type"].startswith("message/rfc822")
