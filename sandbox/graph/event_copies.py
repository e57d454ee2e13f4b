"""Attendees' copies of a meeting, kept in step with the organizer's event.

Each internal attendee has a copy with the same `iCalUId` (response
"notResponded"); an organizer's update rewrites the shared part, a
cancellation marks the copies cancelled, and an attendee's answer is tallied
on the organizer's event. An occurrence's copy points at the attendee's own
copy of the series master.
"""

from __future__ import annotations

from typing import Any

from sandbox.graph.calendar_model import NO_TIME, refresh_derived
from sandbox.graph.changes import remove
from sandbox.graph.directory import events_of, find_user_by_address, new_item_id, now_iso, stamp
from sandbox.state import Doc, DocStore

#: what an organizer's update carries over to the attendees' copies
SHARED = (
    *("subject", "body", "start", "end", "location", "locations", "attendees"),
    *("isAllDay", "isOnlineMeeting", "onlineMeeting", "onlineMeetingProvider", "importance"),
    "recurrence",
)
#: the instance-date part of an Outlook iCalUId (zero for a series master)
_INSTANCE = slice(32, 40)


def attendee_address(attendee: Any) -> str:
    entry = attendee.get("emailAddress") if isinstance(attendee, dict) else None
    return str((entry or {}).get("address") or "").lower()


def master_ical_uid(ical_uid: str) -> str:
    """The series master's iCalUId, from one of its occurrences' iCalUIds."""
    return ical_uid[: _INSTANCE.start] + "00000000" + ical_uid[_INSTANCE.stop :]


def attendee_users(store: DocStore, meeting: Doc, organizer: Doc) -> list[Doc]:
    users = []
    for attendee in meeting.get("attendees") or []:
        address = attendee_address(attendee)
        user = find_user_by_address(store, address) if address else None
        if user is not None and user["id"] != organizer["id"]:
            users.append(user)
    return users


def copy_of(store: DocStore, user: Doc, ical_uid: str) -> Doc | None:
    for event in store.iter(events_of(user["id"])):
        if event.get("iCalUId") == ical_uid:
            return event
    return None


def sync_copies(store: DocStore, meeting: Doc, organizer: Doc) -> None:
    """Create or update each internal attendee's copy of the organizer's meeting."""
    for user in attendee_users(store, meeting, organizer):
        copy = copy_of(store, user, meeting["iCalUId"])
        shared = {name: meeting[name] for name in SHARED if name in meeting}
        if copy is None:
            copy = {k: v for k, v in meeting.items() if not k.startswith("_")}
            copy |= {"id": new_item_id(user["id"], "event"), "isOrganizer": False}
            copy["responseStatus"] = {"response": "notResponded", "time": NO_TIME}
        if meeting.get("seriesMasterId"):
            master = copy_of(store, user, master_ical_uid(meeting["iCalUId"]))
            copy["seriesMasterId"] = master["id"] if master is not None else None
        copy |= shared | {"lastModifiedDateTime": meeting["lastModifiedDateTime"]}
        refresh_derived(copy)
        store.put(events_of(user["id"]), copy["id"], stamp(copy))


def cancel_copies(store: DocStore, meeting: Doc, organizer: Doc) -> None:
    for user in attendee_users(store, meeting, organizer):
        copy = copy_of(store, user, meeting["iCalUId"])
        if copy is not None and not copy.get("isCancelled"):
            copy |= {"isCancelled": True, "showAs": "free", "lastModifiedDateTime": now_iso()}
            copy["subject"] = f"Canceled: {copy.get('subject') or ''}"
            store.put(events_of(user["id"]), copy["id"], stamp(copy))


def tally(store: DocStore, copy: Doc, address: str, answered: dict[str, str]) -> None:
    """Record an attendee's answer on the organizer's event, when the organizer is internal."""
    organizer_address = ((copy.get("organizer") or {}).get("emailAddress") or {}).get("address")
    organizer = find_user_by_address(store, str(organizer_address or ""))
    meeting = copy_of(store, organizer, copy["iCalUId"]) if organizer else None
    if organizer is None or meeting is None:
        return
    for attendee in meeting.get("attendees") or []:
        if attendee_address(attendee) == address.lower():
            attendee["status"] = answered
    store.put(events_of(organizer["id"]), meeting["id"], stamp(meeting))


def remove_copies(store: DocStore, meeting: Doc, organizer: Doc) -> None:
    """Delete the attendees' copies of a meeting that no longer exists (an old occurrence)."""
    for user in attendee_users(store, meeting, organizer):
        copy = copy_of(store, user, meeting["iCalUId"])
        if copy is not None:
            remove(store, events_of(user["id"]), copy["id"])
