"""Recurring meetings: /events lists the series master, calendarView its occurrences."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.graph.directory import events_of, find_user, stamp
from sandbox.state import DocStore
from tests.unit.test_sandbox_graph_support import (
    TENANT_DOMAIN,
    TestClient,
    authorized_client,
    seeded_app,
)

ALICE = f"/v1.0/users/alice@{TENANT_DOMAIN}"
WINDOW = {"startDateTime": "2026-03-01T00:00:00Z", "endDateTime": "2026-03-31T00:00:00Z"}
MASTER = "AAMkSeriesMaster0000000000000001"


def _meeting(event_id: str, kind: str, day: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": event_id,
        "subject": "Weekly sync with Fabrikam",
        "type": kind,
        "start": {"dateTime": f"2026-03-{day:02d}T09:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": f"2026-03-{day:02d}T09:30:00.0000000", "timeZone": "UTC"},
        **extra,
    }


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app, store = seeded_app(tmp_path)
    _add_series(store)
    with authorized_client(app) as test_client:
        yield test_client
    store.close()


def _add_series(store: DocStore) -> None:
    alice = find_user(store, f"alice@{TENANT_DOMAIN}")
    assert alice is not None
    master = _meeting(MASTER, "seriesMaster", 2, recurrence={"pattern": {"type": "weekly"}})
    occurrences = [
        _meeting(
            f"AAMkSeriesOccurrence00000000000{day:02d}", "occurrence", day, seriesMasterId=MASTER
        )
        for day in (2, 9, 16)
    ]
    docs = [stamp(doc) for doc in (master, *occurrences)]
    store.put_many(events_of(alice["id"]), [(doc["id"], doc) for doc in docs])


def _ids(response: Any) -> set[str]:
    assert response.status_code == 200, response.text
    return {event["id"] for event in response.json()["value"]}


def test_events_lists_the_master_not_its_occurrences(client: TestClient) -> None:
    ids = _ids(client.get(f"{ALICE}/events", params={"$top": 999}))

    assert MASTER in ids
    assert not any(event_id.startswith("AAMkSeriesOccurrence") for event_id in ids)


def test_calendar_view_and_its_delta_show_occurrences_only(client: TestClient) -> None:
    view = _ids(client.get(f"{ALICE}/calendarView", params=WINDOW | {"$top": 999}))
    delta: set[str] = set()
    response = client.get(f"{ALICE}/calendarView/delta", params=WINDOW)
    while True:
        delta |= _ids(response)
        link = response.json().get("@odata.nextLink")
        if not link:
            break
        response = client.get(link)

    for ids in (view, delta):
        assert MASTER not in ids
        assert {i for i in ids if i.startswith("AAMkSeriesOccurrence")} == {
            f"AAMkSeriesOccurrence00000000000{day:02d}" for day in (2, 9, 16)
        }
