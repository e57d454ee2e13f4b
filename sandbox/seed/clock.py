"""The seed's notion of "now" and the services' date formats.

Every generated date is an offset from `today`, so a seed made today looks
current; "now" is today at a fixed time, so all history lies before it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, cached_property

# Midnight UTC: a seed made today has all its history before any moment of today,
# so a change a client makes later that day is always newer than the seeded data.
NOW_TIME = time(0, 0)
_WORKDAY_START_MINUTE = 8 * 60
_WORKDAY_MINUTES = 10 * 60


@dataclass(frozen=True)
class Clock:
    """Dates relative to the day the seed is made for."""

    today: date

    @cached_property
    def now(self) -> datetime:
        return datetime.combine(self.today, NOW_TIME, UTC)

    def day(self, offset_days: int) -> date:
        return self.today + timedelta(days=offset_days)

    def moment(self, day: date, rng: random.Random) -> datetime:
        """A time of day within office hours on `day` (UTC)."""
        minute = _WORKDAY_START_MINUTE + rng.randint(0, _WORKDAY_MINUTES - 1)
        return datetime.combine(day, time(minute // 60, minute % 60, rng.randint(0, 59)), UTC)

    def past_moment(self, rng: random.Random, max_days_ago: int) -> datetime:
        """An office-hours moment on a weekday within the last `max_days_ago` days, before now."""
        day = weekday_on_or_before(self.day(-rng.randint(0, max_days_ago)))
        stamp = self.moment(day, rng)
        while stamp >= self.now:
            stamp = self.moment(weekday_on_or_before(day - timedelta(days=1)), rng)
        return stamp

    def between(self, start: datetime, end: datetime, rng: random.Random) -> datetime:
        """A whole second in [start, end] (start when the range is empty)."""
        span = int((end - start).total_seconds())
        return start + timedelta(seconds=rng.randint(0, span)) if span > 0 else start

    def since(self, start: datetime, rng: random.Random) -> datetime:
        """A moment between `start` and now (for LastModifiedDate after CreatedDate)."""
        return self.between(start, self.now, rng)


def weekday_on_or_before(day: date) -> date:
    """The day itself, or the Friday before when it falls on a weekend."""
    return day - timedelta(days=max(0, day.weekday() - 4))


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months (day of month must exist in the target month)."""
    month_index = day.year * 12 + day.month - 1 + months
    return day.replace(year=month_index // 12, month=month_index % 12 + 1)


def sf_date(day: date) -> str:
    """A Salesforce date: "2026-11-27" (one shared string per day)."""
    return _iso_day(day.toordinal())


def sf_datetime(stamp: datetime) -> str:
    """A Salesforce datetime: "2026-11-27T03:40:16.000+0000"."""
    return _utc_seconds(stamp) + ".000+0000"


def graph_datetime(stamp: datetime) -> str:
    """A Graph timestamp: "2026-11-27T03:40:16Z"."""
    return _utc_seconds(stamp) + "Z"


def graph_date_time_zone(stamp: datetime) -> dict[str, str]:
    """A Graph dateTimeTimeZone in UTC, as events carry their start and end."""
    return {"dateTime": _utc_seconds(stamp) + ".0000000", "timeZone": "UTC"}


_TWO_DIGITS = tuple(f"{number:02d}" for number in range(60))


def _utc_seconds(stamp: datetime) -> str:
    """The UTC time to the second, like "2026-11-27T03:40:16".

    Built from cached parts: it runs millions of times for a large seed, and
    `isoformat` on an aware datetime is several times slower.
    """
    if stamp.tzinfo is not UTC:
        stamp = stamp.astimezone(UTC)
    digits = _TWO_DIGITS
    return (
        f"{_iso_day(stamp.toordinal())}T"
        f"{digits[stamp.hour]}:{digits[stamp.minute]}:{digits[stamp.second]}"
    )


@cache
def _iso_day(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()
