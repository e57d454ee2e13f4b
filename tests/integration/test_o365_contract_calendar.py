"""Contract: O365's schedule API (events, calendarView, responses) against the stand-in."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from O365 import Account
from O365.calendar import Calendar, Event, EventResponse, EventType
from O365.utils.utils import Pagination

from config.settings import Settings
from tests.integration.test_o365_contract_support import (
    colleague,
    graph_root,
    kam,
    raw_graph,
    unique,
)

pytestmark = pytest.mark.integration

NOW = dt.datetime.now(ZoneInfo("UTC")).replace(microsecond=0)
WINDOW = (NOW - dt.timedelta(days=60), NOW + dt.timedelta(days=30))


def _calendar(account: Account, upn: str) -> Calendar:
    calendar = account.schedule(resource=upn).get_default_calendar()
    assert calendar is not None
    return calendar


def _find(calendar: Calendar, subject: str, start: dt.datetime, end: dt.datetime) -> list[Event]:
    query = calendar.new_query().equals("subject", subject)
    events = calendar.get_events(
        limit=None, query=query, include_recurring=True, start_recurring=start, end_recurring=end
    )
    return list(events)


def _new_meeting(account: Account, organizer: str, attendee: str, subject: str) -> Event:
    event = _calendar(account, organizer).new_event(subject)
    event.start = NOW + dt.timedelta(days=3, hours=1)
    event.end = event.start + dt.timedelta(hours=1)
    event.location = "Teams"
    event.body = "<p>Quarterly business review.</p>"
    event.attendees.add(attendee)
    assert event.save()
    return event


def test_calendar_view_is_read_across_pages(account: Account, sandbox_settings: Settings) -> None:
    upn = kam(sandbox_settings)
    with raw_graph(account) as session:
        url = f"{graph_root(sandbox_settings)}/users/{upn}/calendarView"
        window = {"startDateTime": WINDOW[0].isoformat(), "endDateTime": WINDOW[1].isoformat()}
        expected = session.get(url, params=window | {"$top": "999"}).json()["value"]
    calendar = _calendar(account, upn)

    # O365 quirk: Calendar.get_events ignores `batch` when limit=None (it pages by
    # 999), so a finite limit above the total is how a user gets small pages.
    pages = calendar.get_events(
        limit=500, batch=10, include_recurring=True, start_recurring=WINDOW[0],
        end_recurring=WINDOW[1],
    )  # fmt: skip
    events = list(pages)

    assert calendar.name == "Calendar"
    assert isinstance(pages, Pagination) and len(expected) > 10
    assert sorted(event.object_id for event in events) == sorted(row["id"] for row in expected)
    assert all(event.start < WINDOW[1] and event.end > WINDOW[0] for event in events)
    assert all(event.event_type != EventType.SeriesMaster for event in events)


def test_meeting_reaches_the_attendee_who_accepts(
    account: Account, sandbox_settings: Settings
) -> None:
    organizer, attendee = kam(sandbox_settings), colleague(sandbox_settings)
    subject = unique("QBR Fabrikam")
    event = _new_meeting(account, organizer, attendee, subject)
    span = (event.start - dt.timedelta(hours=1), event.end + dt.timedelta(hours=1))

    (invitation,) = _find(_calendar(account, attendee), subject, *span)
    assert not invitation.is_organizer
    assert invitation.organizer.address == organizer
    assert invitation.start == event.start and invitation.end == event.end
    assert invitation.accept_event("See you there")

    (mine,) = _find(_calendar(account, organizer), subject, *span)
    responses = {a.address: a.response_status.status for a in mine.attendees}
    assert mine.is_organizer and mine.object_id == event.object_id
    assert mine.ical_uid == invitation.ical_uid
    assert responses == {attendee: EventResponse.Accepted}
    (accepted,) = _find(_calendar(account, attendee), subject, *span)
    assert accepted.response_status.status == EventResponse.Accepted


def test_declined_then_cancelled_meeting(account: Account, sandbox_settings: Settings) -> None:
    organizer, attendee = kam(sandbox_settings), colleague(sandbox_settings)
    subject = unique("Pricing call")
    event = _new_meeting(account, organizer, attendee, subject)
    span = (event.start - dt.timedelta(hours=1), event.end + dt.timedelta(hours=1))
    (invitation,) = _find(_calendar(account, attendee), subject, *span)

    assert invitation.decline_event("On leave")
    (mine,) = _find(_calendar(account, organizer), subject, *span)
    assert [a.response_status.status for a in mine.attendees] == [EventResponse.Declined]

    assert mine.cancel_event("Moved to next quarter")
    assert _find(_calendar(account, organizer), subject, *span) == []
    remaining = _find(_calendar(account, attendee), subject, *span)
    assert all(copy.is_cancelled for copy in remaining)


def test_event_is_updated_then_deleted(account: Account, sandbox_settings: Settings) -> None:
    organizer = kam(sandbox_settings)
    calendar = _calendar(account, organizer)
    subject = unique("Prep session")
    event = calendar.new_event(subject)
    event.start = NOW + dt.timedelta(days=5)
    event.end = event.start + dt.timedelta(minutes=30)
    assert event.save()
    created_id = event.object_id

    event.subject = subject + " (moved)"
    event.end = event.start + dt.timedelta(minutes=45)
    assert event.save()
    span = (event.start - dt.timedelta(hours=1), event.end + dt.timedelta(hours=1))
    (updated,) = _find(calendar, subject + " (moved)", *span)
    assert updated.end - updated.start == dt.timedelta(minutes=45)
    assert updated.object_id == created_id

    assert updated.delete()
    assert _find(calendar, subject + " (moved)", *span) == []


def test_weekly_series_with_an_attendee(account: Account, sandbox_settings: Settings) -> None:
    """O365 quirk: `Event.save()` keeps only id, created, modified and iCalUId from
    the answer, so a new series reads `event_type` SingleInstance (and
    `get_occurrences` returns []) until it is fetched again."""
    organizer, attendee = kam(sandbox_settings), colleague(sandbox_settings)
    calendar = _calendar(account, organizer)
    subject = unique("Weekly pipeline review")
    first = (NOW + dt.timedelta(days=1)).replace(hour=9, minute=0, second=0)
    series = calendar.new_event(subject)
    series.start = first
    series.end = first + dt.timedelta(minutes=30)
    series.attendees.add(attendee)
    series.recurrence.set_weekly(
        1, days_of_week=[first.strftime("%A").lower()], first_day_of_week="monday",
        start=first.date(), occurrences=4,
    )  # fmt: skip
    assert series.save()
    span = (first - dt.timedelta(hours=1), first + dt.timedelta(days=35))

    occurrences = _find(calendar, subject, *span)
    assert list(series.get_occurrences(*span)) == []
    series = calendar.get_event(series.object_id)
    instances = list(series.get_occurrences(*span))
    assert [o.start for o in occurrences] == [first + dt.timedelta(weeks=n) for n in range(4)]
    assert all(o.event_type == EventType.Occurrence for o in occurrences)
    assert {o.series_master_id for o in occurrences} == {series.object_id}
    assert [o.object_id for o in instances] == [o.object_id for o in occurrences]
    assert series.event_type == EventType.SeriesMaster

    theirs = _find(_calendar(account, attendee), subject, *span)
    assert len(theirs) == 4 and len({o.series_master_id for o in theirs}) == 1
    master_copy = _calendar(account, attendee).get_event(theirs[0].series_master_id)
    assert master_copy is not None and master_copy.accept_event()
    answers = {
        a.address: a.response_status.status
        for o in _find(calendar, subject, *span)
        for a in o.attendees
    }
    assert answers == {attendee: EventResponse.Accepted}

    series.subject = subject + " (renamed)"
    assert series.save()
    assert len(_find(calendar, subject + " (renamed)", *span)) == 4
    assert series.delete()
    assert _find(calendar, subject + " (renamed)", *span) == []
    assert all(o.is_cancelled for o in _find(_calendar(account, attendee), subject, *span))


def test_times_in_the_protocol_time_zone(account: Account, sandbox_settings: Settings) -> None:
    """O365 sends `Prefer: outlook.timezone` with the Windows name of its protocol's
    zone and writes event times in it; Graph answers in that zone (else UTC)."""
    berlin = ZoneInfo("Europe/Berlin")
    account.protocol.timezone = berlin
    calendar = _calendar(account, kam(sandbox_settings))
    event = calendar.new_event(unique("Berlin call"))
    event.start = dt.datetime(2026, 12, 3, 10, 0, tzinfo=berlin)
    event.end = event.start + dt.timedelta(hours=1)
    assert event.to_api_data()["start"]["timeZone"] == "W. Europe Standard Time"
    assert event.save()

    fetched = calendar.get_event(event.object_id)
    with raw_graph(account) as session:
        url = (
            f"{graph_root(sandbox_settings)}/users/{kam(sandbox_settings)}/events/{event.object_id}"
        )
        in_utc = session.get(url).json()

    assert fetched.start == event.start and fetched.start.utcoffset() == dt.timedelta(hours=1)
    assert in_utc["start"] == {"dateTime": "2026-12-03T09:00:00.0000000", "timeZone": "UTC"}
    assert in_utc["originalStartTimeZone"] == "W. Europe Standard Time"
    assert fetched.delete()
