"""Meetings with each account: which attributed meetings take place, the last held and the
next booked."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from transforms.meetings import MEETING_COLUMNS, meetings_of_accounts, without_unheld_meetings

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
KAM = "ada@contoso.com"


def _event(uid: str, start: str, attendees: list[str], **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "mailbox": KAM, "id": f"id-{uid}-{extra.get('mailbox', KAM)}", "ical_uid": uid,
        "subject": f"Meeting {uid}", "organizer": KAM, "attendees": attendees,
        "responses": {address: "accepted" for address in attendees}, "response": "organizer",
        "start": start, "is_cancelled": False,
    }  # fmt: skip
    return row | extra


def _touch(uid: str, start: str, account: str, people: list[str]) -> dict[str, Any]:
    return {"source": "event", "ical_uid": uid, "account_id": account,
            "occurred_at": pd.Timestamp(start), "client_addresses": people}  # fmt: skip


def _summary(events: list[dict[str, Any]], touches: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(events)
    held = without_unheld_meetings(pd.DataFrame(touches), frame)
    accounts = pd.Series(["001A", "001B"])
    return meetings_of_accounts(held, frame, accounts, now=NOW).set_index("account_id")


def test_last_and_next_meeting_per_account() -> None:
    events = [
        _event("m1", "2026-01-10T09:00:00Z", ["ann@acme.com"]),
        _event("m2", "2026-02-20T09:00:00Z", ["ann@acme.com"]),
        _event("m3", "2026-03-05T09:00:00Z", ["bo@acme.com"]),
        _event("m4", "2026-04-05T09:00:00Z", ["bo@acme.com"]),
    ]
    touches = [_touch(e["ical_uid"], e["start"], "001A", e["attendees"]) for e in events]

    summary = _summary(events, touches)

    acme = summary.loc["001A"]
    assert acme["last_meeting_at"] == pd.Timestamp("2026-02-20T09:00:00Z")
    assert acme["last_meeting_subject"] == "Meeting m2"
    assert acme["next_meeting_at"] == pd.Timestamp("2026-03-05T09:00:00Z")
    assert summary["last_meeting_at"].isna()["001B"]
    assert list(summary.reset_index().columns) == list(MEETING_COLUMNS)


def test_cancelled_and_declined_meetings_do_not_count() -> None:
    people = ["cy@globex.com"]
    events = [
        _event("old", "2026-01-01T09:00:00Z", people),
        _event("cancelled", "2026-02-01T09:00:00Z", people, is_cancelled=True),
        _event("i-declined", "2026-02-02T09:00:00Z", people, response="declined"),
        _event(
            "they-declined", "2026-02-03T09:00:00Z", people, responses={"cy@globex.com": "declined"}
        ),
    ]
    touches = [_touch(e["ical_uid"], e["start"], "001B", people) for e in events]

    assert _summary(events, touches).loc["001B", "last_meeting_subject"] == "Meeting old"


def test_the_organizers_copy_holds_the_clients_answer() -> None:
    people = ["cy@globex.com"]
    attendee_copy = _event("shared", "2026-02-15T09:00:00Z", people, mailbox="ben@contoso.com",
                           responses={"cy@globex.com": "none"})  # fmt: skip
    organizer_copy = _event("shared", "2026-02-15T09:00:00Z", people,
                            responses={"cy@globex.com": "declined"})  # fmt: skip

    summary = _summary([attendee_copy, organizer_copy],
                       [_touch("shared", "2026-02-15T09:00:00Z", "001B", people)])  # fmt: skip

    assert summary["last_meeting_at"].isna()["001B"]


def test_mail_rows_pass_through() -> None:
    mail: dict[str, Any] = {"source": "mail", "ical_uid": None, "account_id": "001A",
            "occurred_at": pd.Timestamp("2026-02-01T09:00Z"), "client_addresses": []}  # fmt: skip
    events = [_event("x", "2026-02-01T09:00:00Z", ["a@acme.com"], is_cancelled=True)]
    touches = pd.DataFrame([mail, _touch("x", "2026-02-01T09:00:00Z", "001A", ["a@acme.com"])])

    held = without_unheld_meetings(touches, pd.DataFrame(events))

    assert held["source"].tolist() == ["mail"]


def test_missing_columns_are_reported() -> None:
    with pytest.raises(ValueError, match="events"):
        without_unheld_meetings(pd.DataFrame([_touch("x", "2026-01-01", "A", [])]),
                                pd.DataFrame({"id": ["1"]}))  # fmt: skip


def test_no_meetings_gives_every_account_empty_dates() -> None:
    empty_events = pd.DataFrame(columns=["ical_uid", "subject"])
    empty_touches = pd.DataFrame(columns=["source", "ical_uid", "account_id", "occurred_at",
                                          "client_addresses"])  # fmt: skip

    summary = meetings_of_accounts(empty_touches, empty_events, pd.Series(["001A"]), now=NOW)

    assert summary["account_id"].tolist() == ["001A"]
    assert summary["last_meeting_at"].isna().all() and summary["next_meeting_at"].isna().all()


def test_a_stale_decline_in_an_attendees_copy_does_not_cancel_the_meeting() -> None:
    people = ["cy@globex.com"]
    attendee_copy = _event("shared", "2026-02-15T09:00:00Z", people, mailbox="ben@contoso.com",
                           responses={"cy@globex.com": "declined"})  # fmt: skip
    organizer_copy = _event("shared", "2026-02-15T09:00:00Z", people,
                            responses={"cy@globex.com": "accepted"})  # fmt: skip

    summary = _summary([attendee_copy, organizer_copy],
                       [_touch("shared", "2026-02-15T09:00:00Z", "001B", people)])  # fmt: skip

    assert summary.loc["001B", "last_meeting_subject"] == "Meeting shared"
