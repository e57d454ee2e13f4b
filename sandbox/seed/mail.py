"""Emails delivered into mailboxes as Graph `message` resources.

One sent email is stored once per internal mailbox it touches: in the
sender's "sentitems" and in each internal recipient's "inbox", with the same
internetMessageId and conversationId and a mailbox-specific id.

Messages share their unchanging parts (sender, recipients, body, the empty
lists and the flag) with the other copies of the same email and with each
other, which keeps a large seed's half a million messages affordable: treat
seeded messages as read-only (the Graph stand-in stores JSON copies).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from sandbox.ids import graph_item_id
from sandbox.seed.clock import Clock, graph_datetime
from sandbox.seed.model import Record

Address = dict[str, dict[str, str]]
_PREVIEW_CHARS = 255


def address(name: str, email: str) -> Address:
    """A Graph recipient."""
    return {"emailAddress": {"name": name, "address": email}}


def email_of(recipient: Address) -> str:
    return recipient["emailAddress"]["address"]


@dataclass(frozen=True)
class Email:
    """One sent email, before it lands in mailboxes."""

    #: unique per email; the thread key plus its position
    key: str
    thread_key: str
    #: the client account it is really about (None: internal or newsletter)
    account_id: str | None
    subject: str
    body: str
    sender: Address
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    sent: datetime
    importance: str = "normal"
    has_attachments: bool = False
    bulk: bool = False

    @cached_property
    def internet_message_id(self) -> str:
        digest = hashlib.sha256(f"email/{self.key}".encode()).hexdigest().upper()[:28]
        return f"<{digest}@{email_of(self.sender).split('@')[1]}>"

    @cached_property
    def conversation_id(self) -> str:
        return "AAQk" + graph_item_id("conversation", self.thread_key)[4:]


#: parts every seeded message has alike
_UNFLAGGED = {"flagStatus": "notFlagged"}
_NONE: list[Record] = []


def _parts(email: Email) -> Record:
    """What every copy of `email` has alike, built once."""
    sender = _copy(email.sender)
    return {
        "sentDateTime": graph_datetime(email.sent),
        "internetMessageId": email.internet_message_id,
        "bodyPreview": " ".join(email.body.split())[:_PREVIEW_CHARS],
        "body": {"contentType": "text", "content": email.body},
        "sender": sender,
        "from": sender,
        "toRecipients": [_copy(recipient) for recipient in email.to],
        "ccRecipients": [_copy(recipient) for recipient in email.cc],
    }


def _message(
    email: Email, parts: Record, mailbox_id: str, folder: str, received: datetime, is_read: bool
) -> Record:
    stamp = graph_datetime(received)
    return {
        "id": graph_item_id(mailbox_id, "message", email.internet_message_id),
        "createdDateTime": stamp,
        "lastModifiedDateTime": stamp,
        "categories": _NONE,
        "receivedDateTime": stamp,
        "sentDateTime": parts["sentDateTime"],
        "hasAttachments": email.has_attachments,
        "internetMessageId": parts["internetMessageId"],
        "subject": email.subject,
        "bodyPreview": parts["bodyPreview"],
        "importance": email.importance,
        "parentFolderId": folder,
        "conversationId": email.conversation_id,
        "isDeliveryReceiptRequested": False,
        "isReadReceiptRequested": False,
        "isRead": is_read,
        "isDraft": False,
        "inferenceClassification": "other" if email.bulk else "focused",
        "body": parts["body"],
        "sender": parts["sender"],
        "from": parts["from"],
        "toRecipients": parts["toRecipients"],
        "ccRecipients": parts["ccRecipients"],
        "bccRecipients": _NONE,
        "replyTo": _NONE,
        "flag": _UNFLAGGED,
    }


def _copy(recipient: Address) -> Address:
    return {"emailAddress": dict(recipient["emailAddress"])}


def deliver(
    emails: Iterable[Email], mailbox_of: dict[str, str], clock: Clock, rng: random.Random
) -> tuple[dict[str, list[Record]], dict[str, str | None]]:
    """Messages per Graph user id (oldest first) and internetMessageId -> account truth.

    `mailbox_of` maps an internal email address to its Graph user id; `emails` may be
    a generator, so no email outlives its delivery.
    """
    mailboxes: dict[str, list[Record]] = {}
    truth: dict[str, str | None] = {}
    unread_since = clock.now - timedelta(days=2)
    for email in emails:
        truth[email.internet_message_id] = email.account_id
        parts = _parts(email)
        sender = email_of(email.sender)
        if sender in mailbox_of:
            sent_copy = _message(email, parts, mailbox_of[sender], "sentitems", email.sent, True)
            mailboxes.setdefault(mailbox_of[sender], []).append(sent_copy)
        received = min(email.sent + timedelta(seconds=rng.randint(1, 40)), clock.now)
        recipients = {email_of(r) for r in (*email.to, *email.cc)} & mailbox_of.keys()
        for recipient in sorted(recipients - {sender}):
            is_read = received <= unread_since or rng.random() < 0.3
            inbox_copy = _message(email, parts, mailbox_of[recipient], "inbox", received, is_read)
            mailboxes.setdefault(mailbox_of[recipient], []).append(inbox_copy)
    for messages in mailboxes.values():
        messages.sort(key=lambda message: (message["receivedDateTime"], message["id"]))
    return mailboxes, truth
