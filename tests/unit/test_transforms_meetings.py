"""Last and next client meeting per account, from mirrored calendar events."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from transforms.meetings import MEETING_COLUMNS, meetings_by_account

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
KAM = "ada@contoso.com"
CONTACTS = pd.DataFrame(
    {
        "AccountId": ["001A", "001A", "001B", "001C", "001D"],
        "Email": ["ann@acme.com", "Bo@Acme.com", "cy@globex.com", "dee@gmail.com", "eve@gmail.com"],
    }
)


def _event(uid: str, start: str, attendees: list[str], **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "mailbox": KAM,
        "id": f"id-{uid}-{extra.get('mailbox', KAM)}",
        "ical_uid": uid,
        "subject": f"Meeting {uid}",
        "organizer": KAM,
        "attendees": attendees,
        "responses": {address: "accepted" for address in attendees},
        "response": "organizer",
        "start": start,
        "is_cancelled": False,
    }
    return row | extra


def _summary(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return meetings_by_account(pd.DataFrame(rows), CONTACTS, now=NOW).set_index("account_id")


def test_last_and_next_meeting_by_contact_domain() -> None:
    summary = _summary(
        [
            _event("m1", "2026-01-10T09:00:00Z", ["zed@acme.com"]),
            _event("m2", "2026-02-20T09:00:00Z", ["ann@acme.com", "colleague@contoso.com"]),
            _event("m3", "2026-03-05T09:00:00Z", ["bo@acme.com"]),
            _event("m4", "2026-04-05T09:00:00Z", ["bo@acme.com"]),
        ]
    )

    acme = summary.loc["001A"]
    assert acme["last_meeting_at"] == pd.Timestamp("2026-02-20T09:00:00Z")
    assert acme["last_meeting_subject"] == "Meeting m2"
    assert acme["next_meeting_at"] == pd.Timestamp("2026-03-05T09:00:00Z")
    assert summary["last_meeting_at"].isna()["001B"]
    assert list(summary.reset_index().columns) == list(MEETING_COLUMNS)


def test_cancelled_and_declined_meetings_do_not_count() -> None:
    summary = _summary(
        [
            _event("old", "2026-01-01T09:00:00Z", ["cy@globex.com"]),
            _event("cancelled", "2026-02-01T09:00:00Z", ["cy@globex.com"], is_cancelled=True),
            _event("i-declined", "2026-02-02T09:00:00Z", ["cy@globex.com"], response="declined"),
            _event(
                "they-declined",
                "2026-02-03T09:00:00Z",
                ["cy@globex.com"],
                responses={"cy@globex.com": "declined"},
            ),
        ]
    )

    assert summary.loc["001B", "last_meeting_subject"] == "Meeting old"


def test_shared_webmail_domains_match_by_address_only() -> None:
    summary = _summary(
        [
            _event("w1", "2026-02-10T09:00:00Z", ["stranger@gmail.com"]),
            _event("w2", "2026-02-11T09:00:00Z", ["eve@gmail.com"]),
        ]
    )

    assert summary["last_meeting_at"].isna()["001C"]
    assert summary.loc["001D", "last_meeting_subject"] == "Meeting w2"


def test_one_meeting_in_several_calendars_counts_once_from_the_organizers_copy() -> None:
    attendee_copy = _event(
        "shared",
        "2026-02-15T09:00:00Z",
        ["cy@globex.com"],
        mailbox="ben@contoso.com",
        responses={"cy@globex.com": "none"},
    )
    organizer_copy = _event(
        "shared",
        "2026-02-15T09:00:00Z",
        ["cy@globex.com"],
        responses={"cy@globex.com": "declined"},
    )

    summary = _summary([attendee_copy, organizer_copy])

    assert summary["last_meeting_at"].isna()["001B"]


def test_missing_columns_are_reported() -> None:
    with pytest.raises(ValueError, match="events"):
        meetings_by_account(pd.DataFrame({"id": []}), CONTACTS, now=NOW)


def test_no_events_gives_every_account_empty_dates() -> None:
    empty = pd.DataFrame(
        {
            column: []
            for column in (
                "mailbox",
                "id",
                "ical_uid",
                "subject",
                "organizer",
                "attendees",
                "responses",
                "response",
                "start",
                "is_cancelled",
            )
        }
    )

    summary = meetings_by_account(empty, CONTACTS, now=NOW)

    assert sorted(summary["account_id"]) == ["001A", "001B", "001C", "001D"]
    assert summary["last_meeting_at"].isna().all() and summary["next_meeting_at"].isna().all()
