"""Business-hours SLA arithmetic: hand-checked cases and hypothesis invariants."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.business_hours import (
    BusinessCalendar,
    add_business_seconds,
    business_hours_elapsed,
    business_seconds_between,
    sla_state,
)

HOUR = 3600.0
LONDON = BusinessCalendar("Europe/London", "GB", "ENG")
BERLIN = BusinessCalendar("Europe/Berlin", "DE")
NEW_YORK = BusinessCalendar("America/New_York", "US", "NY")
SYDNEY = BusinessCalendar(
    "Australia/Sydney", "AU", "NSW", days=(0, 1, 2, 3, 4, 5), opens=dt.time(8, 30)
)
CALENDARS = (LONDON, BERLIN, NEW_YORK, SYDNEY)
PROPERTIES = settings(derandomize=True, deadline=None, max_examples=150)


def at(calendar: BusinessCalendar, year: int, month: int, day: int, hour: int) -> dt.datetime:
    """A local wall time in the calendar's zone."""
    return dt.datetime(year, month, day, hour, tzinfo=ZoneInfo(calendar.timezone))


def test_friday_afternoon_to_monday_morning_counts_two_hours() -> None:
    friday, monday = at(LONDON, 2026, 12, 4, 16), at(LONDON, 2026, 12, 7, 10)
    assert business_seconds_between(friday, monday, LONDON) == 2 * HOUR


def test_english_summer_bank_holiday_is_skipped() -> None:
    # Monday 31 August 2026 is the Summer bank holiday in England.
    friday, tuesday = at(LONDON, 2026, 8, 28, 16), at(LONDON, 2026, 9, 1, 10)
    assert business_seconds_between(friday, tuesday, LONDON) == 2 * HOUR
    assert add_business_seconds(friday, 2 * HOUR, LONDON) == tuesday


def test_german_unity_day_is_skipped() -> None:
    # Friday 3 October 2025, Tag der Deutschen Einheit.
    thursday, monday = at(BERLIN, 2025, 10, 2, 16), at(BERLIN, 2025, 10, 6, 10)
    assert business_seconds_between(thursday, monday, BERLIN) == 2 * HOUR
    assert not BERLIN.is_working_day(dt.date(2025, 10, 3))


@pytest.mark.parametrize(
    ("friday", "monday"),
    [
        # Clocks go forward on Sunday 29 March 2026: CET (+1) → CEST (+2).
        (dt.datetime(2026, 3, 27, 8, tzinfo=dt.UTC), dt.datetime(2026, 3, 30, 15, tzinfo=dt.UTC)),
        # Clocks go back on Sunday 25 October 2026: CEST (+2) → CET (+1).
        (dt.datetime(2026, 10, 23, 7, tzinfo=dt.UTC), dt.datetime(2026, 10, 26, 16, tzinfo=dt.UTC)),
    ],
)
def test_berlin_days_keep_eight_hours_across_dst_weekends(
    friday: dt.datetime, monday: dt.datetime
) -> None:
    # 09:00 Friday to 17:00 Monday local: two full days whatever the offsets.
    assert business_seconds_between(friday, monday, BERLIN) == 16 * HOUR
    assert add_business_seconds(friday, 16 * HOUR, BERLIN) == monday


def test_deadline_after_spring_forward_uses_the_new_offset() -> None:
    friday_late = at(BERLIN, 2026, 3, 27, 16)
    deadline = add_business_seconds(friday_late, 2 * HOUR, BERLIN)
    assert deadline == dt.datetime(2026, 3, 30, 8, tzinfo=dt.UTC)  # 10:00 CEST
    assert deadline.tzinfo == dt.UTC


def test_new_york_thanksgiving_from_utc_inputs() -> None:
    # Wed 25 Nov 2026 16:00 EST → Mon 30 Nov 10:00 EST; Thursday is Thanksgiving.
    start = dt.datetime(2026, 11, 25, 21, tzinfo=dt.UTC)
    end = dt.datetime(2026, 11, 30, 15, tzinfo=dt.UTC)
    assert business_seconds_between(start, end, NEW_YORK) == (1 + 8 + 1) * HOUR


def test_start_on_sunday_begins_at_monday_opening() -> None:
    sunday = at(LONDON, 2026, 12, 6, 12)
    assert business_seconds_between(sunday, at(LONDON, 2026, 12, 7, 12), LONDON) == 3 * HOUR
    assert add_business_seconds(sunday, HOUR, LONDON) == at(LONDON, 2026, 12, 7, 10)


def test_end_before_start_is_zero() -> None:
    later, earlier = at(LONDON, 2026, 12, 7, 12), at(LONDON, 2026, 12, 7, 10)
    assert business_seconds_between(later, earlier, LONDON) == 0


