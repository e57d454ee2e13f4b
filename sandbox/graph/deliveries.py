"""Test-control endpoints that bring the outside world into a mailbox, outside Graph and
without authentication, so tests and anyone evaluating kamsync can add their own cases
(JSON in and out):

- `POST /_sandbox/graph/inbound-mail` with `{"to": "kam@tenant", "from": {"address",
  "name"}, "subject", "body", "contentType": "text"|"html", "cc": [...],
  "receivedDateTime": ISO (default now), "inReplyTo": internetMessageId of a message in
  that mailbox (threads onto it), "conversationId": (explicit thread), "headers":
  [{"name", "value"}]}` -> 201 with the message as Graph returns it. It lands in the
  Inbox as internet mail does: fresh id and internetMessageId, unread, from/sender the
  external address, to the mailbox owner; it shows in listings, `$filter`, the Inbox
  delta (the next round after any deltaLink) and the HTML view (`/_sandbox/`).
- `POST /_sandbox/graph/external-invitation` with `{"to", "organizer": {"address",
  "name"}, "subject", "start": ISO, "end": ISO, "timeZone": Windows or IANA name (the
  zone of start/end without an offset, default UTC), "attendees": [...], "location",
  "body" (HTML), "iCalUId"}` -> 201 with the event: organized by the external address
  (isOrganizer false, responseStatus notResponded, showAs tentative), the owner among
  the attendees, in calendarView and its delta. As Exchange does, an invitation
  (`#microsoft.graph.eventMessageRequest`, meetingMessageType `meetingRequest`) arrives
  in the Inbox too. The same iCalUId again updates that meeting (an updated request).

Any body field of the wrong shape answers 400 `{"error": "..."}` naming the field; a
`to` that is no mailbox of the tenant answers 404.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.graph.calendar_model import shape_event
from sandbox.graph.delivery_input import (
    DeliveryError,
    content_type,
    graph_time,
    instant,
    message_headers,
    optional_text,
    read_body,
    recipient,
    recipient_mailbox,
    recipients,
    text,
)
from sandbox.graph.directory import email_address, graph_context, messages_of
from sandbox.graph.invitations import record_invitation
from sandbox.graph.mail_model import shape_message
from sandbox.graph.sendmail import file_copy
from sandbox.graph.timezones import preferred_zone
from sandbox.ids import graph_item_id
from sandbox.state import Doc, DocStore

PREFIX = "/_sandbox/graph"


def inbound_message(store: DocStore, body: dict[str, Any]) -> Doc:
    """Deliver the external mail `body` describes into its mailbox's Inbox; the stored message."""
    owner = recipient_mailbox(store, body)
    if "from" not in body:
        raise DeliveryError("'from' is required: the external sender's address")
    sender = recipient(body["from"], "from")
    received = instant(body, "receivedDateTime") or datetime.now(UTC)
    domain = sender["emailAddress"]["address"].rpartition("@")[2]
    internet_id = f"<{uuid.uuid4().hex.upper()}@{domain}>"
    message: Doc = {
        "subject": text(body, "subject"),
        "body": {"contentType": content_type(body), "content": text(body, "body")},
        "from": sender,
        "sender": sender,
        "toRecipients": [{"emailAddress": email_address(owner)}],
        "ccRecipients": recipients(body, "cc"),
        "receivedDateTime": graph_time(received),
        "sentDateTime": graph_time(received),
        "createdDateTime": graph_time(datetime.now(UTC)),
        "lastModifiedDateTime": graph_time(datetime.now(UTC)),
        "internetMessageId": internet_id,
        "isRead": False,
        "isDraft": False,
    }
    message |= _thread(store, owner, body, internet_id)
    message["internetMessageHeaders"] = _headers(message, body)
    return file_copy(store, owner, message, "inbox", [])


def _thread(store: DocStore, owner: Doc, body: dict[str, Any], internet_id: str) -> Doc:
    """conversationId and conversationIndex: the thread's when replying, else a new thread."""
    parent_id = optional_text(body, "inReplyTo")
    explicit = optional_text(body, "conversationId")
    if parent_id is None:
        conversation = explicit or graph_item_id("conversation", internet_id)
        return {"conversationId": conversation}
    parent = next(
        (
            m
            for m in store.iter(messages_of(owner["id"]))
            if m.get("internetMessageId") == parent_id
        ),
        None,
    )
    if parent is None:
        raise DeliveryError(f"'inReplyTo': no message '{parent_id}' in the mailbox")
    # Exchange extends the parent's index by a five-byte child block
    index = base64.b64decode(str(parent.get("conversationIndex") or ""))
    child = hashlib.sha256(internet_id.encode()).digest()[:5]
    return {
        "conversationId": explicit or parent["conversationId"],
        "conversationIndex": base64.b64encode(index + child).decode(),
        "_inReplyTo": parent_id,
    }


def _headers(message: Doc, body: dict[str, Any]) -> list[dict[str, str]]:
    """The headers an internet mail carries, then the caller's own."""

    def mailbox(recipient_: dict[str, Any]) -> str:
        address = recipient_["emailAddress"]
        return f"{address['name']} <{address['address']}>"

    headers = [
        {"name": "From", "value": mailbox(message["from"])},
        {"name": "To", "value": ", ".join(mailbox(r) for r in message["toRecipients"])},
        {"name": "Subject", "value": message["subject"]},
        {"name": "Date", "value": message["sentDateTime"]},
        {"name": "Message-ID", "value": message["internetMessageId"]},
    ]
    if message["ccRecipients"]:
        cc = ", ".join(mailbox(r) for r in message["ccRecipients"])
        headers.append({"name": "Cc", "value": cc})
    if message.get("_inReplyTo"):
        headers.append({"name": "In-Reply-To", "value": message["_inReplyTo"]})
    return headers + message_headers(body)


Handler = Callable[[Request, DocStore, dict[str, Any]], Awaitable[dict[str, Any]]]


def _control(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint answering 201 with what `handler` made, or 400/404 `{"error"}`."""

    async def endpoint(request: Request) -> Response:
        try:
            body = await read_body(request)
            made = await handler(request, graph_context(request).store, body)
        except DeliveryError as problem:
            return JSONResponse({"error": str(problem)}, status_code=problem.status)
        return JSONResponse(made, status_code=201)

    return endpoint


async def _inbound_mail(request: Request, store: DocStore, body: dict[str, Any]) -> dict[str, Any]:
    stored = inbound_message(store, body)
    return {"@odata.type": "#microsoft.graph.message"} | shape_message(request, stored, None)


async def _invitation(request: Request, store: DocStore, body: dict[str, Any]) -> dict[str, Any]:
    event = record_invitation(store, body)
    return {"@odata.type": "#microsoft.graph.event"} | shape_event(
        event, None, preferred_zone(request)
    )


def delivery_routes() -> list[Route]:
    return [
        Route(f"{PREFIX}/inbound-mail", _control(_inbound_mail), methods=["POST"]),
        Route(f"{PREFIX}/external-invitation", _control(_invitation), methods=["POST"]),
    ]
