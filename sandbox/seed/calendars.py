"""Meetings as Graph `event` resources in each internal participant's calendar."""

from __future__ import annotations

import random
from datetime import datetime

from sandbox.ids import graph_item_id
from sandbox.seed.clock import Clock, graph_date_time_zone, graph_datetime
from sandbox.seed.meetings import Meeting
from sandbox.seed.model import Record
from sandbox.seed.people import Person

_NO_RESPONSE_TIME = "0001-01-01T00:00:00Z"


def _agenda(meeting: Meeting) -> str:
    who = ", ".join(guest.name for guest in meeting.client_guests) or "the team"
    return f"Agenda: {meeting.subject}. Participants: {meeting.organizer.name}, {who}."


def _attendees(meeting: Meeting, clock: Clock, rng: random.Random) -> list[Record]:
    attendees = []
    people = [(guest.address, False) for guest in meeting.client_guests]
    people += [(person.address, True) for person in meeting.internal_guests]
    for address, colleague in people:
        response = rng.choice(("accepted", "accepted", "tentativelyAccepted", "none"))
        response = "accepted" if colleague else response
        answered = clock.between(meeting.created, min(clock.now, meeting.start), rng)
        attendees.append(
            {
                "type": "required",
                "status": {
                    "response": response,
                    "time": _NO_RESPONSE_TIME if response == "none" else graph_datetime(answered),
                },
                "emailAddress": dict(address["emailAddress"]),
            }
        )
    return attendees


def _shared_parts(meeting: Meeting, attendees: list[Record], modified: datetime) -> Record:
    """What every calendar's copy of `meeting` has alike, built once and shared (read-only)."""
    text = _agenda(meeting)
    location = {"displayName": meeting.location}
    return {
        "createdDateTime": graph_datetime(meeting.created),
        "lastModifiedDateTime": graph_datetime(modified),
        "bodyPreview": text[:255],
        "body": {"contentType": "text", "content": text},
        "start": graph_date_time_zone(meeting.start),
        "end": graph_date_time_zone(meeting.end),
        "location": location,
        "locations": [location],
        "attendees": attendees,
        "organizer": meeting.organizer.address,
    }


def _event(meeting: Meeting, owner: Person, shared: Record) -> Record:
    """The copy of `meeting` in `owner`'s calendar."""
    is_organizer = owner == meeting.organizer
    response = "organizer" if is_organizer else "accepted"
    return {
        "id": graph_item_id(owner.graph_id, "event", meeting.ical_uid),
        "createdDateTime": shared["createdDateTime"],
        "lastModifiedDateTime": shared["lastModifiedDateTime"],
        "categories": [],
        "iCalUId": meeting.ical_uid,
        "subject": ("Canceled: " if meeting.cancelled and not is_organizer else "")
        + meeting.subject,
        "bodyPreview": shared["bodyPreview"],
        "body": shared["body"],
        "importance": "normal",
        "sensitivity": "normal",
        "start": shared["start"],
        "end": shared["end"],
        "originalStartTimeZone": "UTC",
        "originalEndTimeZone": "UTC",
        "isAllDay": False,
        "isCancelled": meeting.cancelled,
        "isOrganizer": is_organizer,
        "isReminderOn": True,
        "reminderMinutesBeforeStart": 15,
        "responseRequested": True,
        "showAs": "free" if meeting.cancelled else "busy",
        "type": "singleInstance",
        "seriesMasterId": None,
        "hasAttachments": False,
        "isOnlineMeeting": meeting.online,
        "onlineMeetingProvider": "teamsForBusiness" if meeting.online else "unknown",
        "location": shared["location"],
        "locations": shared["locations"],
        "responseStatus": {
            "response": response,
            "time": _NO_RESPONSE_TIME if is_organizer else shared["createdDateTime"],
        },
        "attendees": shared["attendees"],
        "organizer": shared["organizer"],
    }


def calendar_events(
    meetings: list[Meeting], clock: Clock, rng: random.Random
) -> dict[str, list[Record]]:
    """Graph user id -> events in that user's calendar.

    The copies of one meeting share their unchanging parts (body, times, attendees):
    treat seeded events as read-only (the Graph stand-in stores JSON copies).
    """
    calendars: dict[str, list[Record]] = {}
    for meeting in meetings:
        attendees = _attendees(meeting, clock, rng)
        modified = clock.since(meeting.created, rng) if meeting.cancelled else meeting.created
        shared = _shared_parts(meeting, attendees, modified)
        for owner in (meeting.organizer, *meeting.internal_guests):
            calendars.setdefault(owner.graph_id, []).append(_event(meeting, owner, shared))
    return calendars
