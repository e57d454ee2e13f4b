"""MIME export of a message (`$value`) and `uniqueBody` on $select."""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import default

import pytest

from tests.unit.test_sandbox_graph_support import (
    TENANT_DOMAIN,
    TestClient,
)

ALICE = f"/v1.0/users/alice@{TENANT_DOMAIN}"


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


def test_mime_of_a_draft_with_attachment_and_header(client: TestClient) -> None:
    draft = client.post(
        f"{ALICE}/messages",
        json={
            "subject": "Offer",
            "body": {"contentType": "html", "content": "<p>See offer</p>"},
            "toRecipients": [{"emailAddress": {"name": "Dana", "address": "dana@fabrikam.com"}}],
            "internetMessageHeaders": [{"name": "X-Kamsync-Key", "value": "offer-1"}],
        },
    ).json()
    client.post(
        f"{ALICE}/messages/{draft['id']}/attachments",
        json={
            "@odata.type": "#microsoft.graph.fileAttachment",
            "name": "offer.pdf",
            "contentType": "application/pdf",
            "contentBytes": "JVBERi0=",
        },
    )

    answer = client.get(f"{ALICE}/messages/{draft['id']}/$value")
    parsed = BytesParser(policy=default).parsebytes(answer.content)
    unique_body = client.get(f"{ALICE}/messages/{draft['id']}?$select=uniqueBody").json()

    assert answer.headers["content-type"].startswith("message/rfc822")
    assert parsed["To"] == "Dana <dana@fabrikam.com>" and parsed["Subject"] == "Offer"
    assert parsed["X-Kamsync-Key"] == "offer-1"
    html_part = parsed.get_body(("html",))
    assert html_part is not None and html_part.get_content().strip() == "<p>See offer</p>"
    (attachment,) = parsed.iter_attachments()
    assert attachment.get_filename() == "offer.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_payload(decode=True) == b"%PDF-"
    assert unique_body["uniqueBody"]["content"] == "<p>See offer</p>"
