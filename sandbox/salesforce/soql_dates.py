"""Dates and datetimes as the Salesforce REST API writes them, and SOQL's
relative date literals (TODAY, LAST_N_DAYS:n, THIS_QUARTER ...) as UTC ranges.

Weeks start on Sunday (the en_US locale); fiscal literals are refused because
the sandbox org has no fiscal year settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

#: How far each relative literal reaches: (unit, first period, number of periods),
#: periods counted from the one holding today (0), negative for the past.
_FIXED = {
    "TODAY": ("DAY", 0, 1),
    "YESTERDAY": ("DAY", -1, 1),
    "TOMORROW": ("DAY", 1, 1),
    "LAST_90_DAYS": ("DAY", -90, 91),
    "NEXT_90_DAYS": ("DAY", 1, 90),
}
_MONTHS_PER = {"MONTH": 1, "QUARTER": 3, "YEAR": 12}


def parse_instant(value: str) -> datetime:
    """A stored or literal dateTime ("2026-11-27T03:40:16.000+0000", "...Z",
    "...+01:00", or a bare date meaning midnight UTC) as an aware UTC datetime."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_instant(moment: datetime) -> str:
    """The REST API's dateTime format: "2026-11-27T03:40:16.000+0000" in UTC."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def utc_text(value: str) -> str:
    """A dateTime in the API's UTC format, whose text order is the instants' order;
    values already in that format (as stored) are returned as they are."""
    if len(value) == len("2026-11-27T03:40:16.000+0000") and value.endswith("+0000"):
        return value
    return format_instant(parse_instant(value))


def parse_day(value: str) -> date:
    """A "YYYY-MM-DD" date; ValueError when it is not one (the grammar checks the shape)."""
    return date.fromisoformat(value)


@dataclass(frozen=True)
class DateRange:
    """Days from `start` up to, not including, `end`."""

    start: date
    end: date

    def instants(self) -> tuple[str, str]:
        """The same range as UTC dateTimes [start 00:00, end 00:00), in `utc_text` form."""
        return (
            format_instant(datetime.combine(self.start, datetime.min.time(), UTC)),
            format_instant(datetime.combine(self.end, datetime.min.time(), UTC)),
        )


class UnsupportedDateLiteral(ValueError):
    """A valid SOQL date literal the sandbox does not evaluate (fiscal periods)."""


def relative_range(name: str, count: int | None, today: date) -> DateRange:
    """The days a relative date literal covers, e.g. ("LAST_N_DAYS", 7) or ("THIS_MONTH", None)."""
    unit, first, periods = _extent(name.upper(), count)
    start = _shift(_period_start(today, unit), unit, first)
    return DateRange(start, _shift(start, unit, periods))


def _extent(name: str, count: int | None) -> tuple[str, int, int]:
    if "FISCAL" in name:
        raise UnsupportedDateLiteral(name)
    if name in _FIXED:
        return _FIXED[name]
    if count is None:
        direction, _, unit = name.partition("_")
        return unit, {"LAST": -1, "THIS": 0, "NEXT": 1}[direction], 1
    if name.startswith("LAST_N_"):
        unit = name.removeprefix("LAST_N_").removesuffix("S")
        # LAST_N_DAYS includes today; the longer units stop before the current period.
        return (unit, -count, count + 1) if unit == "DAY" else (unit, -count, count)
    if name.startswith("NEXT_N_"):
        return name.removeprefix("NEXT_N_").removesuffix("S"), 1, count
    unit = name.removeprefix("N_").removesuffix("S_AGO")
    return unit, -count, 1


def _period_start(today: date, unit: str) -> date:
    if unit == "DAY":
        return today
    if unit == "WEEK":
        return today - timedelta(days=(today.weekday() + 1) % 7)
    months = _MONTHS_PER[unit]
    month = (today.month - 1) // months * months + 1
    return date(today.year, month, 1)


def _shift(start: date, unit: str, periods: int) -> date:
    if unit == "DAY":
        return start + timedelta(days=periods)
    if unit == "WEEK":
        return start + timedelta(weeks=periods)
    months = start.year * 12 + start.month - 1 + periods * _MONTHS_PER[unit]
    return date(months // 12, months % 12 + 1, 1)
