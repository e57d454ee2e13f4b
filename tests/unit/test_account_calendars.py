"""Which country, time zone and holidays each account's SLAs are counted in."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from transforms.account_calendars import (
    ACCOUNT_CALENDAR_COLUMNS,
    DEFAULT_CALENDAR,
    account_calendars,
    country_code,
    country_timezone,
)
from transforms.business_hours import BusinessCalendar


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("United States", "US"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("germany", "DE"),
        ("GERMANY ", "DE"),
        ("de", "DE"),
        ("United Kingdom", "GB"),
        ("UK", "GB"),
        ("  united   kingdom ", "GB"),
        ("The Netherlands", "NL"),
        ("Deutschland", "DE"),
        ("Switzerland", "CH"),
        ("South Korea", "KR"),
        ("Côte d’Ivoire", "CI"),
        ("Czech Republic", "CZ"),
    ],
)
def test_billing_country_spellings_are_read_as_iso_codes(typed: str, code: str) -> None:
    assert country_code(typed) == code


@pytest.mark.parametrize("typed", [None, "", "  ", "Narnia", "XX", 44])
def test_unreadable_billing_countries_give_no_code(typed: object) -> None:
    assert country_code(typed) is None


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("US", "America/New_York"),
        ("DE", "Europe/Berlin"),
        ("GB", "Europe/London"),
        ("CA", "America/Toronto"),
        ("AU", "Australia/Sydney"),
        ("PL", "Europe/Warsaw"),
    ],
)
def test_each_country_works_in_its_main_time_zone(code: str, zone: str) -> None:
    assert country_timezone(code) == zone


def test_zone_overrides_win_over_the_tz_database() -> None:
    assert country_timezone("US", {"US": "America/Chicago"}) == "America/Chicago"


def test_accounts_get_their_country_calendar_or_the_default_with_a_note() -> None:
    accounts = pd.DataFrame(
        {
            "Id": ["001A", "001B", "001C", "001D", None],
            "BillingCountry": ["germany", "Canada", None, "Narnia", "France"],
        }
    )
    calendars = account_calendars(accounts)
    assigned = calendars.assignments
    assert tuple(assigned.columns) == ACCOUNT_CALENDAR_COLUMNS
    assert assigned["country"].tolist() == ["DE", "CA", "US", "US", "FR"]
    assert assigned["timezone"].tolist()[:2] == ["Europe/Berlin", "America/Toronto"]
    assert assigned["note"].tolist()[2:4] == [
        "no billing country: company default calendar",
        "billing country 'Narnia' not recognised: company default calendar",
    ]
    found = calendars.for_accounts(pd.Series(["001A", "001C", "001Z", None]))
    assert found.tolist() == [
        BusinessCalendar("Europe/Berlin", "DE"),
        DEFAULT_CALENDAR,
        DEFAULT_CALENDAR,
        DEFAULT_CALENDAR,
    ]


def test_country_calendars_keep_the_default_opening_hours() -> None:
    default = BusinessCalendar("Europe/London", "GB", opens=dt.time(8), closes=dt.time(18))
    accounts = pd.DataFrame({"Id": ["001A", "001B"], "BillingCountry": ["Germany", "Mars"]})
    calendars = account_calendars(accounts, default=default)
    berlin = calendars.calendars["001A"]
    assert (berlin.timezone, berlin.opens, berlin.closes) == (
        "Europe/Berlin",
        dt.time(8),
        dt.time(18),
    )
    assert calendars.calendars["001B"] == default


def test_country_and_zone_overrides_from_config() -> None:
    accounts = pd.DataFrame({"Id": ["001A", "001B"], "BillingCountry": ["Bavaria", "usa"]})
    calendars = account_calendars(
        accounts, country_overrides={"BAVARIA": "de"}, zone_overrides={"US": "America/Chicago"}
    )
    assert calendars.calendars["001A"].country == "DE"
    assert calendars.calendars["001B"].timezone == "America/Chicago"


def test_public_holidays_follow_the_country() -> None:
    accounts = pd.DataFrame({"Id": ["001A", "001B"], "BillingCountry": ["Germany", "US"]})
    calendars = account_calendars(accounts)
    thanksgiving, unity_day = dt.date(2026, 11, 26), dt.date(2025, 10, 3)
    assert calendars.calendars["001A"].is_working_day(thanksgiving)
    assert not calendars.calendars["001A"].is_working_day(unity_day)
    assert not calendars.calendars["001B"].is_working_day(thanksgiving)


def test_no_accounts_give_no_calendars() -> None:
    calendars = account_calendars(pd.DataFrame(columns=["Id", "BillingCountry"]))
    assert calendars.calendars == {}
    assert calendars.assignments.empty
    assert calendars.for_accounts(pd.Series(["001A"])).tolist() == [DEFAULT_CALENDAR]


def test_missing_billing_country_column_is_named() -> None:
    with pytest.raises(ValueError, match="BillingCountry"):
        account_calendars(pd.DataFrame({"Id": ["001A"]}))


def test_regional_holidays_of_the_main_region_count() -> None:
    # Monday 31 August 2026 is the Summer bank holiday in England, not in Scotland.
    accounts = pd.DataFrame({"Id": ["001A", "001B"], "BillingCountry": ["UK", "UK"]})
    english = account_calendars(accounts).calendars["001A"]
    assert english.subdivision == "ENG"
    assert not english.is_working_day(dt.date(2026, 8, 31))
    scottish = account_calendars(accounts, subdivision_overrides={"GB": "SCT"})
    assert scottish.calendars["001A"].is_working_day(dt.date(2026, 8, 31))
    assert scottish.assignments["note"].iloc[0] == "GB-SCT holidays, Europe/London"


def test_unknown_region_falls_back_to_the_default_calendar() -> None:
    accounts = pd.DataFrame({"Id": ["001A"], "BillingCountry": ["Germany"]})
    calendars = account_calendars(accounts, subdivision_overrides={"DE": "XX"})
    assert calendars.calendars["001A"] == DEFAULT_CALENDAR
    assert calendars.assignments["note"].iloc[0] == (
        "no public holidays known for DE-XX: company default calendar"
    )
