"""Time zones as Outlook names them: Windows names and IANA names, and `Prefer: outlook.timezone`.

Outlook stores an event's start and end as `dateTimeTimeZone` (a local wall
time plus a zone name) and answers in the zone the client prefers. Windows
zone names ("Pacific Standard Time") are mapped to IANA through the common
part of CLDR's windowsZones table; IANA names and "UTC" are used as they are.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request

from sandbox.graph.odata_eval import as_datetime

#: Windows zone name -> IANA zone (CLDR windowsZones, territory "001"), the common ones.
WINDOWS_TO_IANA = {
    "UTC": "UTC",
    "Coordinated Universal Time": "UTC",
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "W. Europe Standard Time": "Europe/Berlin",
    "Romance Standard Time": "Europe/Paris",
    "Central Europe Standard Time": "Europe/Budapest",
    "Central European Standard Time": "Europe/Warsaw",
    "E. Europe Standard Time": "Europe/Chisinau",
    "FLE Standard Time": "Europe/Kiev",
    "GTB Standard Time": "Europe/Bucharest",
    "Russian Standard Time": "Europe/Moscow",
    "Turkey Standard Time": "Europe/Istanbul",
    "Israel Standard Time": "Asia/Jerusalem",
    "South Africa Standard Time": "Africa/Johannesburg",
    "Arabian Standard Time": "Asia/Dubai",
    "India Standard Time": "Asia/Calcutta",
    "China Standard Time": "Asia/Shanghai",
    "Singapore Standard Time": "Asia/Singapore",
    "Tokyo Standard Time": "Asia/Tokyo",
    "Korea Standard Time": "Asia/Seoul",
    "AUS Eastern Standard Time": "Australia/Sydney",
    "New Zealand Standard Time": "Pacific/Auckland",
    "Eastern Standard Time": "America/New_York",
    "Central Standard Time": "America/Chicago",
    "Mountain Standard Time": "America/Denver",
    "US Mountain Standard Time": "America/Phoenix",
    "Pacific Standard Time": "America/Los_Angeles",
    "Alaskan Standard Time": "America/Anchorage",
    "Hawaiian Standard Time": "Pacific/Honolulu",
    "Atlantic Standard Time": "America/Halifax",
    "E. South America Standard Time": "America/Sao_Paulo",
    "Argentina Standard Time": "America/Buenos_Aires",
    "Mexico Standard Time": "America/Mexico_City",
    "Central Standard Time (Mexico)": "America/Mexico_City",
}
_BY_LOWER_NAME = {name.lower(): iana for name, iana in WINDOWS_TO_IANA.items()}
#: how Outlook writes wall times: seven fractional digits, no offset
_WALL_TIME = "%Y-%m-%dT%H:%M:%S.%f0"


def zone_named(name: str) -> ZoneInfo | None:
    """The zone a Windows or IANA name denotes, or None when neither knows it."""
    iana = _BY_LOWER_NAME.get(name.strip().lower(), name.strip())
    try:
        return ZoneInfo(iana)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def preferred_zone(request: Request) -> tuple[str, ZoneInfo] | None:
    """The zone of a `Prefer: outlook.timezone="..."` header, with the name as sent."""
    for preference in request.headers.get("prefer", "").split(","):
        name, _, value = preference.strip().partition("=")
        if name.strip().lower() == "outlook.timezone":
            zone_name = value.strip().strip('"')
            zone = zone_named(zone_name)
            return (zone_name, zone) if zone is not None else None
    return None


def moment(value: Any) -> datetime | None:
    """A `dateTimeTimeZone` as an aware datetime (an unknown zone reads as UTC)."""
    if not isinstance(value, dict):
        return None
    wall = as_datetime(value.get("dateTime"))
    if wall is None:
        return None
    zone = zone_named(str(value.get("timeZone") or "UTC"))
    return wall.replace(tzinfo=zone or UTC) if not _has_offset(value) else wall


def _has_offset(value: dict[str, Any]) -> bool:
    text = str(value.get("dateTime"))
    return text.endswith("Z") or "+" in text[10:] or "-" in text[10:]


def date_time_zone(at: datetime, zone_name: str) -> dict[str, str]:
    """`at` as a `dateTimeTimeZone` wall time in the named zone (UTC when unknown)."""
    zone = zone_named(zone_name) or UTC
    return {"dateTime": at.astimezone(zone).strftime(_WALL_TIME), "timeZone": zone_name}


def valid_date_time_zone(value: Any) -> bool:
    """Whether a client-sent `dateTimeTimeZone` has a readable time and a known zone."""
    if not isinstance(value, dict) or as_datetime(value.get("dateTime")) is None:
        return False
    return zone_named(str(value.get("timeZone") or "UTC")) is not None
