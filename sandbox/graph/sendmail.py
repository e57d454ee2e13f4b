"""Sending mail: `sendMail`, drafts, `send`, and file attachments.

A sent message is filed in the sender's Sent Items (unless `saveToSentItems`
is false) and delivered to the Inbox of every tenant user among its to, cc
and bcc recipients (matched by mail or UPN, any case); other recipients are
outside the tenant and the message simply leaves. All copies share the
internetMessageId and conversationId, as they would after real delivery.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.graph.changes import remove
from sandbox.graph.directory import (
    attachments_of,
    email_address,
    find_user_by_address,
    folders_of,
    graph_context,
    mailbox_owner,
    messages_of,
    new_item_id,
    now_iso,
    public,
)
from sandbox.graph.errors import GraphError, bad_request, unknown_body_property
from sandbox.graph.http import context_url, graph_json, read_json, segment
from sandbox.graph.mail_model import (
    complete_message,
    find_folder,
    find_message,
    folder_id,
    shape_message,
)
from sandbox.graph.payload_names import truthy
from sandbox.graph.schema import MESSAGE
from sandbox.ids import graph_item_id
from sandbox.state import Doc, DocStore

_FILE_ATTACHMENT = "#microsoft.graph.fileAttachment"
_COMPOSABLE = MESSAGE.properties | {"attachments", "singleValueExtendedProperties"}
_SERVER_SET = frozenset(
    {
        *("id", "createdDateTime", "lastModifiedDateTime", "changeKey", "receivedDateTime"),
        *("sentDateTime", "hasAttachments", "bodyPreview", "parentFolderId", "conversationId"),
        *("conversationIndex", "isDraft", "webLink", "uniqueBody"),
    }
)
_RECIPIENT_FIELDS = ("toRecipients", "ccRecipients", "bccRecipients")


def _compose(message: Any) -> tuple[Doc, list[Doc]]:
    """Validate a client-written message; returns it and its file attachments."""
    if not isinstance(message, dict):
        raise bad_request("The 'message' property must be an object.")
    for name in message:
        if not name.startswith("@") and name not in _COMPOSABLE:
            raise unknown_body_property(name, "message")
    _check_headers(message.get("internetMessageHeaders") or [])
    attachments = [file_attachment(item) for item in message.get("attachments") or []]
    doc = {k: v for k, v in message.items() if k not in _SERVER_SET and k != "attachments"}
    if "singleValueExtendedProperties" in doc:
        doc["_singleValueExtendedProperties"] = doc.pop("singleValueExtendedProperties")
    return doc, attachments


def _check_headers(headers: list[Any]) -> None:
    for header in headers:
        name = str(header.get("name", "")) if isinstance(header, dict) else ""
        if not name.lower().startswith("x-"):
            raise GraphError(
                400,
                "InvalidInternetMessageHeader",
                f"The internet message header name '{name}' should start with 'x-' or 'X-'.",
            )


def file_attachment(item: Any) -> Doc:
    """A validated fileAttachment (content re-encoded, size computed), without an id."""
    kind = str(item.get("@odata.type", "")) if isinstance(item, dict) else ""
    if kind.lower() != _FILE_ATTACHMENT.lower():
        raise bad_request("Only #microsoft.graph.fileAttachment attachments are supported.")
    try:
        content = base64.b64decode(str(item.get("contentBytes", "")), validate=True)
    except binascii.Error as exc:
        raise bad_request("The attachment's contentBytes is not valid base64.") from exc
    if not item.get("name"):
        raise bad_request("The attachment must have a name.")
    return {
        "@odata.type": _FILE_ATTACHMENT,
        "name": item["name"],
        "contentType": item.get("contentType") or "application/octet-stream",
        "size": len(content),
        "isInline": bool(item.get("isInline", False)),
        "contentId": item.get("contentId"),
        "contentLocation": item.get("contentLocation"),
        "contentBytes": base64.b64encode(content).decode(),
    }


def check_recipients(message: Doc) -> None:
    recipients = [r for field in _RECIPIENT_FIELDS for r in message.get(field) or []]
    if not recipients:
        raise GraphError(
            400,
            "ErrorInvalidRecipients",
            "At least one recipient isn't valid., A message can't be sent because it contains "
            "no recipients.",
        )
    for recipient in recipients:
        address = _address_of(recipient)
        if "@" not in address.strip("@"):
            raise GraphError(
                400,
                "ErrorInvalidRecipients",
                f"At least one recipient isn't valid., Recipient '{address}' isn't resolved. All "
                "recipients must be resolved before a message can be submitted.",
            )


def _address_of(recipient: Any) -> str:
    email = recipient.get("emailAddress") if isinstance(recipient, dict) else None
    return str(email.get("address") or "") if isinstance(email, dict) else ""


def file_copy(
    store: DocStore, owner: Doc, message: Doc, folder: str, attachments: list[Doc]
) -> Doc:
    """Store one copy of `message` (with its own attachments) in `folder` of `owner`
    (a well-known name or a folder id)."""
    now = now_iso()
    attachment_ids = []
    for attachment in attachments:
        attachment_id = new_item_id(owner["id"], "attachment")
        stored = attachment | {"id": attachment_id, "lastModifiedDateTime": now}
        store.put(attachments_of(owner["id"]), attachment_id, stored)
        attachment_ids.append(attachment_id)
    target = store.get(folders_of(owner["id"]), folder_id(owner["id"], folder)) or store.get(
        folders_of(owner["id"]), folder
    )
    assert target is not None
    copy = message | {"id": new_item_id(owner["id"], "message"), "_attachmentIds": attachment_ids}
    copy.pop("_version", None)
    stored_message = complete_message(copy, owner, target, _domain_of(owner))
    store.put(messages_of(owner["id"]), stored_message["id"], stored_message)
    return stored_message


def _domain_of(user: Doc) -> str:
    return str(user["userPrincipalName"]).rpartition("@")[2]


def deliver(store: DocStore, sender: Doc, message: Doc, attachments: list[Doc], save: bool) -> None:
    """Send: Sent Items copy for the sender, Inbox copies for tenant recipients."""
    now = now_iso()
    internet_id = message.get("internetMessageId") or (
        f"<{uuid.uuid4().hex.upper()}@{_domain_of(sender)}>"
    )
    sent = message | {
        "internetMessageId": internet_id,
        # a reply stays in its thread (create_reply keeps the conversation privately)
        "conversationId": message.get("_conversationId")
        or graph_item_id("conversation", internet_id),
        "sentDateTime": now,
        "receivedDateTime": now,
        "createdDateTime": now,
        "lastModifiedDateTime": now,
        "isDraft": False,
        "sender": {"emailAddress": email_address(sender)},
    }
    sent.setdefault("from", sent["sender"])
    if save:
        file_copy(store, sender, sent | {"isRead": True}, "sentitems", attachments)
    delivered = {k: v for k, v in sent.items() if k != "bccRecipients"} | {"isRead": False}
    for recipient in _tenant_recipients(store, sent):
        file_copy(store, recipient, delivered, "inbox", attachments)


def _tenant_recipients(store: DocStore, message: Doc) -> list[Doc]:
    found: dict[str, Doc] = {}
    for field in _RECIPIENT_FIELDS:
        for recipient in message.get(field) or []:
            user = find_user_by_address(store, _address_of(recipient))
            if user is not None:
                found.setdefault(user["id"], user)
    return list(found.values())


async def send_mail(request: Request) -> Response:
    """POST /users/{u}/sendMail: 202 and an empty body, as Graph answers."""
    sender = mailbox_owner(request)
    body = await read_json(request)
    if "message" not in body:
        raise bad_request("The 'message' parameter is required.", code="ErrorInvalidParameter")
    message, attachments = _compose(body["message"])
    check_recipients(message)
    save = truthy(body.get("saveToSentItems"), default=True)
    deliver(graph_context(request).store, sender, message, attachments, save)
    return Response(status_code=202)


async def create_draft(request: Request) -> Response:
    """POST /users/{u}/messages (or into a folder): a draft, 201 with the message."""
    owner = mailbox_owner(request)
    store = graph_context(request).store
    folder = find_folder(store, owner["id"], request.path_params.get("folder", "drafts"))
    message, attachments = _compose(await read_json(request))
    now = now_iso()
    draft = message | {"isDraft": True, "isRead": True, "createdDateTime": now}
    draft["sender"] = draft.get("from") or {"emailAddress": email_address(owner)}
    stored = file_copy(store, owner, draft, folder["id"], attachments)
    fragment = f"users('{segment(request.path_params['user'])}')/messages/$entity"
    body = {"@odata.context": context_url(request, fragment)}
    return graph_json(body | shape_message(request, stored, None), status=201)


async def send_draft(request: Request) -> Response:
    """POST /users/{u}/messages/{id}/send: deliver a draft, which leaves Drafts."""
    owner = mailbox_owner(request)
    store = graph_context(request).store
    draft = find_message(store, owner["id"], request.path_params["message"])
    if not draft.get("isDraft"):
        raise GraphError(400, "ErrorInvalidOperation", "Only draft messages can be sent.")
    check_recipients(draft)
    attachments = [
        public(doc)
        for attachment_id in draft.get("_attachmentIds", [])
        if (doc := store.get(attachments_of(owner["id"]), attachment_id))
    ]
    message = {k: v for k, v in draft.items() if k not in _SERVER_SET and k != "_attachmentIds"}
    deliver(store, owner, message, attachments, save=True)
    remove(store, messages_of(owner["id"]), draft["id"], parentFolderId=draft["parentFolderId"])
    return Response(status_code=202)


def send_routes() -> list[Route]:
    return [
        Route("/v1.0/users/{user}/sendMail", send_mail, methods=["POST"]),
        Route("/v1.0/users/{user}/messages", create_draft, methods=["POST"]),
        Route("/v1.0/users/{user}/mailFolders/{folder}/messages", create_draft, methods=["POST"]),
        Route("/v1.0/users/{user}/messages/{message}/send", send_draft, methods=["POST"]),
    ]
