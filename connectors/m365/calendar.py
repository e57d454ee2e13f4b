"""Outlook calendars: a mailbox's meetings through calendarView delta over a rolling window.

A full round reads every event of the window (today minus `past_days` to
today plus `future_days`, whole UTC days); Graph fixes the window in its
tokens, so later rounds bring only what changed in it. When today's window
starts more than a day after the stored round's, a fresh full round starts;
so does one after Graph dropped the sync state (`DeltaReset`, raised to the
caller). Each page comes as an `EventBatch` whose watermark (a `DeltaState`,
`since` = the window start) is committed with its rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd

from connectors.m365.client import GraphClient, Json
from connectors.m365.delta import PAGE_SIZE as DELTA_PAGE_SIZE
from connectors.m365.delta import DeltaBatch, DeltaState, resumed_pages

PAGE_SIZE = DELTA_PAGE_SIZE
#: Columns of the `m365/events` mirror table (times are UTC ISO strings).
EVENT_COLUMNS = [
    "id", "mailbox", "ical_uid", "subject", "organizer", "attendees", "responses", "response",
    "start", "end", "time_zone", "is_cancelled", "show_as", "is_online_meeting", "type",
    "series_master_id", "sync_round",
]  # fmt: skip
#: a stored round is kept while its window starts at most this long before today's
WINDOW_SLACK = timedelta(days=1)


@dataclass(frozen=True)
class EventBatch(DeltaBatch):
    """One delta page of a mailbox's calendar (`rows`, also named `events`); `removed` holds
    the ids Graph reported deleted, declined or moved out of the window."""

    @property
    def events(self) -> pd.DataFrame:
        return self.rows


def calendar_window(today: date, past_days: int, future_days: int) -> tuple[datetime, datetime]:
    """The rolling window for `today`: whole UTC days around it."""
    midnight = datetime.combine(today, time(0), tzinfo=UTC)
    return midnight - timedelta(days=past_days), midnight + timedelta(days=future_days + 1)


def read_events(
    client: GraphClient,
    mailbox: str,
    since: str | None,
    *,
    past_days: int,
    future_days: int,
    today: date | None = None,
    page_size: int = PAGE_SIZE,
) -> Iterator[EventBatch]:
    """The calendar's changes since the watermark `since` (None, or a stale window: full round).

    Raises `DeltaReset` when Graph lost the stored round: call again with None.
    """
    start, end = calendar_window(today or datetime.now(UTC).date(), past_days, future_days)
    state = DeltaState.load(since)
    if state is not None and _stale(state, start):
        state = None
    params = {"startDateTime": _iso(start), "endDateTime": _iso(end)}
    url = f"{client.user_path(mailbox)}/calendarView/delta"
    rounds = resumed_pages(client, url, params, state, since=_iso(start), page_size=page_size)
    for page, kept in rounds:
        rows = [flatten_event(mailbox, event, kept.round) for event in page.items]
        frame = pd.DataFrame.from_records(rows, columns=EVENT_COLUMNS)
        yield EventBatch(mailbox, frame, kept.dump(), page.removed)


def _stale(state: DeltaState, window_start: datetime) -> bool:
    if not state.since:
        return True
    stored = datetime.fromisoformat(state.since.replace("Z", "+00:00"))
    return window_start - stored > WINDOW_SLACK


def flatten_event(mailbox: str, event: Json, sync_round: str | None = None) -> dict[str, Any]:
    """A Graph event as one mirror row: addresses lower-cased, times in UTC."""
    responses = {
        address: str(((attendee.get("status") or {}).get("response")) or "none")
        for attendee in event.get("attendees") or []
        if (address := _address(attendee))
    }
    return {
        "id": event["id"],
        "mailbox": mailbox,
        "ical_uid": event.get("iCalUId"),
        "subject": event.get("subject"),
        "organizer": _address(event.get("organizer")),
        "attendees": list(responses),
        "responses": responses,
        "response": (event.get("responseStatus") or {}).get("response"),
        "start": _utc(event.get("start")),
        "end": _utc(event.get("end")),
        "time_zone": event.get("originalStartTimeZone"),
        "is_cancelled": bool(event.get("isCancelled")),
        "show_as": event.get("showAs"),
        "is_online_meeting": bool(event.get("isOnlineMeeting")),
        "type": event.get("type"),
        "series_master_id": event.get("seriesMasterId"),
        "sync_round": sync_round,
    }


def _utc(value: Json | None) -> str | None:
    """A `dateTimeTimeZone` as Graph answers it without `Prefer: outlook.timezone` (UTC),
    as an ISO string with `Z`."""
    text = (value or {}).get("dateTime")
    if not text:
        return None
    if str((value or {}).get("timeZone", "UTC")).upper() != "UTC":
        raise ValueError(f"expected an event time in UTC, got {value}")
    moment = datetime.fromisoformat(str(text)[:19]).replace(tzinfo=UTC)
    return _iso(moment)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _address(entry: Json | None) -> str | None:
    address = ((entry or {}).get("emailAddress") or {}).get("address")
    return str(address).lower() if address else None
