"""Calendars against the sandbox: delta rounds, resync, time zones, idempotent creates."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from config.settings import Settings
from connectors.m365 import GraphClient
from connectors.m365.calendar import read_events
from connectors.m365.events import NewEvent, create_events, key_filter
from flows.pull_calendar import pull_calendar
from flows.runtime import Runtime
from tests.integration.m365_helpers import expire_url, first_kam
from tests.integration.stores import Runtimes, StoreUrls

pytestmark = pytest.mark.integration


def _new_event(subject: str, days_ahead: int, zone: str = "UTC") -> NewEvent:
    start = (datetime.now(UTC) + timedelta(days=days_ahead)).replace(microsecond=0)
    return NewEvent(
        key=f"test-{uuid.uuid4().hex}",
        subject=subject,
        start=start,
        end=start + timedelta(hours=1),
        time_zone=zone,
        attendees=("buyer@client.example",),
    )


def _post(graph: GraphClient, mailbox: str, event: NewEvent) -> dict[str, Any]:
    body: dict[str, Any] = graph.post(f"{graph.user_path(mailbox)}/events", event.payload()).json()
    return body


def _round(
    graph: GraphClient, mailbox: str, since: str | None
) -> tuple[dict[str, dict[str, Any]], list[str], str]:
    batches = list(read_events(graph, mailbox, since, past_days=90, future_days=60))
    records = [r for b in batches for r in b.events.to_dict("records")]
    rows = {str(row["id"]): {str(k): v for k, v in row.items()} for row in records}
    return rows, [i for b in batches for i in b.removed], batches[-1].watermark


def test_delta_reads_the_window_then_only_changes(
    graph: GraphClient, sandbox_settings: Settings
) -> None:
    kam = first_kam(sandbox_settings)
    kept = _post(graph, kam, _new_event("Delta kept", 5))
    dropped = _post(graph, kam, _new_event("Delta dropped", 6))
    outside = _post(graph, kam, _new_event("Delta far future", 200))

    first, _, watermark = _round(graph, kam, None)
    graph.patch(f"{graph.user_path(kam)}/events/{kept['id']}", {"subject": "Delta renamed"})
    graph.delete(f"{graph.user_path(kam)}/events/{dropped['id']}")
    added = _post(graph, kam, _new_event("Delta added", 7))
    changes, removed, _ = _round(graph, kam, watermark)

    assert {kept["id"], dropped["id"]} <= first.keys() and outside["id"] not in first
    assert first[kept["id"]]["organizer"] == kam
    assert first[kept["id"]]["attendees"] == ["buyer@client.example"]
    assert first[kept["id"]]["responses"] == {"buyer@client.example": "none"}
    assert changes[kept["id"]]["subject"] == "Delta renamed"
    assert added["id"] in changes and dropped["id"] in removed
    assert len(changes) < len(first)


def test_times_are_mirrored_in_utc_with_the_original_zone(
    graph: GraphClient, sandbox_settings: Settings
) -> None:
    kam = first_kam(sandbox_settings)
    event = _new_event("Berlin review", 8, zone="Europe/Berlin")
    created = _post(graph, kam, event)

    rows, _, _ = _round(graph, kam, None)
    pacific = graph.get(
        f"{graph.user_path(kam)}/events/{created['id']}",
        headers={"Prefer": 'outlook.timezone="Pacific Standard Time"'},
    )

    assert rows[created["id"]]["start"] == event.start.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert rows[created["id"]]["time_zone"] == "Europe/Berlin"
    assert pacific["start"]["timeZone"] == "Pacific Standard Time"
    local = datetime.fromisoformat(pacific["start"]["dateTime"][:19])
    assert local == event.start.astimezone(ZoneInfo("America/Los_Angeles")).replace(tzinfo=None)


def test_create_events_twice_finds_them_in_place(
    graph: GraphClient, sandbox_settings: Settings
) -> None:
    kam = first_kam(sandbox_settings)
    events = [_new_event("Kickoff", 9), _new_event("Steering committee", 10)]

    first = create_events(graph, kam, events)
    second = create_events(graph, kam, events)

    assert set(first.created) == {e.key for e in events} and not first.failed
    assert second.found == first.created and not second.created and not second.failed
    url = f"{graph.user_path(kam)}/events"
    matching = graph.get(url, {"$filter": key_filter(events[0].key), "$select": "id"})["value"]
    assert [event["id"] for event in matching] == [first.created[events[0].key]]


def _live_ids(runtime: Runtime, mailbox: str) -> set[str]:
    table = runtime.store.read_table("m365", "events")
    return set(table[table["mailbox"] == mailbox]["id"])


def test_expired_sync_state_resyncs_to_the_same_end_state(
    graph: GraphClient, sandbox_settings: Settings, store_urls: StoreUrls, runtimes: Runtimes
) -> None:
    kam = first_kam(sandbox_settings)
    runtime, fresh = (
        runtimes.on(sandbox_settings, store_urls("a")),
        runtimes.on(sandbox_settings, store_urls("b")),
    )
    doomed = _post(graph, kam, _new_event("Resync doomed", 11))
    pull_calendar.fn(runtime, kam)

    graph.delete(f"{graph.user_path(kam)}/events/{doomed['id']}")
    added = _post(graph, kam, _new_event("Resync added", 12))
    expired = requests.post(expire_url(sandbox_settings), timeout=30)
    resynced = pull_calendar.fn(runtime, kam)
    pull_calendar.fn(fresh, kam)

    assert expired.ok and resynced.resynced
    assert doomed["id"] not in _live_ids(runtime, kam) and added["id"] in _live_ids(runtime, kam)
    assert _live_ids(runtime, kam) == _live_ids(fresh, kam)


def test_a_window_that_rolled_past_a_day_starts_a_full_round(
    graph: GraphClient, sandbox_settings: Settings
) -> None:
    kam = first_kam(sandbox_settings)
    event = _post(graph, kam, _new_event("Rolling window", 3))
    _, _, watermark = _round(graph, kam, None)
    today = datetime.now(UTC).date()

    same_day = list(read_events(graph, kam, watermark, past_days=90, future_days=60, today=today))
    two_days_on = today + timedelta(days=2)
    rolled = list(
        read_events(graph, kam, watermark, past_days=90, future_days=60, today=two_days_on)
    )

    assert not same_day[-1].state.full
    assert all(event["id"] not in set(b.events["id"]) for b in same_day)
    assert rolled[-1].state.full and rolled[-1].state.done
    assert any(event["id"] in set(b.events["id"]) for b in rolled)
    assert rolled[-1].state.since == f"{today - timedelta(days=88)}T00:00:00Z"
