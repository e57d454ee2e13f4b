"""Event writes: create, update, delete, attendee responses and cancellation.

The organizer's event is the meeting; each internal attendee gets a copy in
their own calendar with the same `iCalUId` (response "notResponded"), kept in
step when the organizer updates, cancels or deletes (a cancelled meeting leaves
the organizer's calendar, as Outlook moves it to Deleted Items). An attendee's
accept/tentativelyAccept updates their copy and the organizer's tally; decline
removes their copy, as Outlook moves declined meetings out of the calendar.
Extended properties stay on the item they were written to. Recurring series
are refused (the stand-in does not expand occurrences).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.graph.calendar_model import (
    NO_TIME,
    addressed_event,
    calendar_owner,
    event_defaults,
    refresh_derived,
    shape_event,
)
from sandbox.graph.changes import remove
from sandbox.graph.directory import (
    events_of,
    find_user_by_address,
    graph_context,
    mailbox_address,
    new_item_id,
    now_iso,
    stamp,
)
from sandbox.graph.errors import GraphError, bad_request, unknown_body_property
from sandbox.graph.extended_properties import NAMES as EXTENDED_NAMES
from sandbox.graph.extended_properties import accept
from sandbox.graph.http import context_url, graph_json, no_content, read_json, segment
from sandbox.graph.schema import EVENT
from sandbox.graph.timezones import preferred_zone, valid_date_time_zone
from sandbox.state import Doc, DocStore

_SERVER_SET = frozenset(
    {
        *("id", "createdDateTime", "lastModifiedDateTime", "changeKey", "iCalUId"),
        *("isOrganizer", "isCancelled", "bodyPreview", "type", "seriesMasterId", "webLink"),
        *("originalStartTimeZone", "originalEndTimeZone", "onlineMeetingUrl"),
        *("responseStatus", "organizer", "hasAttachments"),
    }
)
_WRITABLE = (EVENT.properties - _SERVER_SET) | EXTENDED_NAMES
#: what an organizer's update carries over to the attendees' copies
_SHARED = (
    *("subject", "body", "start", "end", "location", "locations", "attendees"),
    *("isAllDay", "isOnlineMeeting", "onlineMeeting", "onlineMeetingProvider", "importance"),
)
_RESPONSES = {"accept": "accepted", "tentativelyAccept": "tentativelyAccepted"}


def _written(body: dict[str, Any], *, creating: bool) -> Doc:
    """The client-writable part of a create/update body, checked."""
    for name in body:
        if not name.startswith("@") and name not in _WRITABLE:
            raise unknown_body_property(name, "event")
    if body.get("recurrence") is not None:
        # refused rather than stored as a single instance: calendarView could not expand it
        raise bad_request(
            "The Graph stand-in does not support recurring series.", code="ErrorInvalidRequest"
        )
    for name in ("start", "end"):
        if (creating or name in body) and not valid_date_time_zone(body.get(name)):
            raise bad_request(
                f"The '{name}' property must be a dateTimeTimeZone with a valid time zone.",
                code="ErrorInvalidRequest",
            )
    return {k: v for k, v in body.items() if not k.startswith("@") and k not in EXTENDED_NAMES}


async def create_event(request: Request) -> Response:
    owner = calendar_owner(request)
    store = graph_context(request).store
    body = await read_json(request)
    doc = _written(body, creating=True) | {"id": new_item_id(owner["id"], "event")}
    accept(body, doc)
    event_defaults(doc, owner)
    store.put(events_of(owner["id"]), doc["id"], stamp(doc))
    _sync_copies(store, doc, owner)
    user = segment(request.path_params["user"])
    context = {"@odata.context": context_url(request, f"users('{user}')/events/$entity")}
    return graph_json(context | shape_event(doc, None, preferred_zone(request)), status=201)


async def update_event(request: Request) -> Response:
    owner, doc = addressed_event(request)
    store = graph_context(request).store
    body = await read_json(request)
    tallied = {_attendee_address(a): a.get("status") for a in doc.get("attendees") or []}
    doc.update(_written(body, creating=False))
    for attendee in doc.get("attendees") or []:
        # a rewritten attendee list keeps the answers already given
        if "status" not in attendee and tallied.get(_attendee_address(attendee)):
            attendee["status"] = tallied[_attendee_address(attendee)]
    accept(body, doc)
    doc["lastModifiedDateTime"] = now_iso()
    refresh_derived(doc)
    store.put(events_of(owner["id"]), doc["id"], stamp(doc))
    if doc.get("isOrganizer"):
        _sync_copies(store, doc, owner)
    user = segment(request.path_params["user"])
    context = {"@odata.context": context_url(request, f"users('{user}')/events/$entity")}
    return graph_json(context | shape_event(doc, None, preferred_zone(request)))


async def delete_event(request: Request) -> Response:
    owner, doc = addressed_event(request)
    store = graph_context(request).store
    if doc.get("isOrganizer"):
        _cancel_copies(store, doc, owner)
    remove(store, events_of(owner["id"]), doc["id"])
    return no_content()


async def respond(request: Request) -> Response:
    """accept / tentativelyAccept / decline: the attendee's answer to the organizer."""
    owner, doc = addressed_event(request)
    action = request.url.path.rsplit("/", 1)[-1]
    answer = await _optional_json(request)
    if "proposedNewTime" in answer and (
        not doc.get("allowNewTimeProposals") or answer.get("sendResponse") is False
    ):
        raise bad_request("A new time can only be proposed in a response sent to the organizer.")
    if doc.get("isOrganizer"):
        raise bad_request(
            "Your request can't be completed. You can't respond to a meeting you organized.",
            code="ErrorInvalidRequest",
        )
    store = graph_context(request).store
    response = _RESPONSES.get(action, "declined")
    answered = {"response": response, "time": now_iso()}
    _tally(store, doc, mailbox_address(owner), answered)
    if response == "declined":
        remove(store, events_of(owner["id"]), doc["id"])
    else:
        doc["responseStatus"] = answered
        doc["showAs"] = "tentative" if response == "tentativelyAccepted" else "busy"
        store.put(events_of(owner["id"]), doc["id"], stamp(doc))
    return Response(status_code=202)


