"""Creating calendar events idempotently, through JSON `$batch`.

Every event kamsync creates carries a single-value extended property (string,
kamsync's GUID namespace, name "KamsyncKey") holding a deterministic key.
`create_events` first looks each key up in the mailbox
(`$filter=singleValueExtendedProperties/Any(...)`) and creates only the
events not already there, so a retried or repeated run never makes a second
copy. A key whose lookup failed is not created (it is reported failed): a
duplicate is worse than a late event.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from connectors.m365.batch import BatchRequest, BatchResult, send_batch
from connectors.m365.client import GraphClient, Json

#: kamsync's namespace for the MAPI named properties it writes (a fixed, random GUID)
KEY_NAMESPACE = "{5d3f2c1e-8b7a-4e39-9a61-2f4c0b8d7e15}"
KEY_PROPERTY = f"String {KEY_NAMESPACE} Name KamsyncKey"


def event_key(*parts: str) -> str:
    """A deterministic key for an event kamsync creates, from what identifies it."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class NewEvent:
    """An event to create in a mailbox's calendar; `start`/`end` are aware datetimes."""

    key: str
    subject: str
    start: datetime
    end: datetime
    #: the IANA zone the event is kept in (Outlook shows it in the organizer's zone)
    time_zone: str = "UTC"
    attendees: tuple[str, ...] = ()
    body: str = ""
    location: str = ""
    is_online_meeting: bool = False
    show_as: str = "busy"

    def payload(self) -> Json:
        """The Graph `event` body, times as wall times in `time_zone`."""
        wall = ZoneInfo(self.time_zone)
        return {
            "subject": self.subject,
            "body": {"contentType": "text", "content": self.body},
            "start": _wall_time(self.start, wall, self.time_zone),
            "end": _wall_time(self.end, wall, self.time_zone),
            "location": {"displayName": self.location},
            "attendees": [
                {"emailAddress": {"address": address}, "type": "required"}
                for address in self.attendees
            ],
            "isOnlineMeeting": self.is_online_meeting,
            "showAs": self.show_as,
            "singleValueExtendedProperties": [{"id": KEY_PROPERTY, "value": self.key}],
        }


def _wall_time(moment: datetime, zone: ZoneInfo, name: str) -> Json:
    return {"dateTime": moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": name}


@dataclass(frozen=True)
class EventWrites:
    """What `create_events` did, by event key."""

    created: dict[str, str] = field(default_factory=dict)
    #: events already in the mailbox with the key (an earlier run made them)
    found: dict[str, str] = field(default_factory=dict)
    #: keys that could not be looked up or created, with Graph's answer
    failed: dict[str, str] = field(default_factory=dict)


def key_filter(key: str) -> str:
    """The `$filter` finding events that carry `key`."""
    value = key.replace("'", "''")
    return (
        f"singleValueExtendedProperties/Any(ep: ep/id eq '{KEY_PROPERTY}' and ep/value eq "
        f"'{value}')"
    )


def create_events(client: GraphClient, mailbox: str, events: Sequence[NewEvent]) -> EventWrites:
    """Create the events whose key is not yet in `mailbox`; per-item failures are reported."""
    by_key = {event.key: event for event in events}
    base = f"/users/{quote(mailbox)}/events"
    lookups = [
        BatchRequest(f"find-{n}", "GET", f"{base}?{_lookup_query(key)}")
        for n, key in enumerate(by_key)
    ]
    answers = send_batch(client, lookups)
    writes = EventWrites()
    missing: list[NewEvent] = []
    for lookup, key in zip(lookups, by_key, strict=True):
        answer = answers[lookup.id]
        if not answer.ok:
            writes.failed[key] = _failure(answer)
        elif answer.body and answer.body.get("value"):
            writes.found[key] = str(answer.body["value"][0]["id"])
        else:
            missing.append(by_key[key])
    creates = [
        BatchRequest(f"create-{n}", "POST", base, event.payload())
        for n, event in enumerate(missing)
    ]
    results = send_batch(client, creates) if creates else {}
    for request, event in zip(creates, missing, strict=True):
        result = results[request.id]
        if result.ok:
            writes.created[event.key] = str(result.body["id"])
        else:
            writes.failed[event.key] = _failure(result)
    return writes


def _lookup_query(key: str) -> str:
    params: dict[str, Any] = {"$filter": key_filter(key), "$select": "id,subject", "$top": 1}
    return urlencode(params, quote_via=quote, safe="$")


def _failure(result: BatchResult) -> str:
    error = (result.body or {}).get("error", {}) if isinstance(result.body, dict) else {}
    return f"{result.status} {error.get('code', '')}: {error.get('message', '')}".strip()
