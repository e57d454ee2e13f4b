"""Key-account selection as a KAM sees it: who is in, why, and with what revenue and pipeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from transforms import select_key_accounts

TODAY = dt.date(2026, 11, 27)


def make_accounts(*ids: str, **columns: list[Any]) -> pd.DataFrame:
    """Accounts named after their ids, owned by U1, with optional extra columns."""
    frame = pd.DataFrame(
        {
            "Id": list(ids),
            "Name": [f"Account {account_id}" for account_id in ids],
            "Website": [None] * len(ids),
            "OwnerId": ["U1"] * len(ids),
            "Industry": ["Energy"] * len(ids),
            "AnnualRevenue": [None] * len(ids),
        }
    )
    return frame.assign(**columns)


def make_opportunities(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Opportunities, closed-won on 2026-06-01 unless a row says otherwise."""
    defaults = {
        "Name": "Deal",
        "StageName": "Closed Won",
        "Probability": 100,
        "CloseDate": "2026-06-01",
        "IsClosed": True,
        "IsWon": True,
        "OwnerId": "U1",
    }
    records = [{**defaults, "Id": f"O{n}", **row} for n, row in enumerate(rows)]
    columns = ["Id", "AccountId", "Amount", *defaults]
    return pd.DataFrame(records, columns=columns)


def won(account_id: str, amount: float | None, **overrides: object) -> dict[str, object]:
    return {"AccountId": account_id, "Amount": amount, **overrides}


USERS = pd.DataFrame(
    {
        "Id": ["U1", "U2"],
        "Name": ["Ann Kam", "Bo Kam"],
        "Email": ["ann@contoso.com", "bo@contoso.com"],
        "IsActive": [True, True],
    }
)


def select(accounts: pd.DataFrame, opportunities: pd.DataFrame, **options: Any) -> pd.DataFrame:
    return select_key_accounts(accounts, opportunities, USERS, today=TODAY, **options)


def test_top_80_percent_of_revenue_includes_the_account_that_crosses_the_line() -> None:
    accounts = make_accounts("A", "B", "C", "D", "E")
    opportunities = make_opportunities(
        [won("A", 500), won("B", 200), won("C", 150), won("D", 100), won("E", 50)]
    )

    key_accounts = select(accounts, opportunities)

    assert list(key_accounts["account_id"]) == ["A", "B", "C"]
    assert list(key_accounts["cumulative_share"]) == pytest.approx([0.5, 0.7, 0.85])
    assert list(key_accounts["revenue_share"]) == pytest.approx([0.5, 0.2, 0.15])
    assert set(key_accounts["reason"]) == {"top revenue"}


def test_account_that_reaches_the_threshold_exactly_is_the_last_one_in() -> None:
    accounts = make_accounts("A", "B", "C", "D")
    # Shares 0.7 + 0.1 sum to 0.7999999999999999 in floating point: still "reaches" 80 %.
    opportunities = make_opportunities([won("A", 10), won("B", 70), won("C", 10), won("D", 10)])

    key_accounts = select(accounts, opportunities)

    assert list(key_accounts["account_id"]) == ["B", "A"]


def test_lost_open_old_and_future_revenue_do_not_count() -> None:
    accounts = make_accounts("A", "LOST", "OPEN", "OLD", "FUTURE", "EDGE")
    opportunities = make_opportunities(
        [
            won("A", 100),
            won("LOST", 10_000, IsWon=False, StageName="Closed Lost"),
            won("OPEN", 10_000, IsClosed=False, IsWon=False, Probability=90),
            won("OLD", 10_000, CloseDate="2025-11-27"),  # exactly 365 days ago: outside
            won("FUTURE", 10_000, CloseDate="2026-11-28"),
            won("EDGE", 50, CloseDate="2025-11-28"),  # 364 days ago: inside
        ]
    )

    key_accounts = select(accounts, opportunities, revenue_share=1.0)

    assert list(key_accounts["account_id"]) == ["A", "EDGE"]
    assert list(key_accounts["t12m_revenue"]) == [100.0, 50.0]


def test_crm_flag_and_config_add_accounts_and_exclusions_win() -> None:
    accounts = make_accounts("A", "B", "FLAG", "CONF", Key_Account__c=[False, None, True, False])
    opportunities = make_opportunities([won("A", 900), won("B", 100)])

    key_accounts = select(accounts, opportunities, include_ids=["CONF"], exclude_ids=["B"])

    reasons = dict(zip(key_accounts["account_id"], key_accounts["reason"], strict=True))
    assert reasons == {"A": "top revenue", "FLAG": "flagged in CRM", "CONF": "included in config"}


def test_first_applicable_reason_is_given() -> None:
    accounts = make_accounts("A", "B", Key_Account__c=[True, True])
    opportunities = make_opportunities([won("A", 900), won("B", 100)])

    key_accounts = select(accounts, opportunities, include_ids=["B"])

    assert list(key_accounts["reason"]) == ["top revenue", "flagged in CRM"]


def test_flag_field_is_optional_and_can_be_renamed() -> None:
    accounts = make_accounts("A", "B", Strategic__c=[None, "true"])
    opportunities = make_opportunities([won("A", 100)])

    default_field = select(accounts, opportunities)
    renamed_field = select(accounts, opportunities, flag_field="Strategic__c")
    no_field = select(accounts, opportunities, flag_field=None)

    assert list(default_field["account_id"]) == ["A"]
    assert list(renamed_field["account_id"]) == ["A", "B"]
    assert list(no_field["account_id"]) == ["A"]


def test_rows_carry_owner_domain_and_open_pipeline() -> None:
    accounts = make_accounts("A", Website=["https://www.Acme.com/about"], OwnerId=["U2"])
    opportunities = make_opportunities(
        [
            won("A", 1000),
            won("A", 400, IsClosed=False, IsWon=False, Probability=50),
            won("A", 100, IsClosed=False, IsWon=False, Probability=10),
            won("A", None, IsClosed=False, IsWon=False, Probability=10),
        ]
    )

    row = select(accounts, opportunities).iloc[0]

    assert (row["domain"], row["owner_name"], row["owner_email"]) == (
        "acme.com",
        "Bo Kam",
        "bo@contoso.com",
    )
    assert row["open_pipeline"] == 500.0
    assert row["weighted_pipeline"] == pytest.approx(210.0)
    assert row["open_opportunities"] == 3


def test_owner_missing_from_users_leaves_owner_blank() -> None:
    accounts = make_accounts("A", OwnerId=["U404"])
    row = select(accounts, make_opportunities([won("A", 1)])).iloc[0]

    assert row["owner_email"] is None
    assert row["owner_name"] is None


def test_no_revenue_at_all_gives_only_flagged_accounts() -> None:
    accounts = make_accounts("A", "B", Key_Account__c=[False, True])

    key_accounts = select(accounts, make_opportunities([]))

    assert list(key_accounts["account_id"]) == ["B"]
    assert key_accounts["revenue_share"].tolist() == [0.0]


def test_empty_mirror_gives_empty_frame_with_all_columns() -> None:
    key_accounts = select(make_accounts(), make_opportunities([]))

    assert key_accounts.empty
    assert "weighted_pipeline" in key_accounts.columns
    assert "owner_email" in key_accounts.columns


def test_missing_required_column_is_named() -> None:
    opportunities = make_opportunities([won("A", 1)]).drop(columns=["CloseDate"])

    with pytest.raises(ValueError, match=r"opportunities.*CloseDate"):
        select(make_accounts("A"), opportunities)


def test_revenue_share_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="revenue_share"):
        select(make_accounts("A"), make_opportunities([]), revenue_share=80)
