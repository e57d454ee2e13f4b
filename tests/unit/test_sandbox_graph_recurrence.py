"""Recurrence patterns of the Graph stand-in: checking and expanding into dates."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from sandbox.graph.errors import GraphError
from sandbox.graph.recurrence import checked, occurrence_dates

START = date(2026, 1, 5)  # a Monday


def _dates(pattern: dict[str, Any], span: dict[str, Any]) -> list[date]:
    return occurrence_dates(checked({"pattern": pattern, "range": span}, START))


def test_weekly_on_two_days_every_other_week() -> None:
    pattern = {"type": "weekly", "interval": 2, "daysOfWeek": ["Monday", "thursday"]}
    span = {"type": "numbered", "startDate": "2026-01-05", "numberOfOccurrences": 5}
    assert _dates(pattern | {"firstDayOfWeek": "monday"}, span) == [
        date(2026, 1, 5), date(2026, 1, 8), date(2026, 1, 19), date(2026, 1, 22), date(2026, 2, 2),
    ]  # fmt: skip


def test_daily_until_an_end_date_and_monthly_on_the_31st() -> None:
    daily = _dates(
        {"type": "daily", "interval": 3},
        {"type": "endDate", "startDate": "2026-01-05", "endDate": "2026-01-14"},
    )
    monthly = _dates(
        {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
        {"type": "numbered", "startDate": "2026-01-05", "numberOfOccurrences": 3},
    )
    assert daily == [date(2026, 1, 5), date(2026, 1, 8), date(2026, 1, 11), date(2026, 1, 14)]
    assert monthly == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]


def test_relative_patterns() -> None:
    last_friday = _dates(
        {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["friday"], "index": "last"},
        {"type": "numbered", "startDate": "2026-01-05", "numberOfOccurrences": 2},
    )
    second_tuesday_of_march = _dates(
        {
            "type": "relativeYearly", "interval": 1, "month": 3,
            "daysOfWeek": ["tuesday"], "index": "second",
        },
        {"type": "numbered", "startDate": "2026-01-05", "numberOfOccurrences": 2},
    )  # fmt: skip
    assert last_friday == [date(2026, 1, 30), date(2026, 2, 27)]
    assert second_tuesday_of_march == [date(2026, 3, 10), date(2027, 3, 9)]


def test_no_end_series_is_bounded_and_defaults_are_filled() -> None:
    recurrence = checked(
        {"pattern": {"type": "daily"}, "range": {"type": "noEnd", "startDate": "2026-01-05"}},
        START,
    )
    assert recurrence["pattern"]["interval"] == 1
    assert recurrence["range"]["recurrenceTimeZone"] == "UTC"
    assert len(occurrence_dates(recurrence)) == 731


@pytest.mark.parametrize(
    "pattern, span",
    [
        ({"type": "hourly"}, {"type": "noEnd"}),
        ({"type": "weekly"}, {"type": "noEnd"}),
        ({"type": "daily", "interval": 0}, {"type": "noEnd"}),
        ({"type": "daily"}, {"type": "numbered"}),
        (
            {"type": "daily"},
            {"type": "endDate", "startDate": "2026-02-01", "endDate": "2026-01-01"},
        ),
        ({"type": "absoluteMonthly"}, {"type": "noEnd"}),
    ],
)
def test_invalid_recurrence_is_refused(pattern: dict[str, Any], span: dict[str, Any]) -> None:
    with pytest.raises(GraphError) as refused:
        checked({"pattern": pattern, "range": span}, START)
    assert refused.value.status == 400
