"""Meetings as Graph `event` resources in each internal participant's calendar.

Internal guests accept four invitations in five; of the rest, half answer
tentatively, a quarter decline (the event leaves their calendar, as Outlook
removes declined meetings) and a quarter never answer. Each copy shows its
owner's own `responseStatus` and `showAs` (tentative for unanswered and
tentative invitations, free for cancelled ones); online meetings carry a Teams
`onlineMeeting.joinUrl`. A series adds one `seriesMaster` per calendar.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime

from sandbox.ids import graph_item_id
from sandbox.seed.clock import Clock, graph_date_time_zone, graph_datetime
from sandbox.seed.meetings import Meeting
from sandbox.seed.model import Record
from sandbox.seed.people import Person
from sandbox.seed.series import Series

_NO_RESPONSE_TIME = "0001-01-01T00:00:00Z"
#: internal guests' answers (the organiser's view; "none": not answered)
_INTERNAL_RESPONSES = ("accepted",) * 16 + ("tentativelyAccepted",) * 2 + ("declined", "none")
_CLIENT_RESPONSES = ("accepted", "accepted", "tentativelyAccepted", "declined", "none", "none")
_SHOW_AS = {"accepted": "busy", "tentativelyAccepted": "tentative", "notResponded": "tentative"}
_TEAMS_JOIN = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_{}%40thread.v2/0"


def _agenda(meeting: Meeting) -> str:
    who = ", ".join(guest.name for guest in meeting.client_guests) or "the team"
    return f"Agenda: {meeting.subject}. Participants: {meeting.organizer.name}, {who}."


def _attendees(meeting: Meeting, clock: Clock, rng: random.Random) -> list[Record]:
    """The guests with their answers as the organiser sees them."""
    attendees = []
    people: list[tuple[dict[str, dict[str, str]], tuple[str, ...]]] = [
        (guest.address, _CLIENT_RESPONSES) for guest in meeting.client_guests
    ]
    people += [(person.address, _INTERNAL_RESPONSES) for person in meeting.internal_guests]
    for address, responses in people:
        response = rng.choice(responses)
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


def _responses(meeting: Meeting, attendees: list[Record]) -> dict[str, Record]:
    """Calendar owner's graph id -> own responseStatus, for those who keep the event."""
    organizer = {"response": "organizer", "time": _NO_RESPONSE_TIME}
    answers = {a["emailAddress"]["address"]: a["status"] for a in attendees}
    kept = {meeting.organizer.graph_id: organizer}
    for person in meeting.internal_guests:
        status = answers[person.email]
        if status["response"] != "declined":
            response = "notResponded" if status["response"] == "none" else status["response"]
            kept[person.graph_id] = {"response": response, "time": status["time"]}
    return kept


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
        "onlineMeeting": {"joinUrl": _TEAMS_JOIN.format(_join_code(meeting))}
        if meeting.online
        else None,
    }


def _join_code(meeting: Meeting) -> str:
    key = meeting.series.key if meeting.series else meeting.key
    return hashlib.sha256(f"teams/{key}".encode()).hexdigest()[:40]


def _show_as(meeting: Meeting, response: str) -> str:
    if meeting.cancelled:
        return "free"
    return meeting.show_as if response == "organizer" else _SHOW_AS[response]


def _event(meeting: Meeting, owner: Person, shared: Record, status: Record) -> Record:
    """The copy of `meeting` in `owner`'s calendar; `status` is owner's responseStatus."""
    is_organizer = owner == meeting.organizer
    series = meeting.series
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
        "isAllDay": meeting.all_day,
        "isCancelled": meeting.cancelled,
        "isOrganizer": is_organizer,
        "isReminderOn": not meeting.all_day,
        "reminderMinutesBeforeStart": 15,
        "responseRequested": bool(shared["attendees"]),
        "showAs": _show_as(meeting, status["response"]),
        "type": "singleInstance" if series is None else "occurrence",
        "seriesMasterId": None if series is None else _master_id(owner, series),
        "recurrence": None,
        "hasAttachments": False,
        "isOnlineMeeting": meeting.online,
        "onlineMeetingProvider": "teamsForBusiness" if meeting.online else "unknown",
        "onlineMeeting": shared["onlineMeeting"],
        "location": shared["location"],
        "locations": shared["locations"],
        "responseStatus": status,
        "attendees": shared["attendees"],
        "organizer": shared["organizer"],
    }


def _master_id(owner: Person, series: Series) -> str:
    return graph_item_id(owner.graph_id, "event", series.master_ical_uid)


def _master(occurrence: Record, owner: Person, series: Series, days: tuple[date, date]) -> Record:
    """The series master in `owner`'s calendar, shaped like its first occurrence there."""
    return occurrence | {
        "id": _master_id(owner, series),
        "iCalUId": series.master_ical_uid,
        "subject": occurrence["subject"].removeprefix("Canceled: "),
        "isCancelled": False,
        "showAs": "busy" if occurrence["showAs"] == "free" else occurrence["showAs"],
        "type": "seriesMaster",
        "seriesMasterId": None,
        "recurrence": series.recurrence(*days),
    }


def calendar_events(
    meetings: list[Meeting], clock: Clock, rng: random.Random
) -> dict[str, list[Record]]:
    """Graph user id -> events in that user's calendar.

    The copies of one meeting share their unchanging parts (body, times, attendees):
    treat seeded events as read-only (the Graph stand-in stores JSON copies).
    """
    calendars: dict[str, list[Record]] = {}
    spans = _series_spans(meetings)
    masters: dict[tuple[str, str], Record] = {}
    for meeting in meetings:
        attendees = _attendees(meeting, clock, rng)
        modified = clock.since(meeting.created, rng) if meeting.cancelled else meeting.created
        shared = _shared_parts(meeting, attendees, modified)
        responses = _responses(meeting, attendees)
        for owner in (meeting.organizer, *meeting.internal_guests):
            if owner.graph_id not in responses:
                continue
            event = _event(meeting, owner, shared, responses[owner.graph_id])
            calendars.setdefault(owner.graph_id, []).append(event)
            series = meeting.series
            if series is not None and (series.key, owner.graph_id) not in masters:
                master = _master(event, owner, series, spans[series.key])
                masters[series.key, owner.graph_id] = master
                calendars[owner.graph_id].append(master)
    return calendars


def _series_spans(meetings: list[Meeting]) -> dict[str, tuple[date, date]]:
    """Series key -> the days of its first and last occurrence."""
    spans: dict[str, tuple[date, date]] = {}
    for meeting in meetings:
        if meeting.series is not None:
            day = meeting.start.date()
            first, last = spans.get(meeting.series.key, (day, day))
            spans[meeting.series.key] = (min(first, day), max(last, day))
    return spans
