"""Graph's `patternedRecurrence`: checked, completed with Exchange's defaults, and
expanded into the dates of a series' occurrences.

Patterns: daily, weekly, absoluteMonthly, relativeMonthly, absoluteYearly,
relativeYearly; ranges: endDate, numbered, noEnd. Exchange expands a series
lazily for any window; the stand-in stores occurrences, so a `noEnd` series
is expanded `NO_END_HORIZON_DAYS` ahead of its start.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from sandbox.graph.errors import GraphError

NO_END_HORIZON_DAYS = 730
MAX_OCCURRENCES = 999
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
INDEXES = ("first", "second", "third", "fourth", "last")
_PATTERNS = frozenset(
    {"daily", "weekly", "absoluteMonthly", "relativeMonthly", "absoluteYearly", "relativeYearly"}
)
_RANGES = frozenset({"endDate", "noEnd", "numbered"})


def _invalid(message: str) -> GraphError:
    return GraphError(400, "ErrorInvalidRequest", message)


def _as_date(value: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _invalid(f"The recurrence range's {name} '{value}' is not a valid date.") from None


def checked(recurrence: dict[str, Any], first_day: date) -> dict[str, Any]:
    """The recurrence with Exchange's defaults filled in; 400 for what Exchange refuses."""
    pattern = dict(recurrence.get("pattern") or {})
    span = dict(recurrence.get("range") or {})
    if pattern.get("type") not in _PATTERNS:
        raise _invalid(f"The recurrence pattern type '{pattern.get('type')}' is not valid.")
    if span.get("type") not in _RANGES:
        raise _invalid(f"The recurrence range type '{span.get('type')}' is not valid.")
    interval = pattern.get("interval", 1)
    if not isinstance(interval, int) or interval < 1:
        raise _invalid("The recurrence pattern's interval must be a positive integer.")
    days = [str(day).lower() for day in pattern.get("daysOfWeek") or []]
    if any(day not in WEEKDAYS for day in days):
        raise _invalid(f"The recurrence pattern's daysOfWeek {days} are not valid.")
    kind = pattern["type"]
    if kind in ("weekly", "relativeMonthly", "relativeYearly") and not days:
        raise _invalid(f"A {kind} recurrence pattern needs daysOfWeek.")
    if (
        kind in ("absoluteMonthly", "absoluteYearly")
        and not 1 <= pattern.get("dayOfMonth", 0) <= 31
    ):
        raise _invalid(f"A {kind} recurrence pattern needs a dayOfMonth from 1 to 31.")
    if kind.endswith("Yearly") and not 1 <= pattern.get("month", 0) <= 12:
        raise _invalid(f"A {kind} recurrence pattern needs a month from 1 to 12.")
    first_day_of_week = str(pattern.get("firstDayOfWeek") or "sunday").lower()
    index = str(pattern.get("index") or "first")
    if first_day_of_week not in WEEKDAYS or index not in INDEXES:
        raise _invalid("The recurrence pattern's firstDayOfWeek or index is not valid.")
    start = _as_date(span.get("startDate") or first_day.isoformat(), "startDate")
    if span["type"] == "endDate" and _as_date(span.get("endDate"), "endDate") < start:
        raise _invalid("The recurrence range's endDate is before its startDate.")
    if span["type"] == "numbered" and not (
        isinstance(span.get("numberOfOccurrences"), int) and span["numberOfOccurrences"] > 0
    ):
        raise _invalid("A numbered recurrence range needs a positive numberOfOccurrences.")
    pattern_out = {
        "type": kind,
        "interval": interval,
        "month": int(pattern.get("month") or 0),
        "dayOfMonth": int(pattern.get("dayOfMonth") or 0),
        "daysOfWeek": days,
        "firstDayOfWeek": first_day_of_week,
        "index": index,
    }
    range_out = {
        "type": span["type"],
        "startDate": start.isoformat(),
        "endDate": span.get("endDate") if span["type"] == "endDate" else "0001-01-01",
        "recurrenceTimeZone": str(span.get("recurrenceTimeZone") or "UTC"),
        "numberOfOccurrences": int(span.get("numberOfOccurrences") or 0),
    }
    return {"pattern": pattern_out, "range": range_out}


def _nth_weekday(year: int, month: int, weekdays: list[str], index: str) -> list[date]:
    """The index-th (or last) day of a month falling on one of `weekdays`."""
    wanted = {WEEKDAYS.index(day) for day in weekdays}
    days = (date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1))
    matching = [day for day in days if day.weekday() in wanted]
    if index == "last":
        return matching[-1:]
    position = INDEXES.index(index)
    return matching[position : position + 1]


def _daily(pattern: dict[str, Any], start: date, until: date) -> Iterator[date]:
    day = start
    while day <= until:
        yield day
        day += timedelta(days=pattern["interval"])


def _weekly(pattern: dict[str, Any], start: date, until: date) -> Iterator[date]:
    """Every `interval` weeks (weeks begin on firstDayOfWeek), on each of daysOfWeek."""
    first = WEEKDAYS.index(pattern["firstDayOfWeek"])
    week = start - timedelta(days=(start.weekday() - first) % 7)
    wanted = {WEEKDAYS.index(day) for day in pattern["daysOfWeek"]}
    while week <= until:
        days = (week + timedelta(days=n) for n in range(7))
        yield from (day for day in days if day.weekday() in wanted)
        week += timedelta(weeks=pattern["interval"])


def _monthly(pattern: dict[str, Any], start: date, until: date) -> Iterator[date]:
    """Monthly and yearly patterns: one month every `interval` months (or years)."""
    yearly = pattern["type"].endswith("Yearly")
    step = pattern["interval"] * (12 if yearly else 1)
    year, month = start.year, pattern["month"] if yearly else start.month
    if yearly and month < start.month:
        year += 1
    while date(year, month, 1) <= until:
        if pattern["type"].startswith("absolute"):
            yield date(year, month, min(pattern["dayOfMonth"], calendar.monthrange(year, month)[1]))
        else:
            yield from _nth_weekday(year, month, pattern["daysOfWeek"], pattern["index"])
        month += step
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1


def _candidates(pattern: dict[str, Any], start: date, until: date) -> Iterator[date]:
    """Dates the pattern yields from `start` up to `until`, in order."""
    expand = {"daily": _daily, "weekly": _weekly}.get(pattern["type"], _monthly)
    return (day for day in expand(pattern, start, until) if start <= day <= until)


def occurrence_dates(recurrence: dict[str, Any]) -> list[date]:
    """The dates of every occurrence of a checked recurrence, earliest first."""
    pattern, span = recurrence["pattern"], recurrence["range"]
    start = date.fromisoformat(span["startDate"])
    if span["type"] == "endDate":
        until = date.fromisoformat(span["endDate"])
    else:
        until = start + timedelta(days=NO_END_HORIZON_DAYS)
    if span["type"] == "numbered":
        # a numbered range may reach further than the horizon (say, 50 monthly meetings)
        until = start + timedelta(days=366 * 30)
    dates: list[date] = []
    for day in _candidates(pattern, start, until):
        dates.append(day)
        enough = span["type"] == "numbered" and len(dates) >= span["numberOfOccurrences"]
        if enough or len(dates) >= MAX_OCCURRENCES:
            break
    return dates
