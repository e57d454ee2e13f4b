"""Message delta per mail folder: rounds, paging, removals and moves."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.test_sandbox_graph_support import TENANT_DOMAIN, TestClient

MAILBOX = f"/v1.0/users/alice@{TENANT_DOMAIN}"
INBOX_DELTA = f"{MAILBOX}/mailFolders/inbox/messages/delta"


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


def _round(client: TestClient, url: str, **headers: str) -> tuple[list[dict[str, Any]], str, int]:
    """Follow a round to its deltaLink: (every entry, the deltaLink, pages read)."""
    entries: list[dict[str, Any]] = []
    pages = 0
    while True:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        entries += body["value"]
        pages += 1
        if "@odata.deltaLink" in body:
            assert "@odata.nextLink" not in body
            return entries, body["@odata.deltaLink"], pages
        url = body["@odata.nextLink"]


def test_initial_round_pages_every_inbox_message_ten_at_a_time(client: TestClient) -> None:
    first = client.get(INBOX_DELTA).json()
    entries, delta_link, pages = _round(client, INBOX_DELTA)

    assert len(first["value"]) == 10
    assert "$skiptoken=" in first["@odata.nextLink"]
    assert first["@odata.context"].endswith("/v1.0/$metadata#Collection(message)")
    assert pages == 2
    assert len(entries) == 15 == len({entry["id"] for entry in entries})
    assert all(e["@odata.type"] == "#microsoft.graph.message" for e in entries)
    assert "/mailFolders/inbox/messages/delta?$deltatoken=" in delta_link
    assert not any("@removed" in entry for entry in entries)


def test_maxpagesize_preference_is_applied_and_select_kept_across_pages(
    client: TestClient,
) -> None:
    response = client.get(
        f"{INBOX_DELTA}?$select=subject,receivedDateTime",
        headers={"Prefer": "odata.maxpagesize=4"},
    )
    second = client.get(response.json()["@odata.nextLink"])

    assert response.headers["Preference-Applied"] == "odata.maxpagesize=4"
    assert len(response.json()["value"]) == 4
    assert set(second.json()["value"][0]) == {
        "@odata.type",
        "@odata.etag",
        "id",
        "subject",
        "receivedDateTime",
    }


def test_received_filter_bounds_the_first_sync(client: TestClient) -> None:
    url = f"{INBOX_DELTA}?$filter=receivedDateTime ge 2026-01-10T00:00:00Z"
    entries, _, _ = _round(client, url, Prefer="odata.maxpagesize=50")

    assert sorted(e["receivedDateTime"] for e in entries)[0] == "2026-01-10T09:00:00Z"
    assert len(entries) == 6


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("$filter=subject eq 'x'", "ErrorInvalidUrlQueryFilter"),
        ("$filter=receivedDateTime lt 2026-01-10T00:00:00Z", "ErrorInvalidUrlQueryFilter"),
        ("$orderby=subject", "BadRequest"),
        ("$search=renewal", "ErrorInvalidUrlQuery"),
        ("$select=nope", "RequestBroker--ParseUri"),
    ],
)
def test_unsupported_delta_options_are_refused(client: TestClient, query: str, code: str) -> None:
    response = client.get(f"{INBOX_DELTA}?{query}")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_next_round_reports_new_changed_deleted_and_moved_messages(client: TestClient) -> None:
    entries, delta_link, _ = _round(client, INBOX_DELTA, Prefer="odata.maxpagesize=50")
    by_subject = {e["subject"]: e["id"] for e in entries}
    read = by_subject["Renewal question 1"]
    deleted = by_subject["Renewal question 2"]
    draft = client.post(f"{MAILBOX}/mailFolders/inbox/messages", json={"subject": "New"}).json()

    assert client.patch(f"{MAILBOX}/messages/{read}", json={"isRead": True}).status_code == 200
    assert client.delete(f"{MAILBOX}/messages/{deleted}").status_code == 204
    changes, next_link, _ = _round(client, delta_link)

    removed = [e["id"] for e in changes if "@removed" in e]
    live = {e["id"] for e in changes if "@removed" not in e}
    assert removed == [deleted]
    assert changes[[e["id"] for e in changes].index(deleted)] == {
        "@odata.type": "#microsoft.graph.message",
        "id": deleted,
        "@removed": {"reason": "deleted"},
    }
    assert live == {read, draft["id"]}
    assert _round(client, next_link)[0] == []

    trash, trash_link, _ = _round(client, f"{MAILBOX}/mailFolders/deleteditems/messages/delta")
    assert [e["subject"] for e in trash] == ["Renewal question 2"]
    assert client.delete(f"{MAILBOX}/messages/{trash[0]['id']}").status_code == 204
    assert [e["@removed"] for e in _round(client, trash_link)[0]] == [{"reason": "deleted"}]


def test_writes_during_a_round_are_neither_lost_nor_repeated(client: TestClient) -> None:
    headers = {"Prefer": "odata.maxpagesize=5"}
    first = client.get(INBOX_DELTA, headers=headers).json()
    seen = [e["id"] for e in first["value"]]
    client.patch(f"{MAILBOX}/messages/{seen[0]}", json={"isRead": True})
    rest, delta_link, _ = _round(client, first["@odata.nextLink"], **headers)

    assert len(seen) + len(rest) == 15
    assert len(set(seen) | {e["id"] for e in rest}) == 15
    assert [e["id"] for e in _round(client, delta_link)[0]] == [seen[0]]


def test_sent_items_delta_sees_only_its_folder_and_sent_mail(client: TestClient) -> None:
    url = f"{MAILBOX}/mailFolders/sentitems/messages/delta"
    entries, delta_link, _ = _round(client, url)
    mail = {
        "message": {
            "subject": "Follow-up",
            "toRecipients": [{"emailAddress": {"address": f"bob@{TENANT_DOMAIN}"}}],
        }
    }
    assert client.post(f"{MAILBOX}/sendMail", json=mail).status_code == 202

    assert [e["subject"] for e in entries] == ["Quote for Fabrikam"]
    assert [e["subject"] for e in _round(client, delta_link)[0]] == ["Follow-up"]


def test_a_moved_message_leaves_one_folder_and_arrives_new_in_the_other(
    client: TestClient,
) -> None:
    inbox, inbox_link, _ = _round(client, INBOX_DELTA, Prefer="odata.maxpagesize=50")
    drafts_url = f"{MAILBOX}/mailFolders/drafts/messages/delta"
    _, drafts_link, _ = _round(client, drafts_url)
    old_id = inbox[0]["id"]

    moved = client.post(f"{MAILBOX}/messages/{old_id}/move", json={"destinationId": "drafts"})

    assert moved.status_code == 201
    assert moved.json()["id"] != old_id
    assert moved.json()["subject"] == inbox[0]["subject"]
    assert [(e["id"], e.get("@removed")) for e in _round(client, inbox_link)[0]] == [
        (old_id, {"reason": "deleted"})
    ]
    assert [e["id"] for e in _round(client, drafts_link)[0]] == [moved.json()["id"]]
    assert client.get(f"{MAILBOX}/messages/{old_id}").status_code == 404


def test_moving_to_an_unknown_folder_is_refused(client: TestClient) -> None:
    message = client.get(f"{MAILBOX}/messages?$top=1").json()["value"][0]

    response = client.post(
        f"{MAILBOX}/messages/{message['id']}/move", json={"destinationId": "nowhere"}
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "ErrorInvalidIdMalformed"
