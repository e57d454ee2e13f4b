"""An external meeting invitation as Exchange records it: the event in the invitee's
calendar, organized by the outsider, and the meeting request in their Inbox.

Used by `POST /_sandbox/graph/external-invitation` (sandbox/graph/deliveries.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sandbox.graph.calendar_model import NO_TIME, event_defaults, new_ical_uid
from sandbox.graph.delivery_input import (
    DeliveryError,
    graph_time,
    instant,
    optional_text,
    recipient,
    recipient_mailbox,
    recipients,
    text,
    time_zone,
)
from sandbox.graph.directory import email_address, events_of, new_item_id, stamp
from sandbox.graph.sendmail import file_copy
from sandbox.graph.timezones import date_time_zone
from sandbox.state import Doc, DocStore


def record_invitation(store: DocStore, body: dict[str, Any]) -> Doc:
    """File the invitation `body` describes in its mailbox's calendar and Inbox; the event."""
    owner = recipient_mailbox(store, body)
    if "organizer" not in body:
        raise DeliveryError("'organizer' is required: the external organizer's address")
    organizer = recipient(body["organizer"], "organizer")
    owner_address = email_address(owner)["address"].lower()
    if organizer["emailAddress"]["address"].lower() == owner_address:
        raise DeliveryError("'organizer' must not be the mailbox owner (that is no invitation)")
    zone_name, zone = time_zone(body)
    start, end = instant(body, "start", zone), instant(body, "end", zone)
    if start is None or end is None:
        raise DeliveryError(f"'{'start' if start is None else 'end'}' is required (ISO 8601)")
    if end <= start:
        raise DeliveryError("'end' must be after 'start'")
    now = graph_time(datetime.now(UTC))
    location = text(body, "location")
    event: Doc = {
        "subject": text(body, "subject"),
        "body": {"contentType": "html", "content": text(body, "body")},
        "start": date_time_zone(start, zone_name),
        "end": date_time_zone(end, zone_name),
        "organizer": organizer,
        "attendees": _attendees(body, owner),
        "isOrganizer": False,
        "responseRequested": True,
        "responseStatus": {"response": "notResponded", "time": NO_TIME},
        "showAs": "tentative",
        "location": _location(location),
        "locations": [_location(location)] if location else [],
        "lastModifiedDateTime": now,
    }
    ical_uid = optional_text(body, "iCalUId") or new_ical_uid()
    earlier = _event_with_uid(store, owner["id"], ical_uid)
    doc = (earlier or {"id": new_item_id(owner["id"], "event"), "createdDateTime": now}) | event
    doc["iCalUId"] = ical_uid
    event_defaults(doc, owner)
    store.put(events_of(owner["id"]), doc["id"], stamp(doc))
    file_copy(store, owner, _request_message(doc, owner, now), "inbox", [])
    return doc


def _attendees(body: dict[str, Any], owner: Doc) -> list[dict[str, Any]]:
    """The invited attendees (required unless they say `"type"`), the owner always among them."""
    given = body.get("attendees") or []
    listed = recipients(body, "attendees")
    attendees = []
    for item, attendee in zip(given, listed, strict=True):
        kind = item.get("type", "required") if isinstance(item, dict) else "required"
        if kind not in ("required", "optional", "resource"):
            raise DeliveryError("'attendees[].type' must be required, optional or resource")
        attendees.append(attendee | {"type": kind})
    owner_address = email_address(owner)["address"].lower()
    if all(a["emailAddress"]["address"].lower() != owner_address for a in attendees):
        attendees.append({"emailAddress": email_address(owner), "type": "required"})
    for attendee in attendees:
        attendee["status"] = {"response": "none", "time": NO_TIME}
    return attendees


def _location(name: str) -> dict[str, Any]:
    if not name:
        return {"displayName": ""}
    return {"displayName": name, "locationType": "default", "uniqueIdType": "private"}


def _event_with_uid(store: DocStore, owner_id: str, ical_uid: str) -> Doc | None:
    """The meeting already in the calendar with this iCalUId (an updated request), if any."""
    return next((e for e in store.iter(events_of(owner_id)) if e.get("iCalUId") == ical_uid), None)


def _request_message(event: Doc, owner: Doc, now: str) -> Doc:
    """The meeting request Exchange drops in the invitee's Inbox (an eventMessageRequest)."""
    attendees = event["attendees"]
    return {
        "@odata.type": "#microsoft.graph.eventMessageRequest",
        "meetingMessageType": "meetingRequest",
        "subject": event["subject"],
        "body": event["body"],
        "from": event["organizer"],
        "sender": event["organizer"],
        "toRecipients": [_plain(a) for a in attendees if a["type"] != "optional"],
        "ccRecipients": [_plain(a) for a in attendees if a["type"] == "optional"],
        "receivedDateTime": now,
        "sentDateTime": now,
        "isRead": False,
        "startDateTime": event["start"],
        "endDateTime": event["end"],
        "location": event["location"],
        "type": "singleInstance",
        "isAllDay": False,
        "isOutOfDate": False,
        "isDelegated": False,
        "responseRequested": True,
        "allowNewTimeProposals": True,
        "_eventId": event["id"],
    }


def _plain(attendee: dict[str, Any]) -> dict[str, Any]:
    return {"emailAddress": attendee["emailAddress"]}
