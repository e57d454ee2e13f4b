"""Engagement per key account: last touches, counts, tier cadence and state, from attribution."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.attribution import ATTRIBUTION_COLUMNS
from transforms.engagement import ENGAGEMENT_COLUMNS, account_engagement

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
KEY_ACCOUNTS = pd.DataFrame(
    {
        "account_id": ["A1", "A2", "A3"],
        "account_name": ["Acme", "Beta", "Gamma"],
        "reason": ["flagged in CRM", "top revenue", "top revenue"],
    }
)
TOUCH_COLUMNS = list(ATTRIBUTION_COLUMNS)


def touch(
    item: str,
    account: str,
    direction: str,
    days_ago: float,
    addresses: tuple[str, ...] = ("x@client.com",),
    mailbox: str = "kam@us.com",
) -> dict[str, object]:
    is_mail = direction != "meeting"
    return {
        "source": "mail" if is_mail else "event",
        "item_id": f"{mailbox}/{item}",
        "internet_message_id": f"<{item}@mail>" if is_mail else None,
        "ical_uid": None if is_mail else f"uid-{item}",
        "mailbox": mailbox,
        "occurred_at": pd.Timestamp(NOW) - pd.Timedelta(days=days_ago),
        "account_id": account,
        "rule": "contact",
        "confidence": 0.99,
        "evidence": "contact",
        "direction": direction,
        "client_addresses": list(addresses),
        "conversation_id": f"conv-{item}",
    }


def engagement(rows: list[dict[str, object]], **kwargs: object) -> pd.DataFrame:
    touches = pd.DataFrame(rows, columns=TOUCH_COLUMNS)
    result = account_engagement(touches, KEY_ACCOUNTS, now=NOW, **kwargs)  # type: ignore[arg-type]
    return result.set_index("account_id")


def test_last_mail_each_way_last_meeting_held_and_next_meeting() -> None:
    result = engagement(
        [
            touch("in1", "A1", "inbound", 3),
            touch("in2", "A1", "inbound", 1),
            touch("out1", "A1", "outbound", 2),
            touch("met", "A1", "meeting", 10),
            touch("soon", "A1", "meeting", -2),
            touch("later", "A1", "meeting", -9),
        ]
    )

    row = result.loc["A1"]
    assert row["last_inbound_at"] == pd.Timestamp(NOW) - pd.Timedelta(days=1)
    assert row["last_outbound_at"] == pd.Timestamp(NOW) - pd.Timedelta(days=2)
    assert row["last_meeting_at"] == pd.Timestamp(NOW) - pd.Timedelta(days=10)
    assert row["next_meeting_at"] == pd.Timestamp(NOW) + pd.Timedelta(days=2)
    assert row["touches_30d"] == 4  # the meetings still to come are not touches
    assert row["days_since_touch"] == 1


def test_counts_in_30_and_90_days_with_distinct_client_people() -> None:
    result = engagement(
        [
            touch("m1", "A2", "inbound", 5, ("ann@beta.com", "bob@beta.com")),
            touch("m2", "A2", "outbound", 20, ("ann@beta.com",)),
            touch("m3", "A2", "inbound", 60, ("cy@beta.com",)),
            touch("m4", "A2", "inbound", 100, ("dan@beta.com",)),
        ]
    )

    row = result.loc["A2"]
    assert (row["touches_30d"], row["touches_90d"]) == (2, 3)
    assert (row["contacts_30d"], row["contacts_90d"]) == (2, 3)


def test_a_mail_in_two_mailboxes_is_one_touch() -> None:
    result = engagement(
        [touch("m1", "A2", "inbound", 5), touch("m1", "A2", "inbound", 5, mailbox="team@us.com")]
    )

    assert result.loc["A2", "touches_30d"] == 1


def test_flagged_accounts_are_strategic_on_14_days_others_key_on_30() -> None:
    result = engagement([touch("m1", "A1", "inbound", 20), touch("m2", "A2", "inbound", 20)])

    assert list(result.loc["A1", ["tier", "cadence_days", "state"]]) == [
        "strategic",
        14,
        "slipping",
    ]
    assert list(result.loc["A2", ["tier", "cadence_days", "state"]]) == ["key", 30, "on track"]


def test_crm_flag_makes_a_top_revenue_account_strategic() -> None:
    accounts = pd.DataFrame({"Id": ["A2", "A3"], "Key_Account__c": [True, None]})

    result = engagement([], accounts=accounts)

    assert result["tier"].to_dict() == {"A1": "strategic", "A2": "strategic", "A3": "key"}


def test_a_custom_tier_field_names_the_tier_when_configured() -> None:
    accounts = pd.DataFrame({"Id": ["A1", "A2", "A3"], "Tier__c": [" Watch ", "Gold", None]})

    result = engagement(
        [touch("m1", "A1", "inbound", 8)],
        accounts=accounts,
        tier_field="Tier__c",
        cadence_days={"strategic": 14, "key": 30, "watch": 7},
    )

    assert result["tier"].to_dict() == {"A1": "watch", "A2": "key", "A3": "key"}
    assert list(result.loc["A1", ["cadence_days", "state"]]) == [7, "slipping"]


@pytest.mark.parametrize(
    ("days_ago", "state"),
    [(14, "on track"), (15, "slipping"), (28, "slipping"), (29, "cold"), (400, "cold")],
)
def test_state_against_the_cadence(days_ago: float, state: str) -> None:
    result = engagement([touch("m1", "A1", "outbound", days_ago + 0.1)])

    assert result.loc["A1", "state"] == state
    assert result.loc["A1", "days_since_touch"] == days_ago


def test_never_touched_is_cold_and_says_so() -> None:
    result = engagement([])

    assert result["state"].tolist() == ["cold", "cold", "cold"]
    assert result["days_since_touch"].isna().all()
    assert result.loc["A1", "reason"] == "no mail or meeting on record (strategic cadence 14 days)"


def test_reason_says_the_last_touch_against_the_cadence_and_unanswered_mail() -> None:
    unanswered = pd.DataFrame({"account_id": ["A2", "A2"]})

    result = engagement([touch("m1", "A2", "inbound", 40)], unanswered=unanswered)

    assert result.loc["A2", "unanswered"] == 2
    assert result.loc["A2", "reason"] == (
        "slipping: last touch 40 days ago, past the 30-day key cadence; 2 client mails unanswered"
    )


def test_every_key_account_gets_one_row_in_contract_columns() -> None:
    result = account_engagement(pd.DataFrame(columns=TOUCH_COLUMNS), KEY_ACCOUNTS, now=NOW)

    assert tuple(result.columns) == ENGAGEMENT_COLUMNS
    assert result["account_id"].tolist() == ["A1", "A2", "A3"]
    assert result["touches_90d"].tolist() == [0, 0, 0]


def test_a_cadence_table_without_the_standard_tiers_is_refused() -> None:
    with pytest.raises(ValueError, match="strategic"):
        engagement([], cadence_days={"key": 30})


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        account_engagement(
            pd.DataFrame(columns=TOUCH_COLUMNS), KEY_ACCOUNTS, now=dt.datetime(2026, 11, 27)
        )


TOUCHES = st.lists(
    st.tuples(
        st.sampled_from(["A1", "A2", "A3"]),
        st.sampled_from(["inbound", "outbound", "meeting"]),
        st.floats(min_value=-60, max_value=200, allow_nan=False),
        st.sets(st.sampled_from(["a@c.com", "b@c.com", "c@c.com"]), max_size=3),
    ),
    max_size=25,
)


@settings(derandomize=True, deadline=None, max_examples=40)
@given(TOUCHES)
def test_counts_and_states_are_consistent(items: list[tuple[str, str, float, set[str]]]) -> None:
    rows = [
        touch(f"i{n}", account, direction, days, tuple(sorted(addresses)))
        for n, (account, direction, days, addresses) in enumerate(items)
    ]
    result = engagement(rows)

    assert (result["touches_30d"] <= result["touches_90d"]).all()
    assert (result["contacts_30d"] <= result["contacts_90d"]).all()
    assert (result["next_meeting_at"].dropna() > pd.Timestamp(NOW)).all()
    assert (result["last_meeting_at"].dropna() <= pd.Timestamp(NOW)).all()
    for _, row in result.iterrows():
        days, cadence = row["days_since_touch"], row["cadence_days"]
        expected = (
            "cold"
            if pd.isna(days)
            else "on track"
            if days <= cadence
            else "slipping"
            if days <= 2 * cadence
            else "cold"
        )
        assert row["state"] == expected
