"""Relative date literals as the SOQL reference defines them (UTC, weeks from
Sunday), and the REST API's dateTime format."""

from __future__ import annotations

from datetime import date

import pytest

from sandbox.salesforce.soql_ast import Comparison, Literal
from sandbox.salesforce.soql_dates import (
    UnsupportedDateLiteral,
    format_instant,
    parse_instant,
    relative_range,
    utc_text,
)
from sandbox.salesforce.soql_grammar import parse_soql

THURSDAY = date(2026, 5, 14)


@pytest.mark.parametrize(
    ("name", "count", "first_day", "last_day"),
    [
        ("TODAY", None, date(2026, 5, 14), date(2026, 5, 14)),
        ("YESTERDAY", None, date(2026, 5, 13), date(2026, 5, 13)),
        ("TOMORROW", None, date(2026, 5, 15), date(2026, 5, 15)),
        # LAST_N_DAYS includes today; NEXT_N_DAYS starts tomorrow.
        ("LAST_N_DAYS", 7, date(2026, 5, 7), date(2026, 5, 14)),
        ("NEXT_N_DAYS", 3, date(2026, 5, 15), date(2026, 5, 17)),
        ("LAST_90_DAYS", None, date(2026, 2, 13), date(2026, 5, 14)),
        ("N_DAYS_AGO", 2, date(2026, 5, 12), date(2026, 5, 12)),
        ("THIS_WEEK", None, date(2026, 5, 10), date(2026, 5, 16)),
        ("LAST_WEEK", None, date(2026, 5, 3), date(2026, 5, 9)),
        ("THIS_MONTH", None, date(2026, 5, 1), date(2026, 5, 31)),
        ("LAST_MONTH", None, date(2026, 4, 1), date(2026, 4, 30)),
        ("LAST_N_MONTHS", 2, date(2026, 3, 1), date(2026, 4, 30)),
        ("THIS_QUARTER", None, date(2026, 4, 1), date(2026, 6, 30)),
        ("NEXT_QUARTER", None, date(2026, 7, 1), date(2026, 9, 30)),
        ("THIS_YEAR", None, date(2026, 1, 1), date(2026, 12, 31)),
        ("LAST_YEAR", None, date(2025, 1, 1), date(2025, 12, 31)),
        ("NEXT_N_YEARS", 2, date(2027, 1, 1), date(2028, 12, 31)),
        ("NEXT_WEEK", None, date(2026, 5, 17), date(2026, 5, 23)),
        ("NEXT_MONTH", None, date(2026, 6, 1), date(2026, 6, 30)),
        ("NEXT_90_DAYS", None, date(2026, 5, 15), date(2026, 8, 12)),
        ("LAST_QUARTER", None, date(2026, 1, 1), date(2026, 3, 31)),
        ("NEXT_YEAR", None, date(2027, 1, 1), date(2027, 12, 31)),
        # The N-period literals stop before (or start after) the current period.
        ("LAST_N_WEEKS", 2, date(2026, 4, 26), date(2026, 5, 9)),
        ("NEXT_N_WEEKS", 2, date(2026, 5, 17), date(2026, 5, 30)),
        ("NEXT_N_MONTHS", 2, date(2026, 6, 1), date(2026, 7, 31)),
        ("LAST_N_QUARTERS", 2, date(2025, 10, 1), date(2026, 3, 31)),
        ("NEXT_N_QUARTERS", 2, date(2026, 7, 1), date(2026, 12, 31)),
        ("LAST_N_YEARS", 2, date(2024, 1, 1), date(2025, 12, 31)),
        ("N_MONTHS_AGO", 1, date(2026, 4, 1), date(2026, 4, 30)),
    ],
)
def test_relative_literals_cover_the_documented_days(
    name: str, count: int | None, first_day: date, last_day: date
) -> None:
    days = relative_range(name, count, THURSDAY)
    assert days.start == first_day
    assert (days.end - last_day).days == 1


@pytest.mark.parametrize(
    "literal",
    [
        "LAST_WEEK",
        "NEXT_90_DAYS",
        "LAST_N_WEEKS:3",
        "next_n_quarters:4",
        "N_DAYS_AGO:10",
        "LAST_N_YEARS:1",
    ],
)
def test_every_literal_parses_into_its_name_and_count(literal: str) -> None:
    query = parse_soql(f"SELECT Id FROM Opportunity WHERE CloseDate = {literal}")
    assert isinstance(query.where, Comparison) and isinstance(query.where.value, Literal)
    name, _, count = literal.upper().partition(":")
    assert query.where.value.value == (name, int(count) if count else None)


def test_next_month_crosses_the_year_end() -> None:
    days = relative_range("NEXT_MONTH", None, date(2026, 12, 20))
    assert (days.start, days.end) == (date(2027, 1, 1), date(2027, 2, 1))


def test_ranges_become_utc_datetimes_for_datetime_fields() -> None:
    start, end = relative_range("TODAY", None, THURSDAY).instants()
    assert (start, end) == ("2026-05-14T00:00:00.000+0000", "2026-05-15T00:00:00.000+0000")


def test_fiscal_literals_are_refused() -> None:
    with pytest.raises(UnsupportedDateLiteral):
        relative_range("THIS_FISCAL_QUARTER", None, THURSDAY)


def test_datetimes_are_read_as_instants_and_written_in_utc() -> None:
    paris = parse_instant("2026-01-31T10:00:00+01:00")
    assert paris == parse_instant("2026-01-31T09:00:00.000+0000")
    assert format_instant(paris) == "2026-01-31T09:00:00.000+0000"
    assert parse_instant("2026-01-31T09:00:00Z") == paris


@pytest.mark.parametrize(
    "written", ["2026-01-31T10:00:00+01:00", "2026-01-31T09:00:00Z", "2026-01-31T01:00:00-08:00"]
)
def test_any_offset_becomes_the_same_utc_text(written: str) -> None:
    assert utc_text(written) == "2026-01-31T09:00:00.000+0000"
    assert utc_text("2026-01-31T09:00:00.000+0000") == "2026-01-31T09:00:00.000+0000"