async def cancel_event(request: Request) -> Response:
    """The organizer cancels the meeting: it leaves their calendar, attendees' copies are
    marked cancelled."""
    owner, doc = addressed_event(request)
    await _optional_json(request)
    if not doc.get("isOrganizer"):
        raise GraphError(
            400,
            "ErrorAccessDenied",
            "Your request can't be completed. You need to be an organizer to cancel a meeting.",
        )
    store = graph_context(request).store
    _cancel_copies(store, doc, owner)
    remove(store, events_of(owner["id"]), doc["id"])  # Outlook moves it to Deleted Items
    return Response(status_code=202)


async def _optional_json(request: Request) -> dict[str, Any]:
    return await read_json(request) if (await request.body()).strip() else {}


def _attendee_address(attendee: Any) -> str:
    entry = attendee.get("emailAddress") if isinstance(attendee, dict) else None
    return str((entry or {}).get("address") or "").lower()


def _attendee_users(store: DocStore, meeting: Doc, organizer: Doc) -> list[Doc]:
    users = []
    for attendee in meeting.get("attendees") or []:
        address = _attendee_address(attendee)
        user = find_user_by_address(store, address) if address else None
        if user is not None and user["id"] != organizer["id"]:
            users.append(user)
    return users


def _copy_of(store: DocStore, user: Doc, ical_uid: str) -> Doc | None:
    for event in store.iter(events_of(user["id"])):
        if event.get("iCalUId") == ical_uid:
            return event
    return None


def _sync_copies(store: DocStore, meeting: Doc, organizer: Doc) -> None:
    """Create or update each internal attendee's copy of the organizer's meeting."""
    for user in _attendee_users(store, meeting, organizer):
        copy = _copy_of(store, user, meeting["iCalUId"])
        shared = {name: meeting[name] for name in _SHARED if name in meeting}
        if copy is None:
            copy = {k: v for k, v in meeting.items() if not k.startswith("_")}
            copy |= {"id": new_item_id(user["id"], "event"), "isOrganizer": False}
            copy["responseStatus"] = {"response": "notResponded", "time": NO_TIME}
        copy |= shared | {"lastModifiedDateTime": meeting["lastModifiedDateTime"]}
        refresh_derived(copy)
        store.put(events_of(user["id"]), copy["id"], stamp(copy))


def _cancel_copies(store: DocStore, meeting: Doc, organizer: Doc) -> None:
    for user in _attendee_users(store, meeting, organizer):
        copy = _copy_of(store, user, meeting["iCalUId"])
        if copy is not None and not copy.get("isCancelled"):
            _mark_cancelled(copy)
            copy["subject"] = f"Canceled: {copy.get('subject') or ''}"
            store.put(events_of(user["id"]), copy["id"], stamp(copy))


def _mark_cancelled(doc: Doc) -> None:
    doc |= {"isCancelled": True, "showAs": "free", "lastModifiedDateTime": now_iso()}


def _tally(store: DocStore, copy: Doc, address: str, answered: dict[str, str]) -> None:
    """Record an attendee's answer on the organizer's event, when the organizer is internal."""
    organizer_address = ((copy.get("organizer") or {}).get("emailAddress") or {}).get("address")
    organizer = find_user_by_address(store, str(organizer_address or ""))
    meeting = _copy_of(store, organizer, copy["iCalUId"]) if organizer else None
    if organizer is None or meeting is None:
        return
    for attendee in meeting.get("attendees") or []:
        if _attendee_address(attendee) == address.lower():
            attendee["status"] = answered
    store.put(events_of(organizer["id"]), meeting["id"], stamp(meeting))


def event_write_routes(prefix: str) -> list[Route]:
    """The write routes of one events path (`/users/{user}[/calendar]/events`)."""
    item = f"{prefix}/{{event}}"
    return [
        Route(prefix, create_event, methods=["POST"]),
        Route(item, update_event, methods=["PATCH"]),
        Route(item, delete_event, methods=["DELETE"]),
        *(Route(f"{item}/{action}", respond, methods=["POST"]) for action in _ACTIONS),
        Route(f"{item}/cancel", cancel_event, methods=["POST"]),
    ]


_ACTIONS = ("accept", "tentativelyAccept", "decline")
