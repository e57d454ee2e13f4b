"""Client mail waiting for a reply: same-conversation replies, business hours, reply SLA."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from transforms.attribution import ATTRIBUTION_COLUMNS
from transforms.business_hours import BusinessCalendar
from transforms.engagement import UNANSWERED_COLUMNS, account_engagement, unanswered_mail

LONDON = BusinessCalendar("Europe/London", "GB", "ENG")
# Friday 4 December 2026, 16:00 in New York (the default calendar): one business hour left.
FRIDAY_4PM_NY = pd.Timestamp("2026-12-04T21:00:00Z")
MONDAY_4PM_NY = dt.datetime(2026, 12, 7, 21, 0, tzinfo=dt.UTC)
MONDAY_3PM_NY = dt.datetime(2026, 12, 7, 20, 0, tzinfo=dt.UTC)
TOUCH_COLUMNS = list(ATTRIBUTION_COLUMNS)
MESSAGE_COLUMNS = [
    "id",
    "mailbox",
    "folder",
    "internet_message_id",
    "conversation_id",
    "subject",
    "sender",
    "recipients",
    "received_at",
    "sent_at",
]


def mail(
    item: str,
    direction: str,
    at: pd.Timestamp,
    conversation: str = "conv1",
    account: str = "A1",
    mailbox: str = "kam@us.com",
) -> dict[str, object]:
    return {
        "source": "mail",
        "item_id": f"{mailbox}/{item}",
        "internet_message_id": f"<{item}@mail>",
        "ical_uid": None,
        "mailbox": mailbox,
        "occurred_at": at,
        "account_id": account,
        "rule": "contact",
        "confidence": 0.99,
        "evidence": "contact",
        "direction": direction,
        "client_addresses": ["ann@client.com"],
        "conversation_id": conversation,
    }


def copy(
    item: str,
    at: pd.Timestamp,
    *,
    folder: str = "inbox",
    sender: str = "ann@client.com",
    conversation: str = "conv1",
    mailbox: str = "kam@us.com",
) -> dict[str, object]:
    stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "id": f"{mailbox}/{item}",
        "mailbox": mailbox,
        "folder": folder,
        "internet_message_id": f"<{item}@mail>",
        "conversation_id": conversation,
        "subject": f"About {item}",
        "sender": sender,
        "recipients": [mailbox],
        "received_at": stamp,
        "sent_at": stamp,
    }


def waiting(
    touches: list[dict[str, object]],
    messages: list[dict[str, object]],
    now: dt.datetime = MONDAY_4PM_NY,
    **kwargs: object,
) -> pd.DataFrame:
    return unanswered_mail(
        pd.DataFrame(touches, columns=TOUCH_COLUMNS),
        pd.DataFrame(messages, columns=MESSAGE_COLUMNS),
        now=now,
        **kwargs,  # type: ignore[arg-type]
    )


def test_listed_once_eight_business_hours_have_passed() -> None:
    touches, messages = [mail("q", "inbound", FRIDAY_4PM_NY)], [copy("q", FRIDAY_4PM_NY)]

    late = waiting(touches, messages)
    not_yet = waiting(touches, messages, now=MONDAY_3PM_NY)

    assert tuple(late.columns) == UNANSWERED_COLUMNS
    assert late.iloc[0].to_dict() == {
        "account_id": "A1",
        "mailbox": "kam@us.com",
        "internet_message_id": "<q@mail>",
        "conversation_id": "conv1",
        "subject": "About q",
        "sender": "ann@client.com",
        "received_at": FRIDAY_4PM_NY,
        "business_hours_waiting": 8.0,
        "reply_sla_hours": 8.0,
    }
    assert not_yet.empty


def test_a_later_reply_in_the_conversation_from_sent_items_answers_it() -> None:
    reply_at = FRIDAY_4PM_NY + pd.Timedelta(hours=1)
    messages = [
        copy("q", FRIDAY_4PM_NY),
        copy("r", reply_at, folder="sentitems", sender="colleague@us.com", mailbox="bo@us.com"),
    ]

    assert waiting([mail("q", "inbound", FRIDAY_4PM_NY)], messages).empty


def test_a_reply_sent_from_a_mirrored_mailbox_answers_it_even_without_the_sent_copy() -> None:
    reply_at = FRIDAY_4PM_NY + pd.Timedelta(hours=1)
    messages = [copy("q", FRIDAY_4PM_NY), copy("r", reply_at, sender="kam@us.com")]

    assert waiting([mail("q", "inbound", FRIDAY_4PM_NY)], messages).empty


def test_an_attributed_outbound_mail_answers_it() -> None:
    touches = [
        mail("q", "inbound", FRIDAY_4PM_NY),
        mail("r", "outbound", FRIDAY_4PM_NY + pd.Timedelta(minutes=5)),
    ]

    assert waiting(touches, [copy("q", FRIDAY_4PM_NY)]).empty


def test_an_earlier_outbound_or_one_in_another_conversation_does_not_answer_it() -> None:
    before = FRIDAY_4PM_NY - pd.Timedelta(hours=1)
    after = FRIDAY_4PM_NY + pd.Timedelta(hours=1)
    messages = [
        copy("q", FRIDAY_4PM_NY),
        copy("old", before, folder="sentitems", sender="kam@us.com"),
        copy("other", after, folder="sentitems", sender="kam@us.com", conversation="conv2"),
    ]

    late = waiting([mail("q", "inbound", FRIDAY_4PM_NY)], messages)

    assert late["internet_message_id"].tolist() == ["<q@mail>"]


def test_mail_to_a_shared_mailbox_counts_too() -> None:
    touches = [mail("q", "inbound", FRIDAY_4PM_NY, mailbox="support@us.com")]

    late = waiting(touches, [copy("q", FRIDAY_4PM_NY, mailbox="support@us.com")])

    assert late["mailbox"].tolist() == ["support@us.com"]


def test_waiting_runs_in_the_accounts_own_calendar_and_holidays() -> None:
    # Thu 24 Dec 16:00 London; Christmas and the Boxing Day substitute (Mon 28) are off in England.
    received = pd.Timestamp("2026-12-24T16:00:00Z")
    now = dt.datetime(2026, 12, 29, 15, 0, tzinfo=dt.UTC)
    touches, messages = [mail("q", "inbound", received)], [copy("q", received)]

    in_london = waiting(touches, messages, now=now, calendars={"A1": LONDON})
    by_callable = waiting(touches, messages, now=now, calendars=lambda account: LONDON)
    by_default = waiting(touches, messages, now=now)
    london_hours = waiting(touches, messages, now=now, calendars={"A1": LONDON}, reply_sla_hours=1)

    assert in_london.empty and by_callable.empty
    assert by_default["business_hours_waiting"].tolist() == [15.0]
    assert london_hours["business_hours_waiting"].tolist() == [7.0]


def test_the_reply_sla_is_configurable_and_old_mail_is_left_out() -> None:
    old = FRIDAY_4PM_NY - pd.Timedelta(days=40)
    touches = [mail("q", "inbound", FRIDAY_4PM_NY), mail("o", "inbound", old, conversation="c2")]
    messages = [copy("q", FRIDAY_4PM_NY), copy("o", old, conversation="c2")]

    late = waiting(touches, messages, reply_sla_hours=9)
    long_lookback = waiting(touches, messages, reply_sla_hours=9, lookback_days=60)

    assert late.empty
    assert long_lookback["internet_message_id"].tolist() == ["<o@mail>"]


def test_only_the_given_key_accounts_are_listed() -> None:
    touches = [mail("q", "inbound", FRIDAY_4PM_NY, account="NOT_KEY")]

    assert waiting(touches, [copy("q", FRIDAY_4PM_NY)], account_ids=["A1"]).empty


def test_the_count_lands_in_the_engagement_row() -> None:
    touches = pd.DataFrame([mail("q", "inbound", FRIDAY_4PM_NY)], columns=TOUCH_COLUMNS)
    late = waiting([mail("q", "inbound", FRIDAY_4PM_NY)], [copy("q", FRIDAY_4PM_NY)])
    key_accounts = pd.DataFrame(
        {"account_id": ["A1"], "account_name": ["Acme"], "reason": ["top revenue"]}
    )

    row = account_engagement(touches, key_accounts, now=MONDAY_4PM_NY, unanswered=late).iloc[0]

    assert row["unanswered"] == 1
    assert row["reason"].endswith("1 client mail unanswered")


def test_no_mail_gives_an_empty_frame_with_the_contract_columns() -> None:
    result = waiting([], [])

    assert tuple(result.columns) == UNANSWERED_COLUMNS
    assert result.empty


def test_a_non_positive_sla_is_refused() -> None:
    with pytest.raises(ValueError, match="reply_sla_hours"):
        waiting([], [], reply_sla_hours=0)
