"""Test-control deliveries: inbound internet mail and external meeting invitations."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.test_sandbox_graph_support import TENANT_DOMAIN, TestClient

ALICE = f"/v1.0/users/alice@{TENANT_DOMAIN}"
INBOX = f"{ALICE}/mailFolders/inbox/messages"
INBOUND = "/_sandbox/graph/inbound-mail"
INVITATION = "/_sandbox/graph/external-invitation"
FEBRUARY = {"startDateTime": "2026-02-01T00:00:00Z", "endDateTime": "2026-03-01T00:00:00Z"}


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


def _round(
    client: TestClient, url: str, params: dict[str, str] | None = None
) -> tuple[list[dict[str, Any]], str]:
    """Every entry of one delta round and its deltaLink."""
    entries: list[dict[str, Any]] = []
    link: str | None = url
    while link:
        response = client.get(link, params=params if not entries else None)
        assert response.status_code == 200, response.text
        body = response.json()
        entries += body["value"]
        link = body.get("@odata.nextLink")
        if link is None:
            return entries, body["@odata.deltaLink"]
    raise AssertionError("unreachable")


def _mail(**overrides: Any) -> dict[str, Any]:
    return {
        "to": f"alice@{TENANT_DOMAIN}",
        "from": {"address": "erin@northwind.example", "name": "Erin Ng"},
        "subject": "Late delivery on order 4471",
        "body": "<p>Our pallets have not arrived.</p>",
        "contentType": "html",
        "cc": ["frank@northwind.example"],
        "receivedDateTime": "2026-03-02T08:15:00Z",
    } | overrides


def _invitation(**overrides: Any) -> dict[str, Any]:
    return {
        "to": f"alice@{TENANT_DOMAIN}",
        "organizer": {"address": "gina@northwind.example", "name": "Gina Ruiz"},
        "subject": "Escalation call",
        "start": "2026-02-12T15:00:00",
        "end": "2026-02-12T16:00:00",
        "timeZone": "W. Europe Standard Time",
        "attendees": ["hal@northwind.example", {"address": "bob@" + TENANT_DOMAIN}],
        "location": "Teams",
    } | overrides


def test_inbound_mail_lands_unread_in_the_inbox_from_the_outsider(client: TestClient) -> None:
    response = client.post(INBOUND, json=_mail())
    listed = client.get(
        INBOX, params={"$filter": "from/emailAddress/address eq 'erin@northwind.example'"}
    )

    assert response.status_code == 201, response.text
    made = response.json()
    assert made["from"] == made["sender"]
    assert made["from"]["emailAddress"] == {"name": "Erin Ng", "address": "erin@northwind.example"}
    assert made["toRecipients"][0]["emailAddress"]["address"] == f"alice@{TENANT_DOMAIN}"
    assert made["ccRecipients"][0]["emailAddress"]["address"] == "frank@northwind.example"
    assert made["isRead"] is False and made["receivedDateTime"] == "2026-03-02T08:15:00Z"
    assert made["internetMessageId"].endswith("@northwind.example>")
    assert made["bodyPreview"] == "Our pallets have not arrived."
    assert [m["id"] for m in listed.json()["value"]] == [made["id"]]


def test_inbound_mail_comes_in_the_next_inbox_delta_round(client: TestClient) -> None:
    _, delta_link = _round(client, f"{INBOX}/delta")
    made = client.post(INBOUND, json=_mail()).json()
    entries, _ = _round(client, delta_link)

    assert [(e["id"], e["subject"]) for e in entries] == [(made["id"], made["subject"])]


def test_a_reply_by_in_reply_to_stays_in_the_thread(client: TestClient) -> None:
    first = client.post(INBOUND, json=_mail()).json()
    reply = client.post(
        INBOUND, json=_mail(subject="RE: Late delivery", inReplyTo=first["internetMessageId"])
    ).json()
    headers = client.get(f"{ALICE}/messages/{reply['id']}?$select=internetMessageHeaders").json()

    assert reply["conversationId"] == first["conversationId"]
    assert reply["internetMessageId"] != first["internetMessageId"]
    assert len(reply["conversationIndex"]) > len(first["conversationIndex"])
    sent = {h["name"]: h["value"] for h in headers["internetMessageHeaders"]}
    assert sent["In-Reply-To"] == first["internetMessageId"]


def test_threading_onto_a_seeded_message_keeps_its_conversation(client: TestClient) -> None:
    reply = client.post(INBOUND, json=_mail(inReplyTo="<msg-3@fabrikam.com>")).json()

    assert reply["conversationId"] == "conv-3"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"to": None}, "'to'"),
        ({"from": None}, "'from'"),
        ({"from": "not-an-address"}, "'from'"),
        ({"receivedDateTime": "yesterday"}, "'receivedDateTime'"),
        ({"contentType": "rtf"}, "'contentType'"),
        ({"cc": "frank@northwind.example"}, "'cc'"),
        ({"inReplyTo": "<nobody@nowhere>"}, "'inReplyTo'"),
    ],
)
def test_a_bad_mail_body_answers_400_naming_the_field(
    client: TestClient, change: dict[str, Any], field: str
) -> None:
    body = {k: v for k, v in (_mail() | change).items() if v is not None}
    response = client.post(INBOUND, json=body)

    assert response.status_code == 400
    assert field in response.json()["error"]


def test_an_unknown_mailbox_answers_404(client: TestClient) -> None:
    mail = client.post(INBOUND, json=_mail(to="nobody@" + TENANT_DOMAIN))
    invitation = client.post(INVITATION, json=_invitation(to="nobody@" + TENANT_DOMAIN))

    assert mail.status_code == invitation.status_code == 404
    assert "'to'" in mail.json()["error"]


def test_the_invitation_is_in_calendar_view_organized_by_the_outsider(client: TestClient) -> None:
    response = client.post(INVITATION, json=_invitation())
    view = client.get(f"{ALICE}/calendarView", params=FEBRUARY).json()["value"]

    assert response.status_code == 201, response.text
    event = next(e for e in view if e["id"] == response.json()["id"])
    assert event["organizer"]["emailAddress"]["address"] == "gina@northwind.example"
    assert event["isOrganizer"] is False
    assert event["responseStatus"]["response"] == "notResponded"
    assert event["start"]["dateTime"].startswith("2026-02-12T14:00:00")  # 15:00 Berlin, UTC
    attendees = {a["emailAddress"]["address"] for a in event["attendees"]}
    assert attendees == {"hal@northwind.example", f"bob@{TENANT_DOMAIN}", f"alice@{TENANT_DOMAIN}"}
    assert event["location"]["displayName"] == "Teams"


def test_the_invitation_comes_in_the_next_calendar_view_delta_round(client: TestClient) -> None:
    _, delta_link = _round(client, f"{ALICE}/calendarView/delta", FEBRUARY)
    made = client.post(INVITATION, json=_invitation(iCalUId="ical-ext-1")).json()
    entries, delta_link = _round(client, delta_link)
    client.post(INVITATION, json=_invitation(iCalUId="ical-ext-1", subject="Moved call"))
    updated, _ = _round(client, delta_link)

    assert [(e["id"], e["iCalUId"]) for e in entries] == [(made["id"], "ical-ext-1")]
    assert entries[0]["organizer"]["emailAddress"]["address"] == "gina@northwind.example"
    assert [(e["id"], e["subject"]) for e in updated] == [(made["id"], "Moved call")]


def test_the_meeting_request_arrives_in_the_inbox(client: TestClient) -> None:
    client.post(INVITATION, json=_invitation())
    inbox = client.get(INBOX, params={"$filter": "subject eq 'Escalation call'"}).json()["value"]

    assert len(inbox) == 1
    request = inbox[0]
    assert request["@odata.type"] == "#microsoft.graph.eventMessageRequest"
    assert request["meetingMessageType"] == "meetingRequest"
    assert request["from"]["emailAddress"]["address"] == "gina@northwind.example"
    assert request["isRead"] is False


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"to": None}, "'to'"),
        ({"organizer": None}, "'organizer'"),
        ({"start": "next tuesday"}, "'start'"),
        ({"end": None}, "'end'"),
        ({"end": "2026-02-12T14:00:00"}, "'end'"),
        ({"timeZone": "Mars/Olympus"}, "'timeZone'"),
        ({"attendees": [{"address": "x@y.example", "type": "vip"}]}, "'attendees"),
    ],
)
def test_a_bad_invitation_answers_400_naming_the_field(
    client: TestClient, change: dict[str, Any], field: str
) -> None:
    body = {k: v for k, v in (_invitation() | change).items() if v is not None}
    response = client.post(INVITATION, json=body)

    assert response.status_code == 400
    assert field in response.json()["error"]


def test_a_body_that_is_not_a_json_object_answers_400(client: TestClient) -> None:
    response = client.post(INBOUND, content=b"[1, 2]")

    assert response.status_code == 400
    assert "JSON object" in response.json()["error"]
