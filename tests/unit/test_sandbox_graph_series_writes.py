"""Recurring series written by a client: expansion, instances, updates, answers, deletes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.test_sandbox_graph_support import (
    TENANT_DOMAIN,
    TestClient,
)

ALICE = f"/v1.0/users/alice@{TENANT_DOMAIN}"
BOB = f"/v1.0/users/bob@{TENANT_DOMAIN}"
WINDOW = "startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-04-30T00:00:00Z"


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


def _series(client: TestClient) -> dict[str, Any]:
    body = {
        "subject": "Pipeline review",
        # a Sunday start: the first occurrence is the Tuesday after
        "start": {"dateTime": "2026-03-01T09:00:00", "timeZone": "W. Europe Standard Time"},
        "end": {"dateTime": "2026-03-01T09:30:00", "timeZone": "W. Europe Standard Time"},
        "attendees": [{"emailAddress": {"address": f"bob@{TENANT_DOMAIN}"}}],
        "recurrence": {
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["tuesday"]},
            "range": {"type": "numbered", "startDate": "2026-03-01", "numberOfOccurrences": 3},
        },
    }
    created = client.post(f"{ALICE}/events", json=body)
    assert created.status_code == 201, created.text
    return dict(created.json())


def _view(client: TestClient, mailbox: str, subject: str) -> list[dict[str, Any]]:
    events = client.get(f"{mailbox}/calendarView?{WINDOW}&$top=100").json()["value"]
    return [event for event in events if event["subject"].endswith(subject)]


def test_series_expands_into_occurrences_in_its_zone(client: TestClient) -> None:
    master = _series(client)
    view = _view(client, ALICE, "Pipeline review")
    instances = client.get(f"{ALICE}/events/{master['id']}/instances?{WINDOW}").json()["value"]
    listed = client.get(f"{ALICE}/events?$top=100").json()["value"]

    assert master["type"] == "seriesMaster"
    assert master["start"]["dateTime"].startswith("2026-03-03T08:00:00")  # 09:00 CET in UTC
    assert master["recurrence"]["range"]["numberOfOccurrences"] == 3
    assert [e["start"]["dateTime"][:16] for e in view] == [
        "2026-03-03T08:00", "2026-03-10T08:00", "2026-03-17T08:00",
    ]  # fmt: skip
    assert all(e["type"] == "occurrence" and e["seriesMasterId"] == master["id"] for e in view)
    assert len({e["iCalUId"] for e in view} | {master["iCalUId"]}) == 4
    assert [e["id"] for e in instances] == [e["id"] for e in view]
    assert master["id"] in {e["id"] for e in listed}
    assert not {e["id"] for e in view} & {e["id"] for e in listed}


def test_attendee_answers_the_whole_series(client: TestClient) -> None:
    master = _series(client)
    copies = _view(client, BOB, "Pipeline review")
    bob_master = copies[0]["seriesMasterId"]

    answered = client.post(f"{BOB}/events/{bob_master}/accept", json={"sendResponse": True})

    assert answered.status_code == 202
    assert len(copies) == 3 and {c["seriesMasterId"] for c in copies} == {bob_master}
    statuses = [
        attendee["status"]["response"]
        for event in _view(client, ALICE, "Pipeline review")
        for attendee in event["attendees"]
    ]
    assert statuses == ["accepted"] * 3
    assert (
        client.get(f"{ALICE}/events/{master['id']}").json()["attendees"][0]["status"]["response"]
        == "accepted"
    )


def test_master_changes_reach_occurrences(client: TestClient) -> None:
    master = _series(client)
    first = _view(client, ALICE, "Pipeline review")[0]
    client.patch(f"{ALICE}/events/{first['id']}", json={"subject": "Pipeline review (long)"})

    renamed = client.patch(f"{ALICE}/events/{master['id']}", json={"subject": "Forecast call"})
    moved = client.patch(
        f"{ALICE}/events/{master['id']}",
        json={"start": {"dateTime": "2026-03-01T14:00:00", "timeZone": "UTC"},
              "end": {"dateTime": "2026-03-01T15:00:00", "timeZone": "UTC"}},
    )  # fmt: skip

    assert renamed.status_code == moved.status_code == 200
    view = _view(client, ALICE, "Forecast call")
    assert [e["start"]["dateTime"][:16] for e in view] == [
        "2026-03-03T14:00", "2026-03-10T14:00", "2026-03-17T14:00",
    ]  # fmt: skip
    assert [e["subject"] for e in _view(client, BOB, "Forecast call")] == ["Forecast call"] * 3


def test_exception_then_deleting_the_series(client: TestClient) -> None:
    master = _series(client)
    first, second, third = _view(client, ALICE, "Pipeline review")
    changed = client.patch(f"{ALICE}/events/{first['id']}", json={"subject": "Moved review"})
    assert client.delete(f"{ALICE}/events/{second['id']}").status_code == 204
    left = _view(client, ALICE, "review")

    assert changed.json()["type"] == "exception"
    assert [e["id"] for e in left] == [first["id"], third["id"]]

    assert client.delete(f"{ALICE}/events/{master['id']}").status_code == 204
    assert _view(client, ALICE, "review") == []
    assert all(e["isCancelled"] for e in _view(client, BOB, "review"))


def test_invalid_recurrence_is_refused(client: TestClient) -> None:
    body = {
        "subject": "Bad",
        "start": {"dateTime": "2026-03-01T09:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-03-01T10:00:00", "timeZone": "UTC"},
        "recurrence": {"pattern": {"type": "weekly"}, "range": {"type": "noEnd"}},
    }
    refused = client.post(f"{ALICE}/events", json=body)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "ErrorInvalidRequest"