@pytest.mark.parametrize(
    ("zone", "country", "named"),
    [("Mars/Olympus_Mons", "DE", "Mars/Olympus_Mons"), ("Europe/Berlin", "XQ", "XQ")],
)
def test_unknown_zone_or_country_is_named(zone: str, country: str, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        BusinessCalendar(zone, country)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        business_seconds_between(dt.datetime(2026, 1, 5), at(LONDON, 2026, 1, 6, 9), LONDON)
    naive = pd.DataFrame(
        {
            "start": [dt.datetime(2026, 1, 5)],
            "end": [at(LONDON, 2026, 1, 6, 9)],
            "calendar": [LONDON],
        }
    )
    with pytest.raises(ValueError, match="without a time zone"):
        business_hours_elapsed(naive, "start", "end", "calendar")


@pytest.mark.parametrize(
    ("elapsed", "state"),
    [(0, "on track"), (74, "on track"), (75, "at risk"), (100, "at risk"), (101, "breached")],
)
def test_sla_state_thresholds(elapsed: float, state: str) -> None:
    assert sla_state(elapsed, 100) == state


def test_frame_helper_matches_scalar_and_skips_missing_rows() -> None:
    frame = pd.DataFrame(
        {
            "created": [at(LONDON, 2026, 12, 4, 16), at(BERLIN, 2026, 3, 27, 9), None],
            "now": [at(LONDON, 2026, 12, 7, 10), at(BERLIN, 2026, 3, 30, 17), None],
            "calendar": [LONDON, BERLIN, LONDON],
        },
        index=[7, 7, 8],  # duplicate labels must not mix rows up
    )
    elapsed = business_hours_elapsed(frame, "created", "now", "calendar")
    assert elapsed.iloc[:2].tolist() == [2 * HOUR, 16 * HOUR]
    assert np.isnan(elapsed.iloc[2])
    assert elapsed.index.tolist() == [7, 7, 8]


calendars = st.sampled_from(CALENDARS)
moments = st.datetimes(
    min_value=dt.datetime(2025, 1, 1),
    max_value=dt.datetime(2027, 12, 31),
    timezones=st.just(dt.UTC),
)
days = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2027, 12, 31))
durations = st.floats(min_value=0, max_value=400 * HOUR, allow_nan=False)


@PROPERTIES
@given(calendars, moments, moments, moments)
def test_elapsed_time_is_additive(
    calendar: BusinessCalendar, a: dt.datetime, b: dt.datetime, c: dt.datetime
) -> None:
    a, b, c = sorted((a, b, c))
    split = business_seconds_between(a, b, calendar) + business_seconds_between(b, c, calendar)
    assert split == pytest.approx(business_seconds_between(a, c, calendar), abs=1e-3)


@PROPERTIES
@given(calendars, moments, moments)
def test_elapsed_time_is_never_negative(
    calendar: BusinessCalendar, a: dt.datetime, b: dt.datetime
) -> None:
    assert business_seconds_between(a, b, calendar) >= 0


@PROPERTIES
@given(calendars, moments, durations)
def test_adding_then_measuring_gives_back_the_duration(
    calendar: BusinessCalendar, start: dt.datetime, seconds: float
) -> None:
    deadline = add_business_seconds(start, seconds, calendar)
    assert deadline >= start
    assert business_seconds_between(start, deadline, calendar) == pytest.approx(seconds, abs=1)


@PROPERTIES
@given(calendars, days, st.floats(0, 24), st.floats(0, 24))
def test_a_local_day_holds_at_most_its_opening_hours(
    calendar: BusinessCalendar, day: dt.date, from_hour: float, to_hour: float
) -> None:
    zone = ZoneInfo(calendar.timezone)
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    next_midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    whole_day = business_seconds_between(midnight, next_midnight, calendar)
    opening = dt.datetime.combine(day, calendar.opens) - dt.datetime.combine(day, calendar.closes)
    expected = -opening.total_seconds() if calendar.is_working_day(day) else 0.0
    assert whole_day == expected  # DST changes at night never shorten a working day
    part = business_seconds_between(
        midnight + dt.timedelta(hours=min(from_hour, to_hour)),
        midnight + dt.timedelta(hours=max(from_hour, to_hour)),
        calendar,
    )
    assert 0 <= part <= whole_day


def _whole_local_day(day: dt.date, calendar: BusinessCalendar) -> float:
    zone = ZoneInfo(calendar.timezone)
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    next_midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return business_seconds_between(midnight, next_midnight, calendar)


@PROPERTIES
@given(calendars, days)
def test_no_business_time_on_days_off(calendar: BusinessCalendar, day: dt.date) -> None:
    public = holidays.country_holidays(calendar.country, subdiv=calendar.subdivision)
    if day.weekday() not in calendar.days or day in public:
        assert _whole_local_day(day, calendar) == 0


@pytest.mark.parametrize("calendar", CALENDARS, ids=lambda calendar: calendar.timezone)
def test_every_public_holiday_has_no_business_time(calendar: BusinessCalendar) -> None:
    public = holidays.country_holidays(
        calendar.country, subdiv=calendar.subdivision, years=range(2025, 2028)
    )
    assert len(public) > 20
    assert all(_whole_local_day(day, calendar) == 0 for day in public)


@PROPERTIES
@given(st.lists(st.tuples(calendars, moments, moments), min_size=1, max_size=20))
def test_frame_helper_agrees_with_scalar(
    rows: list[tuple[BusinessCalendar, dt.datetime, dt.datetime]],
) -> None:
    frame = pd.DataFrame(rows, columns=["calendar", "start", "end"])
    elapsed = business_hours_elapsed(frame, "start", "end", "calendar")
    expected = [business_seconds_between(s, e, c) for c, s, e in rows]
    assert elapsed.tolist() == pytest.approx(expected, abs=1e-3)
