"""Outlook mail: Inbox and Sent Items of a mailbox through per-folder message delta.

The first round of a folder (and every round after Graph dropped its sync
state) is a full one, bounded by the mail horizon (`receivedDateTime ge`);
later rounds bring only what changed. Each page comes as a `MessageBatch`
whose watermark (a `DeltaState`) is committed with its rows, so a crash
resumes mid-round. Only the fields attribution needs are read, plus bodies
when configured.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from connectors.m365.client import GraphClient
from connectors.m365.delta import PAGE_SIZE as DELTA_PAGE_SIZE
from connectors.m365.delta import DeltaBatch, DeltaState, resumed_pages

FOLDERS = ("inbox", "sentitems")
PAGE_SIZE = DELTA_PAGE_SIZE
MESSAGE_FIELDS = (
    "id,internetMessageId,conversationId,subject,from,toRecipients,ccRecipients,"
    "receivedDateTime,sentDateTime,hasAttachments"
)
#: Columns of the `m365/messages` mirror table.
MESSAGE_COLUMNS = [
    "id", "mailbox", "folder", "internet_message_id", "conversation_id", "subject",
    "sender", "recipients", "received_at", "sent_at", "has_attachments", "body", "sync_round",
]  # fmt: skip


@dataclass(frozen=True)
class MessageBatch(DeltaBatch):
    """One delta page of a mailbox folder (`rows`, also named `messages`)."""

    folder: str = ""

    @property
    def messages(self) -> pd.DataFrame:
        return self.rows


def read_messages(
    client: GraphClient,
    mailbox: str,
    folder: str,
    since: str | None,
    horizon: timedelta,
    *,
    include_bodies: bool = False,
    page_size: int = PAGE_SIZE,
) -> Iterator[MessageBatch]:
    """The folder's changes since the watermark `since` (None: a full round within the horizon).

    Raises `DeltaReset` when Graph lost the stored round: call again with None.
    """
    url = f"{client.user_path(mailbox)}/mailFolders/{folder}/messages/delta"
    start = (datetime.now(UTC) - horizon).strftime("%Y-%m-%dT%H:%M:%SZ")
    select = MESSAGE_FIELDS + (",body" if include_bodies else "")
    params = {"$select": select, "$filter": f"receivedDateTime ge {start}"}
    rounds = resumed_pages(
        client, url, params, DeltaState.load(since), since=start, page_size=page_size
    )
    for page, state in rounds:
        rows = [flatten_message(mailbox, folder, message, state.round) for message in page.items]
        rows.sort(key=lambda row: str(row["received_at"] or ""))
        frame = pd.DataFrame.from_records(rows, columns=MESSAGE_COLUMNS)
        yield MessageBatch(mailbox, frame, state.dump(), page.removed, folder)


def flatten_message(
    mailbox: str, folder: str, message: dict[str, Any], sync_round: str | None = None
) -> dict[str, Any]:
    """A Graph message as one mirror row: addresses lower-cased, to and cc together."""
    recipients = [
        _address(entry)
        for entry in (message.get("toRecipients") or []) + (message.get("ccRecipients") or [])
    ]
    body = message.get("body")
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
        "body": body.get("content") if isinstance(body, dict) else None,
        "sync_round": sync_round,
    }


def _address(recipient: dict[str, Any] | None) -> str | None:
    address = ((recipient or {}).get("emailAddress") or {}).get("address")
    return address.lower() if address else None
