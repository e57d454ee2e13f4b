"""Outlook mail: send an HTML message with attachments from a mailbox, exactly once by key.

A message sent with an idempotency key carries it twice: as the internet header
`X-Kamsync-Key` (visible to recipients' tools) and as a string extended property
that Exchange keeps on the Sent Items copy and can filter on. Before sending, the
sender's Sent Items are searched for that property: a message a retried or repeated
run already sent (even one whose answer was lost) is not sent again.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from connectors.m365.client import GraphClient

IDEMPOTENCY_HEADER = "X-Kamsync-Key"
#: The MAPI named property holding the key (a fixed kamsync GUID, name KamsyncKey).
KEY_PROPERTY_ID = "String {4e7a1c3b-9d2f-4b8e-a6c5-2f1d8e9b7a40} Name KamsyncKey"


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
) -> bool:
    """Send an HTML message from `sender`'s mailbox, kept in its Sent Items.

    Returns False, sending nothing, when a message with the same idempotency key is
    already in the sender's Sent Items.
    """
    if idempotency_key and sent_with_key(client, sender, idempotency_key):
        return False
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
        message["singleValueExtendedProperties"] = [
            {"id": KEY_PROPERTY_ID, "value": idempotency_key}
        ]
    client.post(
        f"{client.user_path(sender)}/sendMail", {"message": message, "saveToSentItems": True}
    )
    return True


def sent_with_key(client: GraphClient, sender: str, key: str) -> bool:
    """True when the sender's Sent Items hold a message carrying the idempotency key."""
    quoted = key.replace("'", "''")
    condition = f"ep/id eq '{KEY_PROPERTY_ID}' and ep/value eq '{quoted}'"
    params = {
        "$filter": f"singleValueExtendedProperties/Any(ep: {condition})",
        "$select": "id",
        "$top": 1,
    }
    url = f"{client.user_path(sender)}/mailFolders/sentitems/messages"
    return bool(client.get(url, params).get("value"))
