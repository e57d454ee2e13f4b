"""Calendar entries besides one-off meetings: clients' recurring calls and personal time.

- One key account in five has a recurring call with one or two of its
  contacts, organised by the account owner: weekly, every two weeks or monthly
  (first to fourth weekday of the month), 30 minutes on Teams. Owners do not log
  these in Salesforce.
- Personal entries of every employee, about no client: three people in ten
  block a weekly two-hour "Focus time" series (busy); half take a few days
  off (one all-day event, showAs `oof`); most work from home now and then
  (all-day, `workingElsewhere`).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sandbox.seed.clock import Clock
from sandbox.seed.crm import ClientContact
from sandbox.seed.meetings import Meeting
from sandbox.seed.people import Person, Staff
from sandbox.seed.plans import AccountPlan
from sandbox.seed.series import Series

PAST_DAYS, FUTURE_DAYS = 75, 30
_CLIENT_SERIES_SHARE = 0.2
#: (subject, kind, interval) of clients' recurring calls
_CLIENT_CALLS = (
    ("Weekly supply call", "weekly", 1),
    ("Bi-weekly account sync", "weekly", 2),
    ("Monthly service review", "relativeMonthly", 1),
)
_FOCUS_SHARE, _OFF_SHARE = 0.3, 0.5
_HOME_DAYS = (0, 3)


def _window(clock: Clock) -> tuple[date, date]:
    return clock.day(-PAST_DAYS), clock.day(FUTURE_DAYS)


def _at(day: date, hour: int, clock: Clock) -> datetime:
    return datetime.combine(day, time(hour), clock.now.tzinfo)


def client_series(
    plans: list[AccountPlan],
    people: dict[str, list[ClientContact]],
    clock: Clock,
    rng: random.Random,
) -> list[Meeting]:
    """The occurrences of key accounts' recurring calls within the calendar window."""
    meetings = []
    for plan in plans:
        if not plan.meant_key or rng.random() >= _CLIENT_SERIES_SHARE:
            continue
        subject, kind, interval = rng.choice(_CLIENT_CALLS)
        series = Series(f"client/{plan.id}", kind, rng.randint(0, 4), interval, rng.randint(0, 3))
        contacts = people[plan.id]
        guests = tuple(rng.sample(contacts, min(len(contacts), rng.randint(1, 2))))
        hour = rng.randint(9, 16)
        created = clock.now - timedelta(days=PAST_DAYS + rng.randint(7, 200))
        for day in series.dates(*_window(clock)):
            meetings.append(
                Meeting(
                    key=f"client-series/{plan.id}/{day.isoformat()}",
                    account_id=plan.id,
                    subject=f"{subject} - {plan.company.short_name}",
                    organizer=plan.owner,
                    internal_guests=(),
                    client_guests=guests,
                    start=_at(day, hour, clock),
                    minutes=30,
                    location="Microsoft Teams Meeting",
                    online=True,
                    cancelled=False,
                    created=created,
                    series=series,
                )
            )
    return meetings


def _personal(
    key: str,
    person: Person,
    subject: str,
    start: datetime,
    minutes: int,
    clock: Clock,
    *,
    series: Series | None = None,
    show_as: str = "busy",
) -> Meeting:
    """An entry in `person`'s own calendar, with no guests; whole days when not busy."""
    return Meeting(
        key=key,
        account_id=None,
        subject=subject,
        organizer=person,
        internal_guests=(),
        client_guests=(),
        start=start,
        minutes=minutes,
        location="",
        online=False,
        cancelled=False,
        created=min(start - timedelta(days=14), clock.now - timedelta(hours=1)),
        series=series,
        show_as=show_as,
        all_day=show_as != "busy",
    )


def personal_entries(staff: Staff, clock: Clock, rng: random.Random) -> list[Meeting]:
    """Focus time, days off and days working from home of every employee."""
    entries = []
    first, last = _window(clock)
    for person in staff.correspondents:
        if rng.random() < _FOCUS_SHARE:
            series = Series(f"focus/{person.email}", "weekly", rng.randint(0, 4))
            hour = rng.choice((8, 13, 14))
            for day in series.dates(first, last):
                key = f"focus/{person.email}/{day.isoformat()}"
                start = _at(day, hour, clock)
                entries.append(
                    _personal(key, person, "Focus time", start, 120, clock, series=series)
                )
        if rng.random() < _OFF_SHARE:
            day = clock.day(rng.randint(-PAST_DAYS, FUTURE_DAYS - 5))
            days = rng.randint(1, 5)
            start = _at(day, 0, clock)
            key = f"off/{person.email}"
            entries.append(
                _personal(key, person, "Out of office", start, days * 1440, clock, show_as="oof")
            )
        for number in range(rng.randint(*_HOME_DAYS)):
            day = clock.day(rng.randint(-PAST_DAYS, FUTURE_DAYS))
            start = _at(day, 0, clock)
            key = f"home/{person.email}/{number}"
            entries.append(
                _personal(
                    key, person, "Working from home", start, 1440, clock, show_as="workingElsewhere"
                )
            )
    return entries
