"""Mailbox documents: the four well-known folders and messages as Exchange keeps them.

A stored message is Graph's `message` JSON minus what is derived when it is
read (`@odata.etag`, `webLink`); defaults fill whatever a seed or a client
left out, so every message answers with the full default property set.
"""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

from starlette.requests import Request

from sandbox.graph.directory import (
    email_address,
    folders_of,
    messages_of,
    stamp,
)
from sandbox.graph.errors import item_not_found, malformed_id
from sandbox.graph.http import base_url
from sandbox.graph.query import project
from sandbox.graph.schema import MAIL_FOLDER, MESSAGE
from sandbox.ids import graph_item_id
from sandbox.state import Doc, DocStore

#: Well-known folder name -> display name, in the order Outlook lists them.
WELL_KNOWN_FOLDERS = {
    "inbox": "Inbox",
    "sentitems": "Sent Items",
    "drafts": "Drafts",
    "deleteditems": "Deleted Items",
}
PREVIEW_LENGTH = 255


def folder_id(user_id: str, well_known_name: str) -> str:
    return graph_item_id(user_id, "mailFolder", well_known_name)


def mail_folders(user_id: str) -> list[tuple[str, Doc]]:
    """The well-known folders of a fresh mailbox, keyed by id."""
    root = folder_id(user_id, "msgfolderroot")
    return [
        (
            folder_id(user_id, name),
            {
                "id": folder_id(user_id, name),
                "displayName": display_name,
                "parentFolderId": root,
                "childFolderCount": 0,
                "isHidden": False,
                "_wellKnownName": name,
            },
        )
        for name, display_name in WELL_KNOWN_FOLDERS.items()
    ]


def find_folder(store: DocStore, user_id: str, key: str) -> Doc:
    """A folder by id or well-known name (any case), or Exchange's error."""
    name = key.lower()
    if name in WELL_KNOWN_FOLDERS:
        key = folder_id(user_id, name)
    return stored_item(store, folders_of(user_id), key)


def find_message(store: DocStore, user_id: str, message_id: str) -> Doc:
    return stored_item(store, messages_of(user_id), message_id)


def stored_item(store: DocStore, collection: str, item_id: str) -> Doc:
    """An Exchange item by id, or Exchange's error: 404 for a well-formed id it does not
    hold, 400 for one that cannot be an item id at all."""
    item = store.get(collection, item_id)
    if item is None:
        raise item_not_found() if looks_like_item_id(item_id) else malformed_id()
    return item


def looks_like_item_id(value: str) -> bool:
    """Whether an id has the shape of an Exchange item id (else Exchange calls it malformed)."""
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/")
    return len(value) >= 20 and set(value) <= allowed


def complete_message(message: Doc, owner: Doc, folder: Doc, domain: str) -> Doc:
    """A message (which must have an id) with every default filled, filed in `folder`."""
    doc = dict(message)
    moment = doc.get("receivedDateTime") or doc.get("sentDateTime") or doc.get("createdDateTime")
    for name in ("receivedDateTime", "sentDateTime", "createdDateTime", "lastModifiedDateTime"):
        doc.setdefault(name, moment)
    doc["parentFolderId"] = folder["id"]
    doc.setdefault("internetMessageId", f"<{doc['id'][4:28]}@{domain}>")
    doc.setdefault("conversationId", graph_item_id("conversation", doc["internetMessageId"]))
    digest = hashlib.sha256(doc["conversationId"].encode()).digest()[:22]
    doc.setdefault("conversationIndex", base64.b64encode(digest).decode())
    doc.setdefault("from", {"emailAddress": email_address(owner)})
    doc.setdefault("sender", doc["from"])
    doc.setdefault("body", {"contentType": "text", "content": ""})
    for name in ("toRecipients", "ccRecipients", "bccRecipients", "replyTo", "categories"):
        doc.setdefault(name, [])
    doc.setdefault("isRead", folder.get("_wellKnownName") != "inbox")
    defaults = {
        "importance": "normal",
        "isDraft": False,
        "isDeliveryReceiptRequested": False,
        "isReadReceiptRequested": False,
        "inferenceClassification": "focused",
        "flag": {"flagStatus": "notFlagged"},
    }
    for name, value in defaults.items():
        doc.setdefault(name, value)
    return touch_message(doc)


def touch_message(doc: Doc) -> Doc:
    """Recompute what follows from the content: preview, attachments flag, change key."""
    doc["bodyPreview"] = body_preview(doc.get("body") or {})
    doc["hasAttachments"] = bool(doc.get("_attachmentIds"))
    return stamp(doc)


def body_preview(body: dict[str, Any]) -> str:
    """The first 255 characters of the body as plain text, whitespace collapsed."""
    content = str(body.get("content") or "")
    if str(body.get("contentType", "text")).lower() == "html":
        content = _html_text(content)
    return " ".join(content.split())[:PREVIEW_LENGTH]


_INVISIBLE_TAGS = ("style", "script", "head")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE_TAGS:
            self._skipping += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE_TAGS and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _html_text(html: str) -> str:
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return " ".join(collector.parts)


def shape_message(request: Request, doc: Doc, select: list[str] | None) -> dict[str, Any]:
    """A message as Graph returns it: etag first, then the chosen properties."""
    link = f"{base_url(request)}/owa/?ItemID={quote(doc['id'], safe='')}&exvsurl=1"
    full = {"@odata.etag": f'W/"{doc["changeKey"]}"', "id": doc["id"]} | doc | {"webLink": link}
    # each stored body is the message's own text: no quoted thread to strip
    full.setdefault("uniqueBody", doc.get("body"))
    return project(full, MESSAGE, select)


def shape_folder(store: DocStore, owner_id: str, folder: Doc) -> dict[str, Any]:
    """A mail folder with its live item counts."""
    inside = [m for m in store.iter(messages_of(owner_id)) if m["parentFolderId"] == folder["id"]]
    counts = {
        "unreadItemCount": sum(1 for m in inside if not m.get("isRead")),
        "totalItemCount": len(inside),
        "sizeInBytes": sum(len(str((m.get("body") or {}).get("content", ""))) for m in inside),
    }
    return project(folder | counts, MAIL_FOLDER, None)
