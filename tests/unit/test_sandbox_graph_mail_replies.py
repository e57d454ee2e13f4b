"""Replies and forwards: drafts from createReply*/createForward, and direct sends."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.test_sandbox_graph_support import (
    TENANT_DOMAIN,
    TestClient,
)

ALICE = f"/v1.0/users/alice@{TENANT_DOMAIN}"
BOB = f"/v1.0/users/bob@{TENANT_DOMAIN}"


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


def _received(client: TestClient, subject: str) -> dict[str, Any]:
    message = {
        "subject": subject,
        "body": {"contentType": "Text", "content": "Numbers <attached>"},
        "toRecipients": [{"emailAddress": {"address": f"alice@{TENANT_DOMAIN}"}}],
        "ccRecipients": [
            {"emailAddress": {"address": f"carol@{TENANT_DOMAIN}"}},
            {"emailAddress": {"address": f"bob@{TENANT_DOMAIN}"}},
        ],
    }
    assert client.post(f"{BOB}/sendMail", json={"message": message}).status_code == 202
    inbox = client.get(f"{ALICE}/mailFolders/inbox/messages?$top=100").json()["value"]
    return next(m for m in inbox if m["subject"] == subject)


def test_reply_all_draft(client: TestClient) -> None:
    original = _received(client, "Q3 numbers")

    draft = client.post(f"{ALICE}/messages/{original['id']}/createReplyAll", json={"comment": "Hi"})
    again = client.post(f"{ALICE}/messages/{draft.json()['id']}/createReply")

    body = draft.json()
    assert draft.status_code == 201 and body["isDraft"] is True
    assert body["subject"] == "RE: Q3 numbers"
    assert [r["emailAddress"]["address"] for r in body["toRecipients"]] == [f"bob@{TENANT_DOMAIN}"]
    assert [r["emailAddress"]["address"] for r in body["ccRecipients"]] == [
        f"carol@{TENANT_DOMAIN}"
    ]
    assert body["conversationId"] == original["conversationId"]
    assert (
        body["body"]["contentType"] == "html"
        and "Numbers &lt;attached&gt;" in body["body"]["content"]
    )
    assert again.json()["subject"] == "RE: Q3 numbers", "no second prefix"


def test_forward_sends_at_once(client: TestClient) -> None:
    original = _received(client, "Price list")
    target = [{"emailAddress": {"address": f"carol@{TENANT_DOMAIN}"}}]

    sent = client.post(
        f"{ALICE}/messages/{original['id']}/forward",
        json={"comment": "FYI", "toRecipients": target},
    )
    unrecipiented = client.post(f"{ALICE}/messages/{original['id']}/forward", json={})
    unknown = client.post(f"{ALICE}/messages/{original['id']}/reply", json={"note": "x"})

    carol = client.get(f"/v1.0/users/carol@{TENANT_DOMAIN}/mailFolders/inbox/messages").json()
    forwarded = [m for m in carol["value"] if m["subject"] == "FW: Price list"]
    assert sent.status_code == 202 and len(forwarded) == 1
    assert forwarded[0]["conversationId"] == original["conversationId"]
    assert unrecipiented.status_code == 400
    assert unknown.status_code == 400
