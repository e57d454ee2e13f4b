"""Business-hours arithmetic for SLAs: time counted only in an account's working hours.

A `BusinessCalendar` says when an account works: its IANA time zone, its country's
public holidays (from the maintained `holidays` library) and its opening hours on
working days. Each day's window is built in local wall time and converted to UTC, so a
09:00–17:00 day stays 8 hours on the nights the clocks change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import numpy as np
import pandas as pd

MONDAY_TO_FRIDAY = (0, 1, 2, 3, 4)
SLA_STATES = ("on track", "at risk", "breached")


@dataclass(frozen=True)
class BusinessCalendar:
    """When an account works: local time zone, country holidays and daily opening hours.

    `days` are ISO weekdays counted from Monday = 0; `opens` and `closes` are local wall
    times on the same day (no overnight shifts).
    """

    timezone: str
    country: str
    subdivision: str | None = None
    days: tuple[int, ...] = MONDAY_TO_FRIDAY
    opens: dt.time = dt.time(9, 0)
    closes: dt.time = dt.time(17, 0)

    def __post_init__(self) -> None:
        _zone(self.timezone)
        _public_holidays(self.country, self.subdivision)
        if not self.days or any(day not in range(7) for day in self.days):
            raise ValueError(f"working days must be weekdays 0–6, got {self.days!r}")
        if self.opens >= self.closes:
            raise ValueError(f"opening time {self.opens} is not before closing {self.closes}")

    def is_working_day(self, day: dt.date) -> bool:
        """True when `day` is a working weekday and not a public holiday."""
        return day.weekday() in self.days and day not in _public_holidays(
            self.country, self.subdivision
        )

    def day_window(self, day: dt.date) -> tuple[float, float]:
        """Opening and closing of `day` in epoch seconds; an empty window on days off."""
        zone = _zone(self.timezone)
        opens = dt.datetime.combine(day, self.opens, tzinfo=zone).timestamp()
        if not self.is_working_day(day):
            return opens, opens
        return opens, dt.datetime.combine(day, self.closes, tzinfo=zone).timestamp()

    def local_date(self, moment: dt.datetime) -> dt.date:
        """The calendar day `moment` falls on in the account's time zone."""
        return _aware(moment).astimezone(_zone(self.timezone)).date()


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {name!r}") from error


@lru_cache(maxsize=256)
def _public_holidays(country: str, subdivision: str | None) -> holidays.HolidayBase:
    try:
        return holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError as error:
        where = country if subdivision is None else f"{country}-{subdivision}"
        raise ValueError(f"unknown country or subdivision {where!r} for holidays") from error


def _aware(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime {moment.isoformat()} has no time zone")
    return moment


def business_seconds_between(
    start: dt.datetime, end: dt.datetime, calendar: BusinessCalendar
) -> float:
    """Business time elapsed from `start` to `end` (aware datetimes); 0 when end <= start."""
    begin, finish = _aware(start).timestamp(), _aware(end).timestamp()
    if finish <= begin:
        return 0.0
    total = 0.0
    day, last = calendar.local_date(start), calendar.local_date(end)
    while day <= last:
        opens, closes = calendar.day_window(day)
        total += max(0.0, min(closes, finish) - max(opens, begin))
        day += dt.timedelta(days=1)
    return total


def add_business_seconds(
    start: dt.datetime, seconds: float, calendar: BusinessCalendar
) -> dt.datetime:
    """The UTC moment `seconds` of business time after `start`.

    A start outside working hours begins counting at the next opening; a deadline that
    uses a day's last second lands on its closing time, not the next opening.
    """
    if seconds < 0:
        raise ValueError(f"business seconds must not be negative, got {seconds}")
    moment = _aware(start).timestamp()
    if seconds == 0:
        return _aware(start).astimezone(dt.UTC)
    remaining = float(seconds)
    day = calendar.local_date(start)
    for _ in range(366 * 50):  # a calendar with no working day in 50 years is broken
        opens, closes = calendar.day_window(day)
        begin = max(opens, moment)
        if closes > begin:
            if remaining <= closes - begin:
                return dt.datetime.fromtimestamp(begin + remaining, tz=dt.UTC)
            remaining -= closes - begin
        day += dt.timedelta(days=1)
    raise ValueError(f"no working hours within 50 years in {calendar}")


def sla_state(
    elapsed_business_seconds: float, sla_business_seconds: float, *, at_risk: float = 0.75
) -> str:
    """The SLA state: "on track", "at risk" (≥ `at_risk` of it used) or "breached" (over it)."""
    if sla_business_seconds <= 0:
        raise ValueError(f"an SLA must be positive, got {sla_business_seconds}")
    used = elapsed_business_seconds / sla_business_seconds
    if used > 1:
        return "breached"
    return "at risk" if used >= at_risk else "on track"


def business_hours_elapsed(
    frame: pd.DataFrame, start_col: str, end_col: str, calendar_col: str
) -> pd.Series:
    """Business seconds from `start_col` to `end_col` per row, in each row's calendar.

    `calendar_col` holds a `BusinessCalendar` per row (e.g. mapped from the account).
    Rows missing a start, an end or a calendar give NaN; end <= start gives 0. Each
    calendar's days are walked once, so the cost grows with days spanned, not rows.
    """
    starts = _epoch_seconds(frame[start_col])
    ends = _epoch_seconds(frame[end_col])
    calendars = frame[calendar_col].to_numpy()
    usable = ~(np.isnan(starts) | np.isnan(ends) | pd.isna(calendars))
    rows_by_calendar: dict[BusinessCalendar, list[int]] = {}
    for position in np.flatnonzero(usable):
        rows_by_calendar.setdefault(calendars[position], []).append(int(position))
    elapsed = np.full(len(frame), np.nan)
    for calendar, rows in rows_by_calendar.items():
        # One clock (one origin) for both ends, so their difference is the elapsed time.
        clock = _business_clock(np.concatenate((starts[rows], ends[rows])), calendar)
        elapsed[rows] = np.maximum(clock[len(rows) :] - clock[: len(rows)], 0.0)
    return pd.Series(elapsed, index=frame.index, name="business_seconds")


def _epoch_seconds(moments: pd.Series) -> np.ndarray:
    naive = (isinstance(moments.dtype, np.dtype) and moments.dtype.kind == "M") or (
        moments.dtype == object
        and any(getattr(value, "tzinfo", True) is None for value in moments.dropna())
    )
    if naive:
        raise ValueError(f"column {moments.name!r} holds datetimes without a time zone")
    stamps = pd.to_datetime(moments, utc=True)
    seconds = (stamps - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
    return np.asarray(seconds, dtype="float64")


def _business_clock(epochs: np.ndarray, calendar: BusinessCalendar) -> np.ndarray:
    """Business seconds from an origin to each moment; differences give elapsed time."""
    zone = _zone(calendar.timezone)
    local_days = [dt.datetime.fromtimestamp(value, tz=zone).date() for value in epochs]
    first = min(local_days)
    span = (max(local_days) - first).days + 1
    windows = np.array([calendar.day_window(first + dt.timedelta(days=i)) for i in range(span)])
    opens, lengths = windows[:, 0], windows[:, 1] - windows[:, 0]
    before = np.concatenate(([0.0], np.cumsum(lengths)[:-1]))
    index = np.array([(day - first).days for day in local_days], dtype=np.int64)
    within = np.clip(epochs - opens[index], 0.0, lengths[index])
    return np.asarray(before[index] + within, dtype="float64")
