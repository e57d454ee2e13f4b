"""Recurring meetings as Graph shows them: one `seriesMaster` and its occurrences.

The master carries the `recurrence` (pattern and range) and starts at the first
occurrence; each occurrence is its own event (`type: "occurrence"`,
`seriesMasterId` = the master's id in the same calendar). As in Exchange, the
iCalUId is a global object id whose instance-date bytes are zero for the master
and hold the occurrence's date (year, month, day) for an occurrence, so every
occurrence has an iCalUId of its own that still shares the master's tail.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import Any

_GOID_CLASS = "040000008200E00074C5B7101A82E008"
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_INDEXES = ("first", "second", "third", "fourth")


def global_object_id(key: str, instance: date | None) -> str:
    """An Exchange-style iCalUId for `key`; `instance` is an occurrence's date (None: master)."""
    day = f"{instance.year:04X}{instance.month:02X}{instance.day:02X}" if instance else "00000000"
    digest = hashlib.sha256(key.encode()).hexdigest().upper()
    return _GOID_CLASS + day + digest[:56]


@dataclass(frozen=True)
class Series:
    """A recurring meeting: weekly every `interval` weeks, or monthly on the
    `nth` (0-3) `weekday` (0 = Monday) of each month."""

    key: str
    kind: str  # "weekly" or "relativeMonthly"
    weekday: int
    interval: int = 1
    nth: int = 0

    @cached_property
    def master_ical_uid(self) -> str:
        return global_object_id(f"series/{self.key}", None)

    def occurrence_ical_uid(self, day: date) -> str:
        return global_object_id(f"series/{self.key}", day)

    def dates(self, first: date, last: date) -> Iterator[date]:
        """The days the series meets on between `first` and `last`, both included."""
        if self.kind == "weekly":
            day = first + timedelta(days=(self.weekday - first.weekday()) % 7)
            while day <= last:
                yield day
                day += timedelta(weeks=self.interval)
            return
        month = first.replace(day=1)
        while month <= last:
            day = month + timedelta(days=(self.weekday - month.weekday()) % 7 + 7 * self.nth)
            if first <= day <= last:
                yield day
            month = (month + timedelta(days=32)).replace(day=1)

    def recurrence(self, first: date, last: date) -> dict[str, Any]:
        """Graph's `patternedRecurrence` from `first` to `last` (an end-dated range, UTC)."""
        return {
            "pattern": {
                "type": self.kind,
                "interval": self.interval,
                "month": 0,
                "dayOfMonth": 0,
                "daysOfWeek": [_WEEKDAYS[self.weekday]],
                "firstDayOfWeek": "sunday",
                "index": _INDEXES[self.nth],
            },
            "range": {
                "type": "endDate",
                "startDate": first.isoformat(),
                "endDate": last.isoformat(),
                "recurrenceTimeZone": "UTC",
                "numberOfOccurrences": 0,
            },
        }
