"""Outlook mail: read Inbox and Sent Items incrementally."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from connectors.m365.client import GraphClient

FOLDERS = ("inbox", "sentitems")
PAGE_SIZE = 500
OVERLAP = timedelta(minutes=5)
MESSAGE_FIELDS = (
    "id,internetMessageId,conversationId,subject,from,toRecipients,ccRecipients,"
    "receivedDateTime,sentDateTime,hasAttachments"
)
#: Columns of the `m365/messages` mirror table.
MESSAGE_COLUMNS = [
    "id", "mailbox", "folder", "internet_message_id", "conversation_id", "subject",
    "sender", "recipients", "received_at", "sent_at", "has_attachments",
]  # fmt: skip


@dataclass(frozen=True)
class MessageBatch:
    """One page of a mailbox folder, and the watermark to commit with it."""

    mailbox: str
    folder: str
    messages: pd.DataFrame
    watermark: str


def read_messages(
    client: GraphClient, mailbox: str, folder: str, since: str | None, horizon: timedelta
) -> Iterator[MessageBatch]:
    """Messages received since the watermark (or within the horizon), oldest first."""
    start = (
        datetime.fromisoformat(since.replace("Z", "+00:00")) - OVERLAP
        if since
        else datetime.now(UTC) - horizon
    )
    params = {
        "$select": MESSAGE_FIELDS,
        "$filter": f"receivedDateTime ge {start.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "$orderby": "receivedDateTime asc",
        "$top": PAGE_SIZE,
    }
    url = f"{client.user_path(mailbox)}/mailFolders/{folder}/messages"
    for page in client.pages(url, params):
        if page:
            rows = [flatten_message(mailbox, folder, message) for message in page]
            frame = pd.DataFrame.from_records(rows, columns=MESSAGE_COLUMNS)
            yield MessageBatch(mailbox, folder, frame, rows[-1]["received_at"])


def flatten_message(mailbox: str, folder: str, message: dict[str, Any]) -> dict[str, Any]:
    """A Graph message as one mirror row: addresses lower-cased, to and cc together."""
    recipients = [
        _address(entry)
        for entry in message.get("toRecipients", []) + message.get("ccRecipients", [])
    ]
    return {
        "id": message["id"],
        "mailbox": mailbox,
        "folder": folder,
        "internet_message_id": message.get("internetMessageId"),
        "conversation_id": message.get("conversationId"),
        "subject": message.get("subject"),
        "sender": _address(message.get("from")),
        "recipients": [address for address in recipients if address],
        "received_at": message.get("receivedDateTime"),
        "sent_at": message.get("sentDateTime"),
        "has_attachments": bool(message.get("hasAttachments")),
    }


def _address(recipient: dict[str, Any] | None) -> str | None:
    address = ((recipient or {}).get("emailAddress") or {}).get("address")
    return address.lower() if address else None
