"""calendarView delta: fixed window, paging, incremental rounds, removals, expiry."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.test_sandbox_graph_support import TENANT_DOMAIN, TestClient

ALICE = f"/v1.0/users/alice@{TENANT_DOMAIN}"
FEBRUARY = {"startDateTime": "2026-02-01T00:00:00Z", "endDateTime": "2026-03-01T00:00:00Z"}


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


def _round(
    client: TestClient, url: str, params: dict[str, str] | None = None, **headers: str
) -> tuple[list[dict[str, Any]], str, int]:
    """Every entry of one round, its deltaLink, and how many pages it took."""
    entries, pages = [], 0
    link: str | None = url
    while link:
        response = client.get(link, params=params if pages == 0 else None, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        entries += body["value"]
        pages += 1
        link = body.get("@odata.nextLink")
        if link is None:
            return entries, body["@odata.deltaLink"], pages
    raise AssertionError("unreachable")


def _event(day: int, subject: str) -> dict[str, Any]:
    return {
        "subject": subject,
        "start": {"dateTime": f"2026-02-{day:02d}T10:00:00", "timeZone": "UTC"},
        "end": {"dateTime": f"2026-02-{day:02d}T11:00:00", "timeZone": "UTC"},
    }


def test_first_round_pages_the_window_with_skiptokens(client: TestClient) -> None:
    entries, delta_link, pages = _round(
        client, f"{ALICE}/calendarView/delta", FEBRUARY, Prefer="odata.maxpagesize=2"
    )

    assert sorted(e["subject"] for e in entries) == [f"Account review {n}" for n in (1, 2, 3)]
    assert not any("@removed" in e for e in entries), "a first round reports no removals"
    assert pages == 2 and "$deltatoken=" in delta_link
    assert all(e["@odata.type"] == "#microsoft.graph.event" for e in entries)


def test_next_round_reports_only_changes_inside_the_fixed_window(client: TestClient) -> None:
    first, delta_link, _ = _round(client, f"{ALICE}/calendarView/delta", FEBRUARY)
    created = client.post(f"{ALICE}/events", json=_event(20, "New in February")).json()
    outside = client.post(
        f"{ALICE}/events",
        json=_event(1, "Outside")
        | {
            "start": {"dateTime": "2026-05-01T10:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-05-01T11:00:00", "timeZone": "UTC"},
        },
    ).json()
    client.patch(f"{ALICE}/events/{first[0]['id']}", json={"subject": "Renamed"})
    client.delete(f"{ALICE}/events/{first[1]['id']}")

    changes, _, _ = _round(client, delta_link)

    live = {e["id"]: e for e in changes if "@removed" not in e}
    removed = [e["id"] for e in changes if "@removed" in e]
    assert live[created["id"]]["subject"] == "New in February"
    assert live[first[0]["id"]]["subject"] == "Renamed"
    assert removed == [first[1]["id"]], "an event never in the view is not reported removed"
    assert outside["id"] not in live


def test_an_event_moved_out_of_the_window_is_removed(client: TestClient) -> None:
    first, delta_link, _ = _round(client, f"{ALICE}/calendarView/delta", FEBRUARY)
    may = {"dateTime": "2026-05-01T10:00:00", "timeZone": "UTC"}
    client.patch(f"{ALICE}/events/{first[0]['id']}", json={"start": may, "end": may})

    changes, _, _ = _round(client, delta_link)

    assert changes == [
        {
            "@odata.type": "#microsoft.graph.event",
            "id": first[0]["id"],
            "@removed": {"reason": "deleted"},
        }
    ]


def test_a_quiet_round_is_empty_and_time_zone_preference_applies(client: TestClient) -> None:
    _, delta_link, _ = _round(client, f"{ALICE}/calendarView/delta", FEBRUARY)

    quiet, _, _ = _round(client, delta_link)
    response = client.get(
        f"{ALICE}/calendarView/delta",
        params=FEBRUARY,
        headers={"Prefer": 'outlook.timezone="Pacific Standard Time"'},
    )

    assert quiet == []
    assert response.json()["value"][0]["start"]["timeZone"] == "Pacific Standard Time"
    assert "outlook.timezone" in response.headers["Preference-Applied"]


def test_window_parameter_names_ignore_case(client: TestClient) -> None:
    lower = {"startdatetime": "2026-02-01T00:00:00.0000000", "enddatetime": "2026-03-01T00:00:00"}

    entries, _, _ = _round(client, f"{ALICE}/calendarView/delta", lower)

    assert len(entries) == 3


def test_delta_needs_a_window_and_refuses_query_options(client: TestClient) -> None:
    no_window = client.get(f"{ALICE}/calendarView/delta")
    with_filter = client.get(f"{ALICE}/calendarView/delta", params=FEBRUARY | {"$filter": "x eq 1"})

    assert no_window.status_code == 400
    assert no_window.json()["error"]["code"] == "ErrorInvalidParameter"
    assert with_filter.status_code == 400


def test_expired_sync_state_answers_410(client: TestClient) -> None:
    _, delta_link, _ = _round(client, f"{ALICE}/calendarView/delta", FEBRUARY)
    client.post("/_sandbox/graph/sync-states/expire")

    response = client.get(delta_link)

    assert response.status_code == 410
    assert response.json()["error"]["code"].lower() == "syncstatenotfound"


def test_a_token_of_another_mailbox_is_refused(client: TestClient) -> None:
    _, delta_link, _ = _round(client, f"{ALICE}/calendarView/delta", FEBRUARY)
    foreign = delta_link.replace("alice@", "bob@")

    assert client.get(foreign).status_code == 400
