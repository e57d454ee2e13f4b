"""Event writes: create, update, delete, attendee responses and cancellation.

The organizer's event is the meeting; each internal attendee gets a copy in
their own calendar with the same `iCalUId` (response "notResponded"), kept in
step when the organizer updates, cancels or deletes (a cancelled meeting leaves
the organizer's calendar, as Outlook moves it to Deleted Items). An attendee's
accept/tentativelyAccept updates their copy and the organizer's tally; decline
removes their copy, as Outlook moves declined meetings out of the calendar.
Extended properties stay on the item they were written to. A recurring
series is a master and its stored occurrences (series.py); changing the
master's time or pattern re-expands it, deleting or cancelling it takes its
occurrences along, and an answer to the master answers every occurrence.
Attendees' copies live in event_copies.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.graph.calendar_model import (
    addressed_event,
    calendar_owner,
    event_defaults,
    refresh_derived,
    shape_event,
)
from sandbox.graph.changes import remove
from sandbox.graph.directory import (
    events_of,
    graph_context,
    mailbox_address,
    new_item_id,
    now_iso,
    stamp,
)
from sandbox.graph.errors import GraphError, bad_request, unknown_body_property
from sandbox.graph.event_copies import (
    SHARED,
    attendee_address,
    cancel_copies,
    remove_copies,
    sync_copies,
    tally,
)
from sandbox.graph.extended_properties import NAMES as EXTENDED_NAMES
from sandbox.graph.extended_properties import accept
from sandbox.graph.http import context_url, graph_json, no_content, read_json, segment
from sandbox.graph.schema import EVENT
from sandbox.graph.series import drop_instances, expand, instances, prepare_master
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
_TIMING = frozenset({"start", "end", "recurrence"})
_RESPONSES = {"accept": "accepted", "tentativelyAccept": "tentativelyAccepted"}


def _written(body: dict[str, Any], *, creating: bool) -> Doc:
    """The client-writable part of a create/update body, checked."""
    for name in body:
        if not name.startswith("@") and name not in _WRITABLE:
            raise unknown_body_property(name, "event")
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
    dates = prepare_master(doc) if doc.get("recurrence") else []
    event_defaults(doc, owner)
    store.put(events_of(owner["id"]), doc["id"], stamp(doc))
    sync_copies(store, doc, owner)
    for occurrence in expand(store, owner["id"], doc, dates):
        sync_copies(store, occurrence, owner)
    user = segment(request.path_params["user"])
    context = {"@odata.context": context_url(request, f"users('{user}')/events/$entity")}
    return graph_json(context | shape_event(doc, None, preferred_zone(request)), status=201)


async def update_event(request: Request) -> Response:
    owner, doc = addressed_event(request)
    store = graph_context(request).store
    body = await read_json(request)
    tallied = {attendee_address(a): a.get("status") for a in doc.get("attendees") or []}
    written = _written(body, creating=False)
    doc.update(written)
    for attendee in doc.get("attendees") or []:
        # a rewritten attendee list keeps the answers already given
        if "status" not in attendee and tallied.get(attendee_address(attendee)):
            attendee["status"] = tallied[attendee_address(attendee)]
    accept(body, doc)
    doc["lastModifiedDateTime"] = now_iso()
    if doc.get("type") == "occurrence":
        doc["type"] = "exception"
    retimed = doc.get("type") == "seriesMaster" and bool(_TIMING & set(written))
    dates = prepare_master(doc) if retimed else []
    refresh_derived(doc)
    store.put(events_of(owner["id"]), doc["id"], stamp(doc))
    if doc.get("isOrganizer"):
        sync_copies(store, doc, owner)
    if doc.get("type") == "seriesMaster":
        _update_series(store, owner, doc, written, dates if retimed else None)
    user = segment(request.path_params["user"])
    context = {"@odata.context": context_url(request, f"users('{user}')/events/$entity")}
    return graph_json(context | shape_event(doc, None, preferred_zone(request)))


def _update_series(
    store: DocStore, owner: Doc, master: Doc, written: Doc, dates: list[date] | None
) -> None:
    """Carry a master's change to its occurrences: re-expand when `dates` are given
    (new time or pattern; exceptions are dropped too, as Outlook does), else copy the
    shared properties to the occurrences that were not changed on their own."""
    if dates is not None:
        for dropped in drop_instances(store, owner["id"], master["id"]):
            remove_copies(store, dropped, owner)
        changed = expand(store, owner["id"], master, dates)
    else:
        shared = {k: v for k, v in written.items() if k in SHARED and k not in _TIMING}
        changed = []
        for occurrence in instances(store, owner["id"], master["id"]):
            if occurrence.get("type") == "occurrence" and shared:
                occurrence |= shared | {"lastModifiedDateTime": master["lastModifiedDateTime"]}
                store.put(events_of(owner["id"]), occurrence["id"], stamp(occurrence))
                changed.append(occurrence)
    if master.get("isOrganizer"):
        for occurrence in changed:
            sync_copies(store, occurrence, owner)


def _remove_series(store: DocStore, owner: Doc, doc: Doc) -> None:
    """Delete a series' occurrences along with their master, cancelling attendees' copies."""
    for occurrence in drop_instances(store, owner["id"], doc["id"]):
        if doc.get("isOrganizer"):
            cancel_copies(store, occurrence, owner)


async def delete_event(request: Request) -> Response:
    owner, doc = addressed_event(request)
    store = graph_context(request).store
    if doc.get("isOrganizer"):
        cancel_copies(store, doc, owner)
    _remove_series(store, owner, doc)
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
    # an answer to the series master answers each of its occurrences
    for event in [*instances(store, owner["id"], doc["id"]), doc]:
        tally(store, event, mailbox_address(owner), answered)
        if response == "declined":
            remove(store, events_of(owner["id"]), event["id"])
        else:
            event["responseStatus"] = answered
            event["showAs"] = "tentative" if response == "tentativelyAccepted" else "busy"
            store.put(events_of(owner["id"]), event["id"], stamp(event))
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
    cancel_copies(store, doc, owner)
    _remove_series(store, owner, doc)
    remove(store, events_of(owner["id"]), doc["id"])  # Outlook moves it to Deleted Items
    return Response(status_code=202)


async def _optional_json(request: Request) -> dict[str, Any]:
    return await read_json(request) if (await request.body()).strip() else {}


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
