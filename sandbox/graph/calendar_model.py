"""The calendar's stored shape: the default calendar, events with Exchange's defaults, and
how an event is answered (start and end in UTC unless the client prefers a zone).

Each user has one calendar. Events keep the `dateTimeTimeZone` the client
wrote; responses convert it, as Outlook does, to UTC or to the zone of
`Prefer: outlook.timezone`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request

from sandbox.graph.directory import email_address, events_of, graph_context, mailbox_owner, now_iso
from sandbox.graph.errors import GraphError, item_not_found, malformed_id
from sandbox.graph.mail_model import body_preview, looks_like_item_id, stored_item
from sandbox.graph.odata_eval import as_datetime
from sandbox.graph.query import Paging, project
from sandbox.graph.schema import EVENT
from sandbox.graph.timezones import date_time_zone, moment
from sandbox.ids import graph_item_id
from sandbox.state import Doc, DocStore

EVENT_PAGING = Paging(default_size=10, max_size=1000)
#: Outlook's "no time" for responses that never happened
NO_TIME = "0001-01-01T00:00:00Z"
_ICAL_PREFIX = "040000008200E00074C5B7101A82E00800000000"


def calendar_id(user_id: str) -> str:
    return graph_item_id(user_id, "calendar")


def calendar_resource(owner: Doc) -> dict[str, Any]:
    """The user's default calendar as Graph describes it."""
    return {
        "id": calendar_id(owner["id"]),
        "name": "Calendar",
        "color": "auto",
        "hexColor": "",
        "isDefaultCalendar": True,
        "changeKey": calendar_id(owner["id"])[-16:],
        "canShare": True,
        "canViewPrivateItems": True,
        "canEdit": True,
        "isRemovable": False,
        "isTallyingResponses": True,
        "allowedOnlineMeetingProviders": ["teamsForBusiness"],
        "defaultOnlineMeetingProvider": "teamsForBusiness",
        "owner": email_address(owner),
    }


def calendar_owner(request: Request) -> Doc:
    """The mailbox owner, after checking any `/calendars/{id}` segment names their calendar."""
    owner = mailbox_owner(request)
    wanted = request.path_params.get("calendar")
    if wanted is not None and wanted != calendar_id(owner["id"]):
        raise item_not_found() if looks_like_item_id(wanted) else malformed_id()
    return owner


def find_event(store: DocStore, owner_id: str, event_id: str) -> Doc:
    """The event with `event_id` in the owner's calendar, or Outlook's 404/400."""
    return stored_item(store, events_of(owner_id), event_id)


def addressed_event(request: Request) -> tuple[Doc, Doc]:
    """The mailbox owner and the event the path names."""
    owner = calendar_owner(request)
    store = graph_context(request).store
    return owner, find_event(store, owner["id"], request.path_params["event"])


def new_ical_uid() -> str:
    """An iCalendar UID in Outlook's hex form."""
    return _ICAL_PREFIX + uuid.uuid4().hex.upper() + uuid.uuid4().hex.upper()[:16]


def event_defaults(doc: Doc, owner: Doc) -> Doc:
    """Fill in what Exchange sets on an event the owner organizes (in place)."""
    now = now_iso()
    organizer = {"emailAddress": email_address(owner)}
    defaults: dict[str, Any] = {
        "createdDateTime": now,
        "lastModifiedDateTime": now,
        "categories": [],
        "iCalUId": new_ical_uid(),
        "reminderMinutesBeforeStart": 15,
        "isReminderOn": True,
        "hasAttachments": False,
        "subject": "",
        "body": {"contentType": "html", "content": ""},
        "importance": "normal",
        "sensitivity": "normal",
        "isAllDay": False,
        "isCancelled": False,
        "isOrganizer": True,
        "responseRequested": True,
        "seriesMasterId": None,
        "showAs": "busy",
        "type": "singleInstance",
        "isOnlineMeeting": False,
        "onlineMeetingProvider": "unknown",
        "onlineMeeting": None,
        "allowNewTimeProposals": True,
        "isDraft": False,
        "hideAttendees": False,
        "location": {"displayName": ""},
        "locations": [],
        "recurrence": None,
        "attendees": [],
        "organizer": organizer,
        "responseStatus": {"response": "organizer", "time": NO_TIME},
        "transactionId": None,
    }
    for name, value in defaults.items():
        doc.setdefault(name, value)
    refresh_derived(doc)
    return doc


def refresh_derived(doc: Doc) -> None:
    """Recompute the properties Exchange derives from others (in place)."""
    doc["bodyPreview"] = body_preview(doc.get("body") or {})
    doc["originalStartTimeZone"] = str((doc.get("start") or {}).get("timeZone") or "UTC")
    doc["originalEndTimeZone"] = str((doc.get("end") or {}).get("timeZone") or "UTC")
    if doc.get("isOnlineMeeting"):
        doc["onlineMeetingProvider"] = "teamsForBusiness"
        doc["onlineMeeting"] = doc.get("onlineMeeting") or {
            "joinUrl": f"https://teams.microsoft.com/l/meetup-join/{doc['iCalUId'][-32:]}"
        }
    for attendee in doc.get("attendees") or []:
        attendee.setdefault("type", "required")
        attendee.setdefault("status", {"response": "none", "time": NO_TIME})


def event_window(doc: Doc) -> tuple[datetime, datetime] | None:
    """When the event starts and ends, as aware datetimes."""
    start, end = moment(doc.get("start")), moment(doc.get("end"))
    return (start, end) if start is not None and end is not None else None


def overlaps(doc: Doc, window_start: datetime, window_end: datetime) -> bool:
    """Whether the event overlaps the window (Outlook's calendarView rule)."""
    span = event_window(doc)
    return span is not None and span[0] < window_end and span[1] > window_start


def shape_event(doc: Doc, select: list[str] | None, zone: tuple[str, ZoneInfo] | None) -> Doc:
    """An event as Graph answers: etag first, start/end in the preferred zone (else UTC)."""
    event: dict[str, Any] = {"@odata.etag": f'W/"{doc.get("changeKey", "")}"'} | doc
    zone_name = zone[0] if zone is not None else "UTC"
    for name in ("start", "end"):
        at = moment(doc.get(name))
        if at is not None:
            event[name] = date_time_zone(at, zone_name)
    return project(event, EVENT, select)


def window_bound(request: Request, name: str) -> datetime:
    """A calendarView window bound from the query string (any case), or Outlook's 400."""
    wanted = name.lower()
    given = (v for k, v in request.query_params.multi_items() if k.lower() == wanted)
    text = next(given, None)
    if text is None:
        raise GraphError(
            400,
            "ErrorInvalidParameter",
            "This request requires a time window specified by the query string parameters "
            "StartDateTime and EndDateTime.",
        )
    moment = as_datetime(text)
    if moment is None:
        raise GraphError(
            400, "ErrorInvalidParameter", f"The value '{text}' of parameter '{name}' is invalid."
        )
    return moment
