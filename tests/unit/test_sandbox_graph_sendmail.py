"""Sending mail: sendMail delivery inside the tenant, attachments, drafts."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.unit.test_sandbox_graph_support import TENANT_DOMAIN, TestClient

ALICE = f"alice@{TENANT_DOMAIN}"
BOB = f"bob@{TENANT_DOMAIN}"
CAROL = f"carol@{TENANT_DOMAIN}"


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


def _recipients(*addresses: str) -> list[dict[str, Any]]:
    return [{"emailAddress": {"address": address}} for address in addresses]


def _digest(**extra: Any) -> dict[str, Any]:
    return {
        "subject": "Weekly key account digest",
        "body": {"contentType": "HTML", "content": "<p>Three renewals <b>due</b>.</p>"},
        "toRecipients": _recipients(BOB.upper()),
        "ccRecipients": _recipients("dana@fabrikam.com"),
        "bccRecipients": _recipients(CAROL),
    } | extra


def _folder(client: TestClient, user: str, folder: str, select: str = "") -> list[dict[str, Any]]:
    query = f"?$select={select}" if select else ""
    body = client.get(f"/v1.0/users/{user}/mailFolders/{folder}/messages{query}").json()
    messages: list[dict[str, Any]] = body["value"]
    return messages


def test_send_mail_answers_202_with_an_empty_body(client: TestClient) -> None:
    response = client.post(f"/v1.0/users/{ALICE}/sendMail", json={"message": _digest()})

    assert response.status_code == 202
    assert response.content == b""


def test_sent_copy_and_tenant_deliveries_share_identity(client: TestClient) -> None:
    client.post(f"/v1.0/users/{ALICE}/sendMail", json={"message": _digest()})

    sent = _folder(client, ALICE, "sentitems")[0]
    to_bob = _folder(client, BOB, "inbox")
    to_carol = _folder(client, CAROL, "inbox")
    assert sent["subject"] == to_bob[0]["subject"] == to_carol[0]["subject"]
    assert sent["internetMessageId"] == to_bob[0]["internetMessageId"]
    assert sent["conversationId"] == to_carol[0]["conversationId"]
    assert sent["from"]["emailAddress"]["address"] == ALICE
    assert sent["isRead"] is True and to_bob[0]["isRead"] is False
    assert sent["bodyPreview"] == "Three renewals due ."
    assert sent["bccRecipients"] == _recipients(CAROL)
    assert to_bob[0]["bccRecipients"] == [] == to_carol[0]["bccRecipients"]
    assert to_bob[0]["id"] != sent["id"]


def test_save_to_sent_items_false_keeps_no_copy(client: TestClient) -> None:
    body = {"message": _digest(), "saveToSentItems": False}
    client.post(f"/v1.0/users/{ALICE}/sendMail", json=body)

    sent_subjects = [m["subject"] for m in _folder(client, ALICE, "sentitems")]
    assert "Weekly key account digest" not in sent_subjects
    assert len(_folder(client, BOB, "inbox")) == 1


def test_given_internet_message_id_and_x_headers_are_kept(client: TestClient) -> None:
    headers = [{"name": "X-Kamsync-Digest", "value": "2026-W05"}]
    message = _digest(internetMessageId="<digest-2026-W05@kamsync>", internetMessageHeaders=headers)
    client.post(f"/v1.0/users/{ALICE}/sendMail", json={"message": message})

    delivered = _folder(client, BOB, "inbox", "internetMessageId,internetMessageHeaders")[0]
    assert delivered["internetMessageId"] == "<digest-2026-W05@kamsync>"
    assert delivered["internetMessageHeaders"] == headers


def test_file_attachments_travel_with_every_copy(client: TestClient) -> None:
    content = b"account,renewal\nFabrikam,2026-03-01\n"
    attachment = {
        "@odata.type": "#microsoft.graph.fileAttachment",
        "name": "renewals.csv",
        "contentType": "text/csv",
        "contentBytes": base64.b64encode(content).decode(),
    }
    client.post(
        f"/v1.0/users/{ALICE}/sendMail", json={"message": _digest(attachments=[attachment])}
    )

    delivered = _folder(client, BOB, "inbox")[0]
    listed = client.get(f"/v1.0/users/{BOB}/messages/{delivered['id']}/attachments").json()
    only = listed["value"][0]
    one = client.get(f"/v1.0/users/{BOB}/messages/{delivered['id']}/attachments/{only['id']}")
    assert delivered["hasAttachments"] is True
    assert only["name"] == "renewals.csv" and only["size"] == len(content)
    assert base64.b64decode(one.json()["contentBytes"]) == content


@pytest.mark.parametrize(
    ("message", "code"),
    [
        (_digest(toRecipients=[], ccRecipients=[], bccRecipients=[]), "ErrorInvalidRecipients"),
        (_digest(toRecipients=_recipients("not-an-address")), "ErrorInvalidRecipients"),
        (
            _digest(internetMessageHeaders=[{"name": "Auto-Submitted", "value": "yes"}]),
            "InvalidInternetMessageHeader",
        ),
        (_digest(colour="red"), "RequestBodyRead"),
        (_digest(attachments=[{"name": "x", "contentBytes": "aGk="}]), "BadRequest"),
    ],
)
def test_invalid_messages_are_refused(
    client: TestClient, message: dict[str, Any], code: str
) -> None:
    response = client.post(f"/v1.0/users/{ALICE}/sendMail", json={"message": message})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert _folder(client, BOB, "inbox") == []


def test_sending_from_an_unknown_mailbox_fails(client: TestClient) -> None:
    response = client.post(
        f"/v1.0/users/nobody@{TENANT_DOMAIN}/sendMail", json={"message": _digest()}
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ErrorInvalidUser"


def test_draft_then_send(client: TestClient) -> None:
    created = client.post(f"/v1.0/users/{ALICE}/messages", json=_digest())
    draft = created.json()

    assert created.status_code == 201
    assert draft["isDraft"] is True
    assert [m["id"] for m in _folder(client, ALICE, "drafts")] == [draft["id"]]

    sent = client.post(f"/v1.0/users/{ALICE}/messages/{draft['id']}/send")

    assert sent.status_code == 202
    assert _folder(client, ALICE, "drafts") == []
    assert _folder(client, ALICE, "sentitems", "subject,isDraft")[0]["isDraft"] is False
    assert len(_folder(client, BOB, "inbox")) == 1


def test_a_sent_message_cannot_be_sent_again(client: TestClient) -> None:
    sent = _folder(client, ALICE, "sentitems")[0]

    response = client.post(f"/v1.0/users/{ALICE}/messages/{sent['id']}/send")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "ErrorInvalidOperation"
