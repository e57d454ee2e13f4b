"""Seeded calendars: series with their masters, answers, free/busy, online meetings."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from typing import Any

import pytest

from sandbox.seed import Seed
from tests.unit.test_seed_support import TESTED_PRESETS, seed_of

TODAY = dt.date(2026, 11, 27)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def seed(preset: str = "demo") -> Seed:
    return seed_of(preset, TODAY)


def all_events(preset: str = "demo") -> list[dict[str, Any]]:
    return [event for events in seed(preset).graph.events.values() for event in events]


def day_of(event: dict[str, Any]) -> dt.date:
    return dt.date.fromisoformat(event["start"]["dateTime"][:10])


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_every_occurrence_points_at_its_series_master_in_the_same_calendar(preset: str) -> None:
    for events in seed(preset).graph.events.values():
        by_id = {event["id"]: event for event in events}
        occurrences = [e for e in events if e["type"] == "occurrence"]
        masters = {e["id"] for e in events if e["type"] == "seriesMaster"}
        assert {e["seriesMasterId"] for e in occurrences} == masters
        for occurrence in occurrences:
            master = by_id[occurrence["seriesMasterId"]]
            assert occurrence["recurrence"] is None and master["seriesMasterId"] is None
            assert occurrence["iCalUId"] != master["iCalUId"]
            # Exchange's global object id: the tail is the series', bytes 16-19 the date
            assert occurrence["iCalUId"][40:] == master["iCalUId"][40:]
            assert master["iCalUId"][32:40] == "00000000"
            day = day_of(occurrence)
            assert occurrence["iCalUId"][32:40] == f"{day.year:04X}{day.month:02X}{day.day:02X}"
            assert occurrence["organizer"] == master["organizer"]


def test_series_follow_their_recurrence_pattern_and_range() -> None:
    kinds: Counter[str] = Counter()
    for events in seed().graph.events.values():
        for master in (e for e in events if e["type"] == "seriesMaster"):
            pattern, span = master["recurrence"]["pattern"], master["recurrence"]["range"]
            kinds[f"{pattern['type']}/{pattern['interval']}"] += 1
            days = sorted(
                day_of(e)
                for e in events
                if e["type"] == "occurrence" and e["seriesMasterId"] == master["id"]
            )
            assert days[0] >= dt.date.fromisoformat(span["startDate"]) == day_of(master)
            assert days[-1] <= dt.date.fromisoformat(span["endDate"])
            assert {WEEKDAYS[day.weekday()] for day in days} == set(pattern["daysOfWeek"])
            gaps = {(later - earlier).days for earlier, later in itertools.pairwise(days)}
            if pattern["type"] == "weekly":
                assert all(gap % (7 * pattern["interval"]) == 0 for gap in gaps)
            else:
                assert pattern["type"] == "relativeMonthly" and all(gap >= 28 for gap in gaps)
    assert {"weekly/1", "weekly/2", "relativeMonthly/1"} <= set(kinds)


def test_recurring_client_calls_and_their_masters_are_in_the_truth() -> None:
    truth = seed().truth.event_accounts
    masters = [e for e in all_events() if e["type"] == "seriesMaster"]
    assert all(e["iCalUId"] in truth for e in masters)
    about_clients = {truth[e["iCalUId"]] for e in masters} - {None}
    assert about_clients <= set(seed().truth.key_account_ids) and about_clients


def test_answers_and_free_busy_vary_like_real_calendars() -> None:
    events = all_events()
    answers = Counter(a["status"]["response"] for e in events for a in e["attendees"])
    assert {"accepted", "tentativelyAccepted", "declined", "none"} <= set(answers)
    assert answers["accepted"] > answers["declined"] > 0
    own = Counter(e["responseStatus"]["response"] for e in events)
    assert {"organizer", "accepted", "tentativelyAccepted", "notResponded"} <= set(own)
    assert "declined" not in own  # declined meetings leave the guest's calendar
    show_as = Counter(e["showAs"] for e in events)
    assert {"busy", "tentative", "free", "oof", "workingElsewhere"} <= set(show_as)
    assert show_as["busy"] > len(events) / 2
    for event in events:
        if event["isCancelled"]:
            assert event["showAs"] == "free"
        elif event["responseStatus"]["response"] == "tentativelyAccepted":
            assert event["showAs"] == "tentative"
        if event["showAs"] in ("oof", "workingElsewhere"):
            assert event["isAllDay"] and not event["attendees"]
            assert event["start"]["dateTime"].endswith("T00:00:00.0000000")


def test_online_meetings_have_a_teams_join_url_and_site_visits_none() -> None:
    events = all_events()
    online = [e for e in events if e["isOnlineMeeting"]]
    assert online and len(online) < len(events)
    for event in events:
        if event["isOnlineMeeting"]:
            assert event["onlineMeetingProvider"] == "teamsForBusiness"
            assert event["onlineMeeting"]["joinUrl"].startswith(
                "https://teams.microsoft.com/l/meetup-join/"
            )
        else:
            assert event["onlineMeeting"] is None
    copies: dict[str, set[str]] = {}
    for event in online:
        copies.setdefault(event["iCalUId"], set()).add(event["onlineMeeting"]["joinUrl"])
    assert all(len(urls) == 1 for urls in copies.values())


def test_cancelled_meetings_are_marked_for_guests() -> None:
    cancelled = [e for e in all_events() if e["isCancelled"]]
    assert cancelled
    for event in cancelled:
        assert event["subject"].startswith("Canceled: ") is not event["isOrganizer"]
