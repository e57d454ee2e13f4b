"""Which business calendar each account works in, read from its billing country.

`Account.BillingCountry` is free text ("United States", "germany", "DE", "U.K."). It is
turned into an ISO 3166 code, the code into the country's main IANA time zone (tz
database via pytz, overridable from config) and both into a `BusinessCalendar` whose
public holidays come from the `holidays` library. An account whose country cannot be
read works in the company default calendar, and `note` says why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType

import numpy as np
import pandas as pd
import pytz

from transforms.business_hours import BusinessCalendar
from transforms.frames import lookup, require_columns, to_text

ACCOUNT_COLUMNS = ("Id", "BillingCountry")
ACCOUNT_CALENDAR_COLUMNS = ("account_id", "billing_country", "country", "timezone", "note")

#: Company default when the billing country is missing or unknown.
DEFAULT_CALENDAR = BusinessCalendar("America/New_York", "US")

#: The tz database lists a country's zones by position, not population; for countries
#: spanning several zones this names the one most business happens in.
MAIN_ZONES: Mapping[str, str] = MappingProxyType(
    {
        "AU": "Australia/Sydney",
        "BR": "America/Sao_Paulo",
        "CA": "America/Toronto",
        "FM": "Pacific/Pohnpei",
        "RU": "Europe/Moscow",
        "UA": "Europe/Kyiv",
        "UZ": "Asia/Tashkent",
    }
)

#: Holidays differ by region in some countries; without one `holidays` gives only the
#: days common to all (no Easter Monday in the UK): use the main zone's region.
MAIN_SUBDIVISIONS: Mapping[str, str] = MappingProxyType(
    {"AU": "NSW", "CA": "ON", "CH": "ZH", "GB": "ENG"}
)

#: Names people type that the tz database's English names do not cover.
COUNTRY_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "usa": "US",
        "us": "US",
        "united states of america": "US",
        "america": "US",
        "uk": "GB",
        "united kingdom": "GB",
        "great britain": "GB",
        "britain": "GB",
        "england": "GB",
        "scotland": "GB",
        "wales": "GB",
        "northern ireland": "GB",
        "deutschland": "DE",
        "the netherlands": "NL",
        "holland": "NL",
        "nederland": "NL",
        "schweiz": "CH",
        "suisse": "CH",
        "svizzera": "CH",
        "österreich": "AT",
        "osterreich": "AT",
        "italia": "IT",
        "espana": "ES",
        "españa": "ES",
        "sverige": "SE",
        "polska": "PL",
        "south korea": "KR",
        "korea": "KR",
        "republic of korea": "KR",
        "north korea": "KP",
        "czechia": "CZ",
        "russian federation": "RU",
        "uae": "AE",
        "turkiye": "TR",
        "türkiye": "TR",
        "ivory coast": "CI",
        "cote d'ivoire": "CI",
        "côte d'ivoire": "CI",
        "swaziland": "SZ",
        "eswatini": "SZ",
        "macedonia": "MK",
        "democratic republic of the congo": "CD",
        "dr congo": "CD",
        "republic of the congo": "CG",
        "viet nam": "VN",
        "hong kong sar": "HK",
        "prc": "CN",
        "people's republic of china": "CN",
    }
)


@dataclass(frozen=True)
class AccountCalendars:
    """The business calendar of each account, and the default for all others.

    `assignments` has ACCOUNT_CALENDAR_COLUMNS, one row per account, so a KAM can see
    which country and zone an SLA was counted in and why.
    """

    calendars: Mapping[str, BusinessCalendar]
    default: BusinessCalendar = DEFAULT_CALENDAR
    assignments: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(ACCOUNT_CALENDAR_COLUMNS)),
        compare=False,
    )

    def for_accounts(self, account_ids: pd.Series) -> pd.Series:
        """The calendar of each account id (the default for unknown or missing ids)."""
        known = pd.Series(dict(self.calendars), dtype=object)
        found = lookup(account_ids, known)
        return found.where(found.notna(), self.default).astype(object)


def country_code(value: object) -> str | None:
    """The ISO 3166 alpha-2 code of a billing country as typed, or None when unreadable."""
    if not isinstance(value, str):
        return None
    text = _plain(value)
    if not text:
        return None
    if len(text) == 2 and text.upper() in pytz.country_names:
        return text.upper()
    return COUNTRY_ALIASES.get(text) or _codes_by_name().get(text)


def country_timezone(code: str, overrides: Mapping[str, str] = MAIN_ZONES) -> str | None:
    """The main IANA time zone of a country code: `overrides`, else the first tz-database zone."""
    if code in overrides:
        return overrides[code]
    zones = pytz.country_timezones.get(code)
    return zones[0] if zones else None


def account_calendars(
    accounts: pd.DataFrame,
    *,
    default: BusinessCalendar = DEFAULT_CALENDAR,
    zone_overrides: Mapping[str, str] | None = None,
    country_overrides: Mapping[str, str] | None = None,
    subdivision_overrides: Mapping[str, str] | None = None,
) -> AccountCalendars:
    """Each account's calendar from its BillingCountry, with the default's opening hours.

    `zone_overrides` maps a country code to the zone to use (on top of MAIN_ZONES);
    `country_overrides` maps a typed country name (any case) to a code;
    `subdivision_overrides` a code to the region whose holidays count (on top of
    MAIN_SUBDIVISIONS). Accounts whose
    country is missing, unreadable or has no holiday calendar get `default`.
    Cost grows with distinct country spellings, not with accounts.
    """
    require_columns(accounts, "accounts", ACCOUNT_COLUMNS)
    zones = {**MAIN_ZONES, **(zone_overrides or {})}
    regions = {**MAIN_SUBDIVISIONS, **(subdivision_overrides or {})}
    typed = {_plain(name): code.upper() for name, code in (country_overrides or {}).items()}
    spellings = to_text(accounts["BillingCountry"])
    # Resolve each distinct spelling once; the last slot is for accounts without one.
    codes, distinct = pd.factorize(spellings, use_na_sentinel=True)
    picks = [_resolve(spelling, default, zones, regions, typed) for spelling in [*distinct, None]]
    calendar_of = np.array([calendar for calendar, _ in picks], dtype=object)[codes]
    notes = np.array([note for _, note in picks], dtype=object)[codes]
    countries = np.array([calendar.country for calendar, _ in picks], dtype=object)[codes]
    timezones = np.array([calendar.timezone for calendar, _ in picks], dtype=object)[codes]
    assignments = pd.DataFrame(
        {
            "account_id": accounts["Id"].to_numpy(),
            "billing_country": spellings.to_numpy(),
            "country": countries,
            "timezone": timezones,
            "note": notes,
        },
        columns=list(ACCOUNT_CALENDAR_COLUMNS),
    )
    usable = accounts["Id"].notna().to_numpy()
    calendars = dict(zip(accounts["Id"].to_numpy()[usable], calendar_of[usable], strict=True))
    return AccountCalendars(calendars=calendars, default=default, assignments=assignments)


def _resolve(
    spelling: object,
    default: BusinessCalendar,
    zones: Mapping[str, str],
    regions: Mapping[str, str],
    typed: Mapping[str, str],
) -> tuple[BusinessCalendar, str]:
    """The calendar for one billing-country spelling, and a note on how it was chosen."""
    if not isinstance(spelling, str) or not _plain(spelling):
        return default, "no billing country: company default calendar"
    code = typed.get(_plain(spelling)) or country_code(spelling)
    if code is None:
        return default, f"billing country {spelling!r} not recognised: company default calendar"
    zone = country_timezone(code, zones)
    if zone is None:
        return default, f"no time zone known for {code}: company default calendar"
    region = regions.get(code)
    where = code if region is None else f"{code}-{region}"
    try:
        calendar = _calendar(zone, code, region, default)
    except ValueError:
        return default, f"no public holidays known for {where}: company default calendar"
    return calendar, f"{where} holidays, {zone}"


@lru_cache(maxsize=512)
def _calendar(
    zone: str, code: str, region: str | None, default: BusinessCalendar
) -> BusinessCalendar:
    return BusinessCalendar(
        zone, code, region, days=default.days, opens=default.opens, closes=default.closes
    )


def _plain(text: str) -> str:
    """Lower-case, dots dropped, single spaces: "U.S.A. " → "usa", "united  kingdom"."""
    text = text.replace(".", "").replace("’", "'")
    return re.sub(r"\s+", " ", text.strip().lower())


@lru_cache(maxsize=1)
def _codes_by_name() -> dict[str, str]:
    """tz-database English names, plus their forms without a bracketed note or "The"."""
    names: dict[str, str] = {}
    for code, name in pytz.country_names.items():
        plain = _plain(name)
        names.setdefault(plain, code)
        names.setdefault(re.sub(r"\s*\(.*\)", "", plain), code)
        names.setdefault(re.sub(r"^the ", "", plain), code)
    return names
