"""Emails delivered into mailboxes as Graph `message` resources.

One sent email is stored once per internal mailbox it touches: in the
sender's "sentitems" and in each internal recipient's "inbox", with the same
internetMessageId and conversationId and a mailbox-specific id.

A message with attachments lists the ids of its `fileAttachment` documents in
`_attachmentIds` (each mailbox's copy has its own), which is how the Graph
stand-in keeps them; bulk mail carries the headers mail clients unsubscribe
and filter by (`internetMessageHeaders`, returned by Graph only on `$select`).

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
_FILE_ATTACHMENT = "#microsoft.graph.fileAttachment"


@dataclass(frozen=True)
class Attachment:
    """A small file sent with an email."""

    name: str
    content_type: str
    #: the file, base64-encoded as Graph's contentBytes
    content_bytes: str
    size: int


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
    attachments: tuple[Attachment, ...] = ()
    bulk: bool = False
    #: internet message headers (name, value) beyond the standard ones, e.g. List-Unsubscribe
    headers: tuple[tuple[str, str], ...] = ()

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
    headers = [{"name": name, "value": value} for name, value in email.headers]
    return {
        "internetMessageHeaders": headers,
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
    message: Record = {
        "id": graph_item_id(mailbox_id, "message", email.internet_message_id),
        "createdDateTime": stamp,
        "lastModifiedDateTime": stamp,
        "categories": _NONE,
        "receivedDateTime": stamp,
        "sentDateTime": parts["sentDateTime"],
        "hasAttachments": bool(email.attachments),
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
    if email.headers:
        message["internetMessageHeaders"] = parts["internetMessageHeaders"]
    return message


def _attachment_docs(email: Email, mailbox_id: str, stamp: str) -> list[Record]:
    """The `fileAttachment` documents of one mailbox's copy of `email`."""
    return [
        {
            "@odata.type": _FILE_ATTACHMENT,
            "id": graph_item_id(mailbox_id, "attachment", email.internet_message_id, str(number)),
            "lastModifiedDateTime": stamp,
            "name": attachment.name,
            "contentType": attachment.content_type,
            "size": attachment.size,
            "isInline": False,
            "contentId": None,
            "contentLocation": None,
            "contentBytes": attachment.content_bytes,
        }
        for number, attachment in enumerate(email.attachments)
    ]


def _copy(recipient: Address) -> Address:
    return {"emailAddress": dict(recipient["emailAddress"])}


@dataclass
class Delivery:
    """What landed where: messages and attachments per Graph user id, and the truth."""

    messages: dict[str, list[Record]]
    attachments: dict[str, list[Record]]
    #: internetMessageId -> the account the email is about (None: no client's)
    truth: dict[str, str | None]

    def file(self, email: Email, mailbox_id: str, message: Record) -> None:
        """Put `message` (a copy of `email`) in its mailbox, with its own attachments."""
        if email.attachments:
            docs = _attachment_docs(email, mailbox_id, message["receivedDateTime"])
            message["_attachmentIds"] = [doc["id"] for doc in docs]
            self.attachments.setdefault(mailbox_id, []).extend(docs)
        self.messages.setdefault(mailbox_id, []).append(message)


def deliver(
    emails: Iterable[Email], mailbox_of: dict[str, str], clock: Clock, rng: random.Random
) -> Delivery:
    """Messages per Graph user id (oldest first), their attachments, and the account truth.

    `mailbox_of` maps an internal email address to its Graph user id; `emails` may be
    a generator, so no email outlives its delivery.
    """
    delivery = Delivery({}, {}, {})
    unread_since = clock.now - timedelta(days=2)
    for email in emails:
        delivery.truth[email.internet_message_id] = email.account_id
        parts = _parts(email)
        sender = email_of(email.sender)
        if sender in mailbox_of:
            mailbox_id = mailbox_of[sender]
            sent_copy = _message(email, parts, mailbox_id, "sentitems", email.sent, True)
            delivery.file(email, mailbox_id, sent_copy)
        received = min(email.sent + timedelta(seconds=rng.randint(1, 40)), clock.now)
        recipients = {email_of(r) for r in (*email.to, *email.cc)} & mailbox_of.keys()
        for recipient in sorted(recipients - {sender}):
            is_read = received <= unread_since or rng.random() < 0.3
            mailbox_id = mailbox_of[recipient]
            inbox_copy = _message(email, parts, mailbox_id, "inbox", received, is_read)
            delivery.file(email, mailbox_id, inbox_copy)
    for messages in delivery.messages.values():
        messages.sort(key=lambda message: (message["receivedDateTime"], message["id"]))
    return delivery
