"""Event writes: create with attendee copies, update, responses, cancel, delete."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.test_sandbox_graph_support import TENANT_DOMAIN, TestClient

ALICE = f"/v1.0/users/alice@{TENANT_DOMAIN}"
BOB = f"/v1.0/users/bob@{TENANT_DOMAIN}"
CAROL = f"/v1.0/users/carol@{TENANT_DOMAIN}"


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


def _meeting(**extra: Any) -> dict[str, Any]:
    attendees = [
        {"emailAddress": {"address": f"bob@{TENANT_DOMAIN}", "name": "Bob"}, "type": "required"},
        {"emailAddress": {"address": "dana@fabrikam.com", "name": "Dana"}},
    ]
    return {
        "subject": "Quarterly business review",
        "body": {"contentType": "html", "content": "<p>Agenda</p>"},
        "start": {"dateTime": "2026-03-02T09:00:00", "timeZone": "Pacific Standard Time"},
        "end": {"dateTime": "2026-03-02T10:00:00", "timeZone": "Pacific Standard Time"},
        "attendees": attendees,
        "isOnlineMeeting": True,
    } | extra


def _copy_in(client: TestClient, mailbox: str, ical_uid: str) -> dict[str, Any] | None:
    events = client.get(f"{mailbox}/events?$top=100").json()["value"]
    return next((event for event in events if event["iCalUId"] == ical_uid), None)


def test_create_sets_exchange_defaults_and_answers_in_utc(client: TestClient) -> None:
    response = client.post(f"{ALICE}/events", json=_meeting())

    assert response.status_code == 201
    event = response.json()
    assert event["start"] == {"dateTime": "2026-03-02T17:00:00.0000000", "timeZone": "UTC"}
    assert event["originalStartTimeZone"] == "Pacific Standard Time"
    assert event["organizer"]["emailAddress"]["address"] == f"alice@{TENANT_DOMAIN}"
    assert event["isOrganizer"] is True and event["type"] == "singleInstance"
    assert event["responseStatus"]["response"] == "organizer"
    assert event["attendees"][1]["status"] == {"response": "none", "time": "0001-01-01T00:00:00Z"}
    assert event["onlineMeeting"]["joinUrl"].startswith("https://teams.microsoft.com/")
    assert event["iCalUId"].startswith("040000008200E00074C5B7101A82E008")
    assert client.get(f"{ALICE}/events/{event['id']}").json()["subject"] == event["subject"]


def test_create_puts_a_copy_in_internal_attendees_calendars(client: TestClient) -> None:
    event = client.post(f"{ALICE}/events", json=_meeting()).json()

    copy = _copy_in(client, BOB, event["iCalUId"])
    assert copy is not None and copy["id"] != event["id"]
    assert copy["isOrganizer"] is False
    assert copy["responseStatus"]["response"] == "notResponded"
    assert _copy_in(client, CAROL, event["iCalUId"]) is None


def test_create_refuses_unknown_properties_and_bad_times(client: TestClient) -> None:
    unknown = client.post(f"{ALICE}/events", json=_meeting(colour="red"))
    no_zone = client.post(
        f"{ALICE}/events",
        json=_meeting(start={"dateTime": "2026-03-02T09:00:00", "timeZone": "Mars"}),
    )

    weekly = {"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]}}
    recurring = client.post(f"{ALICE}/events", json=_meeting(recurrence=weekly))

    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "RequestBodyRead"
    assert no_zone.status_code == 400
    assert recurring.status_code == 400


def test_update_by_the_organizer_reaches_the_copies(client: TestClient) -> None:
    event = client.post(f"{ALICE}/events", json=_meeting()).json()
    later = {"dateTime": "2026-03-03T09:00:00", "timeZone": "UTC"}

    updated = client.patch(f"{ALICE}/events/{event['id']}", json={"subject": "QBR", "start": later})

    assert updated.status_code == 200
    assert updated.json()["subject"] == "QBR" and updated.json()["changeKey"] != event["changeKey"]
    copy = _copy_in(client, BOB, event["iCalUId"])
    assert copy is not None and copy["subject"] == "QBR"
    assert copy["start"]["dateTime"] == "2026-03-03T09:00:00.0000000"


@pytest.mark.parametrize(
    ("action", "response", "show_as"),
    [("accept", "accepted", "busy"), ("tentativelyAccept", "tentativelyAccepted", "tentative")],
)
def test_attendee_response_updates_their_copy_and_the_organizers_tally(
    client: TestClient, action: str, response: str, show_as: str
) -> None:
    event = client.post(f"{ALICE}/events", json=_meeting()).json()
    copy = _copy_in(client, BOB, event["iCalUId"])
    assert copy is not None

    answer = client.post(f"{BOB}/events/{copy['id']}/{action}", json={"sendResponse": True})

    assert answer.status_code == 202
    mine = client.get(f"{BOB}/events/{copy['id']}").json()
    assert mine["responseStatus"]["response"] == response and mine["showAs"] == show_as
    tally = client.get(f"{ALICE}/events/{event['id']}").json()["attendees"]
    assert tally[0]["status"]["response"] == response
    assert tally[1]["status"]["response"] == "none"


def test_decline_removes_the_copy_and_organizer_cannot_respond(client: TestClient) -> None:
    event = client.post(f"{ALICE}/events", json=_meeting()).json()
    copy = _copy_in(client, BOB, event["iCalUId"])
    assert copy is not None

    assert client.post(f"{BOB}/events/{copy['id']}/decline", json={}).status_code == 202
    own = client.post(f"{ALICE}/events/{event['id']}/accept", json={})

    assert client.get(f"{BOB}/events/{copy['id']}").status_code == 404
    tally = client.get(f"{ALICE}/events/{event['id']}").json()["attendees"]
    assert tally[0]["status"]["response"] == "declined"
    assert own.status_code == 400


def test_cancel_removes_the_meeting_and_marks_copies_cancelled(client: TestClient) -> None:
    event = client.post(f"{ALICE}/events", json=_meeting()).json()
    copy = _copy_in(client, BOB, event["iCalUId"])
    assert copy is not None

    by_attendee = client.post(f"{BOB}/events/{copy['id']}/cancel", json={"comment": "no"})
    cancelled = client.post(f"{ALICE}/events/{event['id']}/cancel", json={"comment": "Sorry"})

    assert by_attendee.status_code == 400
    assert cancelled.status_code == 202
    assert client.get(f"{ALICE}/events/{event['id']}").status_code == 404
    theirs = client.get(f"{BOB}/events/{copy['id']}").json()
    assert theirs["isCancelled"] is True and theirs["subject"].startswith("Canceled: ")


def test_delete_by_the_organizer_cancels_the_copies(client: TestClient) -> None:
    event = client.post(f"{ALICE}/events", json=_meeting()).json()

    deleted = client.delete(f"{ALICE}/calendar/events/{event['id']}")

    assert deleted.status_code == 204
    assert client.get(f"{ALICE}/events/{event['id']}").status_code == 404
    copy = _copy_in(client, BOB, event["iCalUId"])
    assert copy is not None and copy["isCancelled"] is True
    assert client.delete(f"{ALICE}/events/{event['id']}").status_code == 404


def test_a_new_time_can_only_be_proposed_in_a_sent_response(client: TestClient) -> None:
    event = client.post(f"{ALICE}/events", json=_meeting()).json()
    copy = _copy_in(client, BOB, event["iCalUId"])
    assert copy is not None
    slot = {"start": _meeting()["start"], "end": _meeting()["end"]}

    silent = client.post(
        f"{BOB}/events/{copy['id']}/tentativelyAccept",
        json={"sendResponse": False, "proposedNewTime": slot},
    )
    sent = client.post(
        f"{BOB}/events/{copy['id']}/tentativelyAccept", json={"proposedNewTime": slot}
    )

    assert silent.status_code == 400
    assert sent.status_code == 202


def test_rewriting_the_attendee_list_keeps_given_answers(client: TestClient) -> None:
    event = client.post(f"{ALICE}/events", json=_meeting()).json()
    copy = _copy_in(client, BOB, event["iCalUId"])
    assert copy is not None
    client.post(f"{BOB}/events/{copy['id']}/accept", json={})
    attendees = [{"emailAddress": a["emailAddress"]} for a in event["attendees"]]
    attendees.append({"emailAddress": {"address": f"carol@{TENANT_DOMAIN}"}})

    updated = client.patch(f"{ALICE}/events/{event['id']}", json={"attendees": attendees})

    statuses = [a["status"]["response"] for a in updated.json()["attendees"]]
    assert statuses == ["accepted", "none", "none"]
    assert _copy_in(client, CAROL, event["iCalUId"]) is not None
