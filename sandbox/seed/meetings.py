"""Meetings: client meetings organised by account owners and internal team calls.

Each meeting becomes a Graph `event` in the organiser's and every internal
guest's calendar (same iCalUId, own ids); past client meetings are also what
owners log as Salesforce Events (see `activities.py`). Team calls are weekly
series (see `series.py`): each call is one occurrence of its team's series.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import cached_property

from sandbox.seed.clock import Clock, weekday_on_or_before
from sandbox.seed.crm import ClientContact
from sandbox.seed.people import Person, Staff
from sandbox.seed.plans import AccountPlan, Tier
from sandbox.seed.series import Series

_PER_ACCOUNT: dict[Tier, tuple[int, int]] = {"big": (4, 8), "small": (0, 1), "prospect": (0, 1)}
_CLIENT_SUBJECTS = (
    ("Quarterly business review", True),
    ("Contract renewal discussion", True),
    ("Pricing review", True),
    ("Delivery performance review", False),
    ("Product roadmap session", False),
    ("Site visit", True),
    ("Introduction call", False),
)
_DURATIONS = (30, 45, 60, 60, 90)
_CANCELLED_SHARE = 0.07
_PAST_DAYS, _FUTURE_DAYS = 75, 30
_TEAM_SIZE = 8
#: meetings every key account surely had lately (and its owner logged in Salesforce)
HELD_KEY_MEETINGS = 2
_ICAL_PREFIX = "040000008200E00074C5B7101A82E00800000000"


@dataclass(frozen=True)
class Meeting:
    """One meeting, before it is copied into calendars."""

    key: str
    account_id: str | None
    subject: str
    organizer: Person
    internal_guests: tuple[Person, ...]
    client_guests: tuple[ClientContact, ...]
    start: datetime
    minutes: int
    location: str
    online: bool
    cancelled: bool
    created: datetime
    #: the series this meeting is an occurrence of (None: a single meeting)
    series: Series | None = None
    #: free/busy of the organiser's copy: busy, tentative, free, oof, workingElsewhere
    show_as: str = "busy"
    all_day: bool = False

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)

    @cached_property
    def ical_uid(self) -> str:
        if self.series is not None:
            return self.series.occurrence_ical_uid(self.start.date())
        digest = hashlib.sha256(f"meeting/{self.key}".encode()).hexdigest().upper()
        return _ICAL_PREFIX + digest[:56]


def _slot(clock: Clock, day_offset: int, rng: random.Random) -> datetime:
    """A half-hour slot between 09:00 and 16:30 UTC on a weekday."""
    day = weekday_on_or_before(clock.day(day_offset))
    half_hours = rng.randint(18, 33)
    return datetime.combine(day, datetime.min.time(), clock.now.tzinfo) + timedelta(
        minutes=30 * half_hours
    )


def _created_before(start: datetime, clock: Clock, rng: random.Random) -> datetime:
    """When the invitation went out: days before the start, and before now."""
    sent = start - timedelta(days=rng.randint(2, 21), minutes=rng.randint(0, 600))
    return min(sent, clock.now - timedelta(minutes=rng.randint(5, 600)))


def _client_meeting(
    key: str,
    plan: AccountPlan,
    people: list[ClientContact],
    staff: Staff,
    clock: Clock,
    rng: random.Random,
    *,
    held: bool,
) -> Meeting:
    """A meeting with the account's contacts; `held` ones already took place as planned."""
    topic, named = rng.choice(_CLIENT_SUBJECTS)
    subject = f"{topic} - {plan.company.short_name}" if named or rng.random() < 0.5 else topic
    guests = tuple(rng.sample(people, min(len(people), rng.randint(1, 3))))
    internal: tuple[Person, ...] = ()
    if plan.tier == "big" and rng.random() < 0.2:
        internal = (staff.head_of_key_accounts,)
    start = _slot(clock, rng.randint(-_PAST_DAYS, -1 if held else _FUTURE_DAYS), rng)
    cancelled = rng.random() < _CANCELLED_SHARE
    on_site = topic == "Site visit"
    return Meeting(
        key=key,
        account_id=plan.id,
        subject=subject,
        organizer=plan.owner,
        internal_guests=internal,
        client_guests=guests,
        start=start,
        minutes=rng.choice(_DURATIONS),
        location=f"{plan.company.name}, {plan.company.place.city}"
        if on_site
        else "Microsoft Teams Meeting",
        online=not on_site,
        cancelled=cancelled and not held,
        created=_created_before(start, clock, rng),
    )


def _teams(staff: Staff) -> list[tuple[str, Person, tuple[Person, ...]]]:
    """(call subject, lead, members) of each sales team of at most `_TEAM_SIZE` people."""
    groups = (
        ("Key account pipeline review", staff.head_of_key_accounts, staff.kams),
        ("Sales team weekly", staff.sales_director, staff.reps),
    )
    return [
        (subject, lead, members[first : first + _TEAM_SIZE])
        for subject, lead, members in groups
        for first in range(0, len(members), _TEAM_SIZE)
    ]


def _team_calls(staff: Staff, clock: Clock, rng: random.Random) -> list[Meeting]:
    """Weekly pipeline reviews of each sales team, a weekday and an hour apart."""
    calls = []
    monday = clock.today - timedelta(days=clock.today.weekday())
    for number, (subject, lead, members) in enumerate(_teams(staff)):
        series = Series(f"team/{number}", "weekly", number % 5)
        for week in range(-_PAST_DAYS // 7, _FUTURE_DAYS // 7 + 1):
            day = monday + timedelta(days=7 * week + number % 5)
            hour = 9 + number // 5 % 8
            start = datetime.combine(day, time(hour), clock.now.tzinfo)
            calls.append(
                Meeting(
                    key=f"team/{number}/{week}",
                    account_id=None,
                    subject=subject,
                    organizer=lead,
                    internal_guests=members,
                    client_guests=(),
                    start=start,
                    minutes=45,
                    location="Microsoft Teams Meeting",
                    online=True,
                    cancelled=rng.random() < _CANCELLED_SHARE,
                    created=_created_before(start, clock, rng),
                    series=series,
                )
            )
    return calls


def plan_meetings(
    plans: list[AccountPlan],
    contacts: dict[str, list[ClientContact]],
    staff: Staff,
    clock: Clock,
    meeting_scale: float,
    rng: random.Random,
) -> list[Meeting]:
    """Client meetings of every account (past 75 days to 30 days ahead) and team calls.

    Key accounts meet as often as big ones, and their first meetings surely took place.
    """
    meetings = []
    for plan in plans:
        tier = "big" if plan.meant_key else plan.tier
        count = round(rng.randint(*_PER_ACCOUNT[tier]) * meeting_scale)
        for number in range(count):
            held = plan.meant_key and number < HELD_KEY_MEETINGS
            meeting = _client_meeting(
                f"{plan.id}/{number}", plan, contacts[plan.id], staff, clock, rng, held=held
            )
            meetings.append(meeting)
    return meetings + _team_calls(staff, clock, rng)
