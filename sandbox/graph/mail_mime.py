"""A message's MIME content: `GET .../messages/{id}/$value` (message/rfc822).

Built from the stored message as Exchange would export it: the address
headers, Subject, Date (sent time), Message-ID, any internet message headers
the sender set, the body as text/plain or text/html, and each file attachment
as a base64 part.
"""

from __future__ import annotations

import base64
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.graph.directory import attachments_of, graph_context, mailbox_owner
from sandbox.graph.mail_model import find_message
from sandbox.state import Doc

_ADDRESS_HEADERS = (("from", "From"), ("toRecipients", "To"), ("ccRecipients", "Cc"))


def _address(recipient: Any) -> str:
    email = (recipient or {}).get("emailAddress") or {}
    return formataddr((str(email.get("name") or ""), str(email.get("address") or "")))


def mime_of(message: Doc, attachments: list[Doc]) -> bytes:
    """The message as RFC 822 bytes."""
    mime = EmailMessage()
    for name, header in _ADDRESS_HEADERS:
        value = message.get(name)
        recipients = value if isinstance(value, list) else [value] if value else []
        if recipients:
            mime[header] = ", ".join(_address(r) for r in recipients)
    mime["Subject"] = str(message.get("subject") or "")
    sent = message.get("sentDateTime") or message.get("createdDateTime")
    if sent:
        mime["Date"] = format_datetime(datetime.fromisoformat(str(sent).replace("Z", "+00:00")))
    mime["Message-ID"] = str(message.get("internetMessageId") or "")
    for header in message.get("internetMessageHeaders") or []:
        mime[str(header.get("name"))] = str(header.get("value"))
    body = message.get("body") or {}
    subtype = "html" if str(body.get("contentType", "")).lower() == "html" else "plain"
    mime.set_content(str(body.get("content") or ""), subtype=subtype)
    for attachment in attachments:
        mime.add_attachment(
            base64.b64decode(str(attachment.get("contentBytes") or "")),
            maintype=str(attachment.get("contentType") or "application/octet-stream").split("/")[0],
            subtype=str(attachment.get("contentType") or "application/octet-stream").split("/")[-1],
            filename=str(attachment.get("name") or "attachment"),
        )
    return mime.as_bytes(policy=SMTP)


async def message_mime(request: Request) -> Response:
    owner = mailbox_owner(request)
    store = graph_context(request).store
    message = find_message(store, owner["id"], request.path_params["message"])
    found = (store.get(attachments_of(owner["id"]), a) for a in message.get("_attachmentIds", []))
    content = mime_of(message, [attachment for attachment in found if attachment is not None])
    return Response(content, media_type="message/rfc822")


def mime_routes() -> list[Route]:
    return [
        Route(f"{prefix}/messages/{{message}}/$value", message_mime, methods=["GET"])
        for prefix in ("/v1.0/users/{user}", "/v1.0/users/{user}/mailFolders/{folder}")
    ]
