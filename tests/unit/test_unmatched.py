"""The unmatched-correspondent queue: who writes to KAMs repeatedly and matches no account."""

from __future__ import annotations

from typing import Any

import pandas as pd

from transforms.attribution import Attribution, attribute
from transforms.unmatched import UNMATCHED_COLUMNS

KAM, OTHER = "kim@us.example", "pat@us.example"
ACCOUNTS = pd.DataFrame([{"Id": "A1", "Website": "acme.example"}])
CONTACTS = pd.DataFrame([{"Id": "C1", "AccountId": "A1", "Email": "ann@acme.example"}])


def mail(number: int, sender: str, recipient: str, *, mailbox: str = KAM, **more: Any) -> dict:
    return {
        "id": f"m{number}",
        "mailbox": mailbox,
        "internet_message_id": f"<{number}@x>",
        "conversation_id": more.get("conversation", f"c{number}"),
        "sender": sender,
        "recipients": [recipient, *more.get("cc", [])],
        "received_at": f"2026-11-{number + 1:02d}T10:00:00Z",
        "sent_at": None,
    }


def queue(mails: list[dict[str, Any]], mailboxes: tuple[str, ...] = ()) -> pd.DataFrame:
    result: Attribution = attribute(
        pd.DataFrame(mails),
        pd.DataFrame(columns=["id", "mailbox", "ical_uid", "organizer", "attendees", "start"]),
        ACCOUNTS,
        CONTACTS,
        pd.DataFrame(columns=["OpportunityId", "ContactId"]),
        pd.DataFrame(columns=["Id", "AccountId", "IsClosed"]),
        pd.DataFrame([{"Id": "U1", "Email": KAM}, {"Id": "U2", "Email": OTHER}]),
        mailboxes=mailboxes,
    )
    return result.unmatched


def test_a_repeated_unknown_correspondent_is_queued_with_counts_and_a_suggested_name() -> None:
    found = queue([mail(n, "jane.doe42@gmail.com", KAM) for n in range(3)])
    assert tuple(found.columns) == UNMATCHED_COLUMNS
    row = found.iloc[0]
    assert (row["address"], row["domain"], row["items"]) == ("jane.doe42@gmail.com", "gmail.com", 3)
    assert row["mailboxes"] == [KAM]
    assert (row["suggested_first_name"], row["suggested_last_name"]) == ("Jane", "Doe")
    assert row["first_seen"] == pd.Timestamp("2026-11-01T10:00:00Z")
    assert row["last_seen"] == pd.Timestamp("2026-11-03T10:00:00Z")
    assert "3 items" in row["reason"]


def test_one_mail_is_not_enough_to_be_queued() -> None:
    assert queue([mail(0, "jane.doe@gmail.com", KAM)]).empty


def test_known_contacts_domains_and_robots_are_not_queued() -> None:
    mails = [mail(n, sender, KAM) for n, sender in enumerate(["ann@acme.example"] * 2)]
    mails += [mail(n + 2, "new@acme.example", KAM) for n in range(2)]
    mails += [mail(n + 4, "no-reply@robot.example", KAM) for n in range(2)]
    assert queue(mails).empty


def test_the_likely_account_comes_from_the_thread_they_write_in() -> None:
    mails = [
        mail(0, "ann@acme.example", KAM, conversation="T"),
        mail(1, "jane@gmail.com", KAM, conversation="T"),
        mail(2, KAM, "jane@gmail.com", conversation="T"),
    ]
    row = queue(mails).iloc[0]
    assert (row["address"], row["likely_account_id"], row["likely_by"]) == (
        "jane@gmail.com",
        "A1",
        "thread",
    )
    assert pd.isna(row["suggested_first_name"])  # "jane" alone names no one


def test_a_look_alike_of_an_accounts_domain_suggests_that_account() -> None:
    row = queue([mail(n, "bo@acme-uk.example", KAM) for n in range(2)]).iloc[0]
    assert (row["likely_account_id"], row["likely_by"]) == ("A1", "domain")


def test_only_mail_in_the_kam_mailboxes_counts_when_they_are_given() -> None:
    mails = [mail(n, "jane.doe@gmail.com", OTHER, mailbox=OTHER) for n in range(3)]
    assert queue(mails, mailboxes=(KAM,)).empty
    assert len(queue(mails, mailboxes=(OTHER,))) == 1
