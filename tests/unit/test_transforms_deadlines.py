"""Deadlines of key accounts: which tasks, closes and renewals a KAM sees, when, and how late."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
import pytest

from transforms import collect_deadlines

Row = dict[str, object]
TODAY = dt.date(2026, 11, 27)
KEY_ACCOUNTS = pd.DataFrame(
    {
        "account_id": ["A1", "A2"],
        "account_name": ["Acme", "Beta"],
        "owner_email": ["ann@contoso.com", "bo@contoso.com"],
    }
)
TASK_COLUMNS = ["Id", "AccountId", "WhatId", "Subject", "ActivityDate", "Status", "IsClosed"]
OPPORTUNITY_COLUMNS = ["Id", "AccountId", "Name", "StageName", "Amount", "CloseDate", "IsClosed"]
CONTRACT_COLUMNS = ["Id", "AccountId", "ContractNumber", "Status", "EndDate", "OwnerId"]


def day(offset: int) -> str:
    """Salesforce date string `offset` days from TODAY."""
    return (TODAY + dt.timedelta(days=offset)).isoformat()


def task(task_id: str, due_in: int, account: str | None = "A1", **fields: object) -> Row:
    defaults = {"WhatId": None, "Subject": f"Call {task_id}", "Status": "Open", "IsClosed": False}
    return {"Id": task_id, "AccountId": account, "ActivityDate": day(due_in), **defaults, **fields}


def opportunity(opp_id: str, close_in: int, account: str = "A1", **fields: object) -> Row:
    defaults = {"Name": f"Deal {opp_id}", "StageName": "Proposal", "Amount": 1000.0}
    return {
        "Id": opp_id,
        "AccountId": account,
        "CloseDate": day(close_in),
        "IsClosed": False,
        **defaults,
        **fields,
    }


def contract(contract_id: str, ends_in: int, account: str = "A1", **fields: object) -> Row:
    defaults = {"ContractNumber": f"000{contract_id}", "Status": "Activated", "OwnerId": "U1"}
    return {"Id": contract_id, "AccountId": account, "EndDate": day(ends_in), **defaults, **fields}


def deadlines_for(
    tasks: Sequence[Row] = (),
    opportunities: Sequence[Row] = (),
    contracts: Sequence[Row] = (),
    **options: int,
) -> pd.DataFrame:
    return collect_deadlines(
        KEY_ACCOUNTS,
        pd.DataFrame(list(tasks), columns=TASK_COLUMNS),
        pd.DataFrame(list(opportunities), columns=OPPORTUNITY_COLUMNS),
        pd.DataFrame(list(contracts), columns=CONTRACT_COLUMNS),
        today=TODAY,
        **options,
    )


def test_each_kind_is_described_for_the_kam() -> None:
    deadlines = deadlines_for(
        tasks=[task("T1", 3)],
        opportunities=[opportunity("O1", 10, account="A2")],
        contracts=[contract("C1", 100)],
    )

    rows = {row["kind"]: row for row in deadlines.to_dict("records")}
    assert rows["task"]["title"] == "Call T1"
    assert rows["task"]["due_date"] == TODAY + dt.timedelta(days=3)
    assert rows["task"]["deadline_key"] == "Task:T1:task"
    assert rows["task"]["record_path"] == "/lightning/r/Task/T1/view"
    assert rows["task"]["amount"] is None
    assert rows["opportunity_close"]["title"] == "Close: Deal O1"
    assert rows["opportunity_close"]["amount"] == 1000.0
    assert rows["opportunity_close"]["owner_email"] == "bo@contoso.com"
    assert rows["opportunity_close"]["account_name"] == "Beta"
    end = TODAY + dt.timedelta(days=100)
    assert rows["contract_renewal"]["title"] == f"Renewal notice: contract 000C1 ends {end}"
    assert rows["contract_renewal"]["due_date"] == end - dt.timedelta(days=90)
    assert rows["contract_renewal"]["days_left"] == 10
    assert rows["contract_renewal"]["sobject"] == "Contract"


def test_horizon_includes_its_last_day_and_not_the_next() -> None:
    deadlines = deadlines_for(
        tasks=[task("EDGE", 30), task("AFTER", 31)],
        opportunities=[opportunity("EDGE", 30), opportunity("AFTER", 31)],
        contracts=[contract("EDGE", 120), contract("AFTER", 121)],
    )

    assert sorted(deadlines["sf_id"]) == ["EDGE", "EDGE", "EDGE"]


def test_horizon_and_notice_period_are_parameters() -> None:
    deadlines = deadlines_for(
        tasks=[task("T1", 10)],
        contracts=[contract("C1", 40)],
        horizon_days=10,
        renewal_notice_days=30,
    )

    assert set(deadlines["sf_id"]) == {"T1", "C1"}
    assert deadlines.set_index("sf_id").loc["C1", "days_left"] == 10


def test_overdue_open_items_are_kept_with_negative_days_left() -> None:
    deadlines = deadlines_for(
        tasks=[task("LATE", -5), task("TODAY", 0)],
        opportunities=[opportunity("SLIPPED", -40)],
    )

    by_id = deadlines.set_index("sf_id")
    assert by_id.loc["LATE", "days_left"] == -5
    assert bool(by_id.loc["LATE", "overdue"]) is True
    assert bool(by_id.loc["TODAY", "overdue"]) is False
    assert bool(by_id.loc["SLIPPED", "overdue"]) is True


def test_renewal_whose_notice_date_passed_stays_due_until_the_contract_ends() -> None:
    deadlines = deadlines_for(
        contracts=[contract("LATE", 60), contract("LAST", 0), contract("ENDED", -1)]
    )

    by_id = deadlines.set_index("sf_id")
    assert set(by_id.index) == {"LATE", "LAST"}
    assert by_id.loc["LATE", "days_left"] == -30
    assert bool(by_id.loc["LATE", "overdue"]) is True
    assert by_id.loc["LATE", "due_date"] == TODAY - dt.timedelta(days=30)


def test_closed_items_and_draft_contracts_are_ignored() -> None:
    deadlines = deadlines_for(
        tasks=[task("DONE", 1, IsClosed=True, Status="Completed")],
        opportunities=[opportunity("WON", 1, IsClosed=True, StageName="Closed Won")],
        contracts=[contract("DRAFT", 30, Status="Draft")],
    )

    assert deadlines.empty


def test_only_key_accounts_count_and_tasks_can_point_at_them_through_what_id() -> None:
    deadlines = deadlines_for(
        tasks=[task("OTHER", 1, account="Z9"), task("VIA_WHAT", 1, account=None, WhatId="A2")],
        opportunities=[opportunity("OTHER", 1, account="Z9")],
        contracts=[contract("OTHER", 30, account="Z9")],
    )

    assert list(deadlines["sf_id"]) == ["VIA_WHAT"]
    assert deadlines["account_name"].tolist() == ["Beta"]


def test_sorted_by_due_date_then_account() -> None:
    deadlines = deadlines_for(
        tasks=[task("LATER", 9), task("BETA", 2, account="A2"), task("ACME", 2)],
    )

    assert list(deadlines["sf_id"]) == ["ACME", "BETA", "LATER"]


def test_task_without_due_date_is_not_a_deadline() -> None:
    undated = task("UNDATED", 0, ActivityDate=None)

    assert deadlines_for(tasks=[undated]).empty


def test_no_records_gives_empty_frame_with_columns() -> None:
    deadlines = deadlines_for()

    assert deadlines.empty
    assert {"deadline_key", "due_date", "overdue", "owner_email"} <= set(deadlines.columns)


def test_missing_required_column_is_named() -> None:
    contracts = pd.DataFrame([contract("C1", 30)]).drop(columns=["EndDate"])

    with pytest.raises(ValueError, match=r"contracts.*EndDate"):
        collect_deadlines(
            KEY_ACCOUNTS,
            pd.DataFrame(columns=TASK_COLUMNS),
            pd.DataFrame(columns=OPPORTUNITY_COLUMNS),
            contracts,
            today=TODAY,
        )
