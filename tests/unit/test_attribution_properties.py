"""Hypothesis invariants of attribution: internal mail stays out, one row per item and account."""

from __future__ import annotations

from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.attribution import attribute

PROPERTIES = settings(derandomize=True, deadline=None, max_examples=60)
INTERNAL = ("kim@us.example", "lee@us.example", "sales@us.example")
EXTERNAL = (
    "ann@acme.example",
    "bob@acme.example",
    "cy@beta.example",
    "x@gmail.com",
    "no-reply@robot.example",
    "jo@branch.example",
)
ADDRESSES = st.sampled_from(INTERNAL + EXTERNAL)
ACCOUNTS = pd.DataFrame(
    [
        {"Id": "A1", "Website": "acme.example", "ParentId": None},
        {"Id": "A2", "Website": "beta.example", "ParentId": "A1"},
    ]
)
CONTACTS = pd.DataFrame(
    [
        {"Id": "C1", "AccountId": "A1", "Email": "ann@acme.example", "CreatedDate": "2025-01-01"},
        {"Id": "C2", "AccountId": "A2", "Email": "ann@acme.example", "CreatedDate": "2026-06-01"},
        {"Id": "C3", "AccountId": "A2", "Email": "jo@branch.example", "CreatedDate": None},
    ]
)
USERS = pd.DataFrame([{"Id": "U1", "Email": address} for address in INTERNAL])


@st.composite
def mailboxes_of_mail(draw: st.DrawFn) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for number in range(draw(st.integers(0, 12))):
        sender = draw(ADDRESSES)
        recipients = draw(st.lists(ADDRESSES, min_size=0, max_size=3))
        day = draw(st.integers(1, 28))
        for mailbox in draw(st.lists(st.sampled_from(INTERNAL), min_size=1, max_size=3)):
            rows.append(
                {
                    "id": f"{number}-{mailbox}",
                    "mailbox": mailbox,
                    "folder": "inbox",
                    "internet_message_id": f"<{number}@x>",
                    "conversation_id": f"c{draw(st.integers(0, 3))}",
                    "sender": sender,
                    "recipients": recipients,
                    "received_at": f"2026-0{draw(st.integers(1, 9))}-{day:02d}T10:00:00Z",
                    "sent_at": None,
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            *("id", "mailbox", "folder", "internet_message_id", "conversation_id"),
            *("sender", "recipients", "received_at", "sent_at"),
        ],
    )


def run(messages: pd.DataFrame) -> Any:
    events = pd.DataFrame(columns=["id", "mailbox", "ical_uid", "organizer", "attendees", "start"])
    roles = pd.DataFrame(columns=["OpportunityId", "ContactId"])
    opportunities = pd.DataFrame(columns=["Id", "AccountId", "IsClosed"])
    return attribute(messages, events, ACCOUNTS, CONTACTS, roles, opportunities, USERS)


def people_of(messages: pd.DataFrame) -> dict[str, set[str]]:
    """Message id -> everyone on it (every copy lists the same people)."""
    return {
        message_id: {sender, *recipients}
        for message_id, sender, recipients in zip(
            messages["internet_message_id"], messages["sender"], messages["recipients"], strict=True
        )
    }


def internal_only_ids(messages: pd.DataFrame) -> set[str]:
    return {key for key, people in people_of(messages).items() if people <= set(INTERNAL)}


@PROPERTIES
@given(mailboxes_of_mail())
def test_internal_only_mail_is_never_attributed(messages: pd.DataFrame) -> None:
    result = run(messages)
    internal = internal_only_ids(messages)
    assert not internal & set(result.items["internet_message_id"])
    excluded = result.exclusions
    assert internal == set(
        excluded.loc[excluded["reason"] == "internal only", "internet_message_id"]
    )


@PROPERTIES
@given(mailboxes_of_mail())
def test_each_item_and_account_is_one_row_and_never_also_excluded(messages: pd.DataFrame) -> None:
    result = run(messages)
    items = result.items
    assert not items.duplicated(["internet_message_id", "account_id"]).any()
    assert not set(items["internet_message_id"]) & set(result.exclusions["internet_message_id"])
    assert items["confidence"].between(0, 1).all()
    assert set(items["internet_message_id"]) <= set(messages["internet_message_id"])


@PROPERTIES
@given(mailboxes_of_mail())
def test_client_addresses_are_external_people_on_the_item(messages: pd.DataFrame) -> None:
    result = run(messages)
    people = people_of(messages)
    for message_id, addresses in zip(
        result.items["internet_message_id"], result.items["client_addresses"], strict=True
    ):
        assert addresses
        assert set(addresses) <= people[message_id] - set(INTERNAL)
