"""Reading mail: folders, message listing, paging, query options, update, delete."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sandbox.graph import load_seed
from sandbox.seed.model import GraphSeed
from sandbox.state import DocStore
from tests.unit.test_sandbox_graph_support import TENANT_DOMAIN, TestClient, demo_seed

ALICE_MAIL = f"/v1.0/users/alice@{TENANT_DOMAIN}"


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


def _subjects(body: dict[str, Any]) -> list[str]:
    return [message["subject"] for message in body["value"]]


def _all_pages(client: TestClient, url: str, **kwargs: Any) -> list[dict[str, Any]]:
    body = client.get(url, **kwargs).json()
    messages = body["value"]
    while "@odata.nextLink" in body:
        body = client.get(body["@odata.nextLink"], **kwargs).json()
        messages += body["value"]
    return messages


def test_messages_page_ten_newest_first_with_skip_links(client: TestClient) -> None:
    body = client.get(f"{ALICE_MAIL}/messages").json()

    assert len(body["value"]) == 10
    assert body["value"][0]["subject"] == "Quote for Fabrikam"
    assert body["value"][1]["subject"] == "Renewal question 15"
    assert body["@odata.nextLink"] == (
        f"http://testserver/v1.0/users/alice@{TENANT_DOMAIN}/messages?$skip=10"
    )
    assert body["@odata.context"] == (
        f"http://testserver/v1.0/$metadata#users('alice%40{TENANT_DOMAIN}')/messages"
    )


def test_following_next_links_reaches_every_message_once(client: TestClient) -> None:
    messages = _all_pages(client, f"{ALICE_MAIL}/messages?$top=4&$select=subject")

    assert len(messages) == 16
    assert len({message["id"] for message in messages}) == 16


def test_prefer_maxpagesize_sets_the_page_size(client: TestClient) -> None:
    headers = {"Prefer": "odata.maxpagesize=6"}
    response = client.get(f"{ALICE_MAIL}/mailFolders/inbox/messages", headers=headers)

    assert len(response.json()["value"]) == 6
    assert response.headers["Preference-Applied"] == "odata.maxpagesize=6"
    every = _all_pages(client, f"{ALICE_MAIL}/mailFolders/inbox/messages", headers=headers)
    assert len(every) == 15


def test_message_has_graph_properties_and_a_real_folder_id(client: TestClient) -> None:
    inbox = client.get(f"{ALICE_MAIL}/mailFolders/Inbox").json()
    message = client.get(f"{ALICE_MAIL}/mailFolders/inbox/messages?$top=1").json()["value"][0]

    assert message["parentFolderId"] == inbox["id"] != "inbox"
    assert message["@odata.etag"].startswith('W/"')
    assert message["bodyPreview"] == "Hello Alice , question 15"
    assert message["body"]["contentType"] == "html"
    assert message["sender"] == message["from"]
    assert message["webLink"].startswith("http://testserver/owa/?ItemID=")
    for name in ("createdDateTime", "internetMessageId", "conversationId", "ccRecipients"):
        assert name in message
    assert "internetMessageHeaders" not in message


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (
            "receivedDateTime ge 2026-01-13T00:00:00Z and isRead eq false",
            ["Renewal question 15", "Renewal question 13"],
        ),
        (
            "from/emailAddress/address eq 'DANA@fabrikam.com' and isRead eq true",
            ["Renewal question 12", "Renewal question 6"],
        ),
        (
            "conversationId eq 'conv-3' and receivedDateTime lt 2026-01-08T00:00:00Z",
            ["Renewal question 7", "Renewal question 3"],
        ),
    ],
)
def test_filter_selects_messages(client: TestClient, expression: str, expected: list[str]) -> None:
    body = client.get(f"{ALICE_MAIL}/mailFolders/inbox/messages", params={"$filter": expression})

    assert _subjects(body.json()) == expected


def test_orderby_that_leads_the_filter_sorts_ascending(client: TestClient) -> None:
    params = {
        "$filter": "receivedDateTime ge 2026-01-12T00:00:00Z",
        "$orderby": "receivedDateTime asc",
        "$select": "subject",
    }
    body = client.get(f"{ALICE_MAIL}/mailFolders/inbox/messages", params=params).json()

    assert _subjects(body)[:2] == ["Renewal question 12", "Renewal question 13"]
    assert body["@odata.context"].endswith("/messages(subject)")


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"$filter": "isRead eq false", "$orderby": "receivedDateTime desc"}, "InefficientFilter"),
        ({"$filter": "shoeSize eq 3"}, "RequestBroker--ParseUri"),
        ({"$select": "subject,shoeSize"}, "RequestBroker--ParseUri"),
        ({"$filter": "subject eq"}, "BadRequest"),
        ({"$top": "ten"}, "BadRequest"),
        ({"$search": '"renewal"'}, "BadRequest"),
        ({"$count": "true"}, "BadRequest"),
    ],
)
def test_unsupported_or_invalid_queries_fail_like_graph(
    client: TestClient, params: dict[str, str], code: str
) -> None:
    response = client.get(f"{ALICE_MAIL}/messages", params=params)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_folders_list_well_known_folders_with_counts(client: TestClient) -> None:
    body = client.get(f"{ALICE_MAIL}/mailFolders").json()

    folders = {folder["displayName"]: folder for folder in body["value"]}
    assert set(folders) == {"Inbox", "Sent Items", "Drafts", "Deleted Items"}
    assert folders["Inbox"]["totalItemCount"] == 15
    assert folders["Inbox"]["unreadItemCount"] == 8
    assert folders["Sent Items"]["totalItemCount"] == 1


def test_get_and_mark_a_message_read(client: TestClient) -> None:
    unread = client.get(f"{ALICE_MAIL}/messages?$filter=isRead eq false&$top=1").json()["value"][0]

    patched = client.patch(f"{ALICE_MAIL}/messages/{unread['id']}", json={"isRead": True})
    fetched = client.get(f"{ALICE_MAIL}/messages/{unread['id']}?$select=isRead").json()

    assert patched.status_code == 200
    assert patched.json()["isRead"] is True
    assert patched.json()["@odata.etag"] != unread["@odata.etag"]
    assert fetched["isRead"] is True
    assert set(fetched) == {"@odata.context", "@odata.etag", "id", "isRead"}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"subject": "Edited"}, "ErrorInvalidPropertyUpdateSentMessage"),
        ({"parentFolderId": "x"}, "ErrorInvalidPropertySet"),
        ({"colour": "red"}, "RequestBodyRead"),
    ],
)
def test_updates_a_sent_message_cannot_take(
    client: TestClient, change: dict[str, str], code: str
) -> None:
    message = client.get(f"{ALICE_MAIL}/messages?$top=1").json()["value"][0]

    response = client.patch(f"{ALICE_MAIL}/messages/{message['id']}", json=change)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_delete_moves_to_deleted_items_then_removes(client: TestClient) -> None:
    message = client.get(f"{ALICE_MAIL}/messages?$top=1").json()["value"][0]

    assert client.delete(f"{ALICE_MAIL}/messages/{message['id']}").status_code == 204
    trash = client.get(f"{ALICE_MAIL}/mailFolders/deleteditems/messages").json()["value"]
    assert client.get(f"{ALICE_MAIL}/messages/{message['id']}").status_code == 404
    assert [m["subject"] for m in trash] == [message["subject"]]
    assert trash[0]["id"] != message["id"]

    assert client.delete(f"{ALICE_MAIL}/messages/{trash[0]['id']}").status_code == 204
    assert client.get(f"{ALICE_MAIL}/mailFolders/deleteditems/messages").json()["value"] == []


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/messages/AAMkAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 404, "ErrorItemNotFound"),
        ("/messages/42", 400, "ErrorInvalidIdMalformed"),
        ("/mailFolders/archive", 400, "ErrorInvalidIdMalformed"),
    ],
)
def test_missing_items_fail_like_exchange(
    client: TestClient, path: str, status: int, code: str
) -> None:
    response = client.get(f"{ALICE_MAIL}{path}")

    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_unknown_mailbox_user_is_error_invalid_user(client: TestClient) -> None:
    response = client.get(f"/v1.0/users/nobody@{TENANT_DOMAIN}/messages")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ErrorInvalidUser"


def test_seed_with_an_unknown_folder_is_rejected(tmp_path: Path) -> None:
    seed = demo_seed()
    user_id = seed.users[0]["id"]
    broken = GraphSeed(
        seed.tenant_domain, seed.users, messages={user_id: [{"parentFolderId": "junkemail"}]}
    )
    store = DocStore(tmp_path / "broken.sqlite")

    with pytest.raises(ValueError, match="junkemail"):
        load_seed(store, broken)
    store.close()
