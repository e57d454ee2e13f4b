"""Calendar reads: events, calendarView windows, time zone preference."""

from __future__ import annotations

import pytest

from tests.unit.test_sandbox_graph_support import TENANT_DOMAIN, TestClient

ALICE = f"/v1.0/users/alice@{TENANT_DOMAIN}"
FEBRUARY_WEEK = {"startDateTime": "2026-02-04T00:00:00Z", "endDateTime": "2026-02-10T11:30:00Z"}


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


def test_events_page_with_skip_links(client: TestClient) -> None:
    first = client.get(f"{ALICE}/events?$top=2&$select=subject,iCalUId").json()
    second = client.get(first["@odata.nextLink"]).json()

    assert len(first["value"]) == 2 and len(second["value"]) == 1
    assert first["@odata.nextLink"].endswith("$skip=2")
    assert set(first["value"][0]) == {"@odata.etag", "id", "subject", "iCalUId"}


@pytest.mark.parametrize("prefix", ["", "/calendar"])
def test_calendar_view_returns_overlapping_events_earliest_first(
    client: TestClient, prefix: str
) -> None:
    body = client.get(f"{ALICE}{prefix}/calendarView", params=FEBRUARY_WEEK).json()

    assert [event["subject"] for event in body["value"]] == ["Account review 2", "Account review 3"]
    assert body["value"][0]["isOrganizer"] is True
    assert body["@odata.context"].endswith("/calendarView")


def test_calendar_view_needs_a_window(client: TestClient) -> None:
    response = client.get(f"{ALICE}/calendarView", params={"startDateTime": "2026-02-01"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "ErrorInvalidParameter"
    assert "StartDateTime and EndDateTime" in response.json()["error"]["message"]


def test_preferred_time_zone_converts_start_and_end(client: TestClient) -> None:
    headers = {"Prefer": 'outlook.timezone="Europe/Berlin"'}
    response = client.get(f"{ALICE}/calendarView", params=FEBRUARY_WEEK, headers=headers)

    start = response.json()["value"][0]["start"]
    assert start == {"dateTime": "2026-02-05T15:00:00.0000000", "timeZone": "Europe/Berlin"}
    assert response.headers["Preference-Applied"] == 'outlook.timezone="Europe/Berlin"'


def test_get_one_event_and_a_missing_one(client: TestClient) -> None:
    event = client.get(f"{ALICE}/events?$top=1").json()["value"][0]

    found = client.get(f"{ALICE}/events/{event['id']}")
    missing = client.get(f"{ALICE}/events/AAMkAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")

    assert found.json()["subject"] == event["subject"]
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "ErrorItemNotFound"


def test_default_calendar_is_addressable_by_its_id(client: TestClient) -> None:
    calendar = client.get(f"{ALICE}/calendar").json()
    listed = client.get(f"{ALICE}/calendars").json()["value"]
    events = client.get(f"{ALICE}/calendars/{calendar['id']}/events").json()["value"]

    assert calendar["isDefaultCalendar"] is True
    assert [c["id"] for c in listed] == [calendar["id"]]
    assert len(events) == 3
