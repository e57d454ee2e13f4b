"""Outlook mail: send an HTML message with attachments from a mailbox."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from connectors.m365.client import GraphClient

IDEMPOTENCY_HEADER = "X-Kamsync-Key"


@dataclass(frozen=True)
class Attachment:
    name: str
    content: bytes
    content_type: str = "application/octet-stream"


def send_mail(
    client: GraphClient,
    sender: str,
    recipients: Sequence[str],
    subject: str,
    html: str,
    *,
    attachments: Sequence[Attachment] = (),
    idempotency_key: str | None = None,
) -> None:
    """Send an HTML message from `sender`'s mailbox, kept in its Sent Items."""
    message: dict[str, Any] = {
        "subject": subject,
        "body": {"contentType": "HTML", "content": html},
        "toRecipients": [{"emailAddress": {"address": address}} for address in recipients],
        "attachments": [
            {
                "@odata.type": "#microsoft.graph.fileAttachment",
                "name": item.name,
                "contentType": item.content_type,
                "contentBytes": base64.b64encode(item.content).decode("ascii"),
            }
            for item in attachments
        ],
    }
    if idempotency_key:
        message["internetMessageHeaders"] = [{"name": IDEMPOTENCY_HEADER, "value": idempotency_key}]
    client.post(
        f"{client.user_path(sender)}/sendMail", {"message": message, "saveToSentItems": True}
    )
