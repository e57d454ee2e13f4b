"""Business hours of a client's country, for placing seeded SLA situations exactly.

The product counts 09:00-17:00 Monday to Friday in the account's country and time
zone, without that country's public holidays (the `holidays` library). The sandbox
must not import `transforms/`, so this is the seed's own small copy of that rule,
used only to place a handful of planted records.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

OPENS, CLOSES = time(9), time(17)
DEFAULT_COUNTRY = ("US", "America/New_York")
#: Account.BillingCountry as the seed writes it -> (ISO country code, IANA time zone)
COUNTRIES: dict[str, tuple[str, str]] = {
    "United States": ("US", "America/New_York"),
    "Canada": ("CA", "America/Toronto"),
    "United Kingdom": ("GB", "Europe/London"),
    "Germany": ("DE", "Europe/Berlin"),
    "France": ("FR", "Europe/Paris"),
    "Netherlands": ("NL", "Europe/Amsterdam"),
    "Italy": ("IT", "Europe/Rome"),
    "Sweden": ("SE", "Europe/Stockholm"),
    "Switzerland": ("CH", "Europe/Zurich"),
    "Poland": ("PL", "Europe/Warsaw"),
}


@cache
def _holidays(code: str) -> holidays.HolidayBase:
    return holidays.country_holidays(code)


def _working(day: date, code: str) -> bool:
    return day.weekday() < 5 and day not in _holidays(code)


def _window(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    opens = datetime.combine(day, OPENS, zone).astimezone(UTC)
    return opens, datetime.combine(day, CLOSES, zone).astimezone(UTC)


def hours_before(end: datetime, hours: float, country: str | None) -> datetime:
    """The moment from which exactly `hours` business hours of `country` pass until `end`."""
    code, zone_name = COUNTRIES.get(country or "", DEFAULT_COUNTRY)
    zone = ZoneInfo(zone_name)
    left = timedelta(hours=hours)
    day = end.astimezone(zone).date()
    while True:
        if _working(day, code):
            opens, closes = _window(day, zone)
            closes = min(closes, end)
            if closes > opens:
                if closes - opens >= left:
                    return (closes - left).replace(microsecond=0)
                left -= closes - opens
        day -= timedelta(days=1)


def hours_between(start: datetime, end: datetime, country: str | None) -> float:
    """Business hours of `country` from `start` to `end` (0 when end is not later)."""
    code, zone_name = COUNTRIES.get(country or "", DEFAULT_COUNTRY)
    zone = ZoneInfo(zone_name)
    total = timedelta()
    day = start.astimezone(zone).date()
    while day <= end.astimezone(zone).date():
        if _working(day, code):
            opens, closes = _window(day, zone)
            begin, finish = max(opens, start), min(closes, end)
            if finish > begin:
                total += finish - begin
        day += timedelta(days=1)
    return total.total_seconds() / 3600
