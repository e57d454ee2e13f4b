"""Last e-mail touch per key account: which mail counts for which client, and when."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from transforms import last_email_touch

TODAY = dt.date(2026, 11, 27)
KEY_ACCOUNTS = pd.DataFrame({"account_id": ["A1", "A2", "A3"], "domain": ["acme.com", None, None]})
CONTACTS = pd.DataFrame(
    {
        "Id": ["C1", "C2", "C3"],
        "AccountId": ["A2", "A2", "NOT_KEY"],
        "Email": ["Bea@Beta-Mail.com", None, "zed@other.org"],
    }
)
MESSAGE_COLUMNS = [
    "mailbox",
    "id",
    "folder",
    "internet_message_id",
    "conversation_id",
    "subject",
    "sender",
    "recipients",
    "received_at",
]


def message(
    message_id: str,
    sender: str,
    recipients: list[str],
    received_at: str,
    mailbox: str = "ann@us.com",
) -> dict[str, object]:
    return {
        "mailbox": mailbox,
        "id": f"{mailbox}/{message_id}",
        "folder": "inbox",
        "internet_message_id": f"<{message_id}@mail>",
        "conversation_id": "conv",
        "subject": "Hello",
        "sender": sender,
        "recipients": recipients,
        "received_at": received_at,
    }


def touches(messages: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(messages, columns=MESSAGE_COLUMNS)
    return last_email_touch(frame, CONTACTS, KEY_ACCOUNTS, today=TODAY).set_index("account_id")


def test_mail_counts_for_an_account_by_contact_address_or_by_domain() -> None:
    result = touches(
        [
            message("m1", "x@acme.com", ["ann@us.com"], "2026-11-20T09:00:00Z"),
            message(
                "m2", "ann@us.com", ["team@us.com", "bea@beta-mail.com"], "2026-11-25T10:00:00Z"
            ),
            message("m3", "ann@us.com", ["zed@other.org"], "2026-11-26T10:00:00Z"),
        ]
    )

    assert result.loc["A1", "last_email_at"] == pd.Timestamp("2026-11-20T09:00:00Z")
    assert result.loc["A2", "last_email_at"] == pd.Timestamp("2026-11-25T10:00:00Z")
    assert result.loc["A3", "last_email_at"] is pd.NaT
    assert result["emails_90d"].to_dict() == {"A1": 1, "A2": 1, "A3": 0}


def test_the_same_mail_in_two_mailboxes_counts_once() -> None:
    result = touches(
        [
            message("m1", "ann@us.com", ["x@acme.com", "bo@us.com"], "2026-11-20T09:00:00Z"),
            message(
                "m1", "ann@us.com", ["x@acme.com", "bo@us.com"], "2026-11-20T09:00:00Z", "bo@us.com"
            ),
        ]
    )

    assert result.loc["A1", "emails_90d"] == 1


def test_ninety_day_window_ends_today_and_starts_89_days_back() -> None:
    result = touches(
        [
            message("inside", "x@acme.com", [], "2026-08-30T00:00:00Z"),
            message("too_old", "x@acme.com", [], "2026-08-29T23:59:59Z"),
            message("late_today", "x@acme.com", [], "2026-11-27T23:59:00Z"),
        ]
    )

    assert result.loc["A1", "emails_90d"] == 2
    assert result.loc["A1", "last_email_at"] == pd.Timestamp("2026-11-27T23:59:00Z")


def test_lookalike_domains_do_not_match() -> None:
    result = touches(
        [message("m1", "x@notacme.com", ["y@acme.com.evil.io"], "2026-11-20T09:00:00Z")]
    )

    assert result.loc["A1", "emails_90d"] == 0


def test_no_mail_gives_every_key_account_a_row() -> None:
    result = touches([])

    assert list(result.index) == ["A1", "A2", "A3"]
    assert result["emails_90d"].tolist() == [0, 0, 0]


def test_missing_required_column_is_named() -> None:
    frame = pd.DataFrame(columns=[c for c in MESSAGE_COLUMNS if c != "recipients"])

    with pytest.raises(ValueError, match=r"messages.*recipients"):
        last_email_touch(frame, CONTACTS, KEY_ACCOUNTS, today=TODAY)
