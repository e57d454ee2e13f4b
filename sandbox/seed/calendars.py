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


def _event(meeting: Meeting, owner: Person, attendees: list[Record], modified: datetime) -> Record:
    """The copy of `meeting` in `owner`'s calendar."""
    is_organizer = owner == meeting.organizer
    text = _agenda(meeting)
    response = "organizer" if is_organizer else "accepted"
    return {
        "id": graph_item_id(owner.graph_id, "event", meeting.ical_uid),
        "createdDateTime": graph_datetime(meeting.created),
        "lastModifiedDateTime": graph_datetime(modified),
        "categories": [],
        "iCalUId": meeting.ical_uid,
        "subject": ("Canceled: " if meeting.cancelled and not is_organizer else "")
        + meeting.subject,
        "bodyPreview": text[:255],
        "body": {"contentType": "text", "content": text},
        "importance": "normal",
        "sensitivity": "normal",
        "start": graph_date_time_zone(meeting.start),
        "end": graph_date_time_zone(meeting.end),
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
        "location": {"displayName": meeting.location},
        "locations": [{"displayName": meeting.location}],
        "responseStatus": {
            "response": response,
            "time": _NO_RESPONSE_TIME if is_organizer else graph_datetime(meeting.created),
        },
        "attendees": [
            {
                **attendee,
                "status": dict(attendee["status"]),
                "emailAddress": dict(attendee["emailAddress"]),
            }
            for attendee in attendees
        ],
        "organizer": meeting.organizer.address,
    }


def calendar_events(
    meetings: list[Meeting], clock: Clock, rng: random.Random
) -> dict[str, list[Record]]:
    """Graph user id -> events in that user's calendar."""
    calendars: dict[str, list[Record]] = {}
    for meeting in meetings:
        attendees = _attendees(meeting, clock, rng)
        modified = clock.since(meeting.created, rng) if meeting.cancelled else meeting.created
        for owner in (meeting.organizer, *meeting.internal_guests):
            calendars.setdefault(owner.graph_id, []).append(
                _event(meeting, owner, attendees, modified)
            )
    return calendars
