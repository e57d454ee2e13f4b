"""Odd CRM values are shown safely, kept out of sums they would spoil, and listed in the
"Data issues" table with what kamsync did about them."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms import build_workbook, collect_deadlines, select_key_accounts
from transforms.data_issues import DATA_ISSUE_COLUMNS, data_issues
from transforms.engagement import ENGAGEMENT_COLUMNS

TODAY = dt.date(2026, 11, 27)
NOW = dt.datetime(2026, 11, 27, 6, 30, tzinfo=dt.UTC)
ACCOUNTS = pd.DataFrame(
    [
        {"Id": "A1", "Name": "Acme", "Website": "acme.com", "OwnerId": "U1", "Industry": "x"},
        {"Id": "A2", "Name": "=HYPERLINK(\"http://evil\")", "Website": None, "OwnerId": "U1",
         "Industry": "x"},
        {"Id": "A3", "Name": "Bell\x07 Corp", "Website": None, "OwnerId": "U1", "Industry": "x"},
    ]
)  # fmt: skip
USERS = pd.DataFrame([{"Id": "U1", "Name": "Ann", "Email": "ann@contoso.com"}])


def opportunity(opp_id: str, account: str, amount: object, close: str, **more: object) -> dict:
    return {"Id": opp_id, "AccountId": account, "Name": f"Deal {opp_id}", "Amount": amount,
            "Probability": 100, "CloseDate": close, "IsClosed": True, "IsWon": True,
            **more}  # fmt: skip


OPPORTUNITIES = pd.DataFrame(
    [
        opportunity("O1", "A1", 900.0, "2026-10-01"),
        opportunity("O2", "A2", 100.0, "2026-10-02"),
        opportunity("O3", "A2", -5000.0, "2026-10-03"),
        opportunity("O4", "A3", None, "2026-10-04"),
        opportunity("O5", "A1", 5e13, "2024-01-01"),
        opportunity("O6", "A1", 10.0, "1700-01-01", IsClosed=False, IsWon=False),
        opportunity("O7", "A1", 10.0, "0001-01-01", IsClosed=False, IsWon=False),
    ]
)


def key_accounts() -> pd.DataFrame:
    return select_key_accounts(
        ACCOUNTS, OPPORTUNITIES, USERS, today=TODAY, revenue_share=1.0, include_ids=["A3"]
    )


def test_negative_closed_won_amounts_leave_every_share_within_100_percent() -> None:
    chosen = key_accounts().set_index("account_id")
    assert chosen["revenue_share"].between(0, 1).all()
    assert chosen.loc["A2", "t12m_revenue"] == 100.0
    assert abs(chosen["revenue_share"].sum() - 1.0) < 1e-9


def test_close_dates_excel_cannot_show_are_written_as_text() -> None:
    tasks = pd.DataFrame(columns=["Id", "AccountId", "WhatId", "Subject", "ActivityDate",
                                  "IsClosed"])  # fmt: skip
    contracts = pd.DataFrame(columns=["Id", "AccountId", "ContractNumber", "Status", "EndDate"])
    accounts = key_accounts()
    deadlines = collect_deadlines(accounts, tasks, OPPORTUNITIES, contracts, today=TODAY)
    engagement = pd.DataFrame(
        columns=["account_id", "state", "last_inbound_at", "last_outbound_at", "touches_90d"]
    )
    content = build_workbook(
        accounts, deadlines, engagement, generated_at=NOW, company="C",
        data_issues=data_issues({"Opportunity": OPPORTUNITIES}),
    )  # fmt: skip
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Deadlines"]
    due = {row[8].value: row[0] for row in sheet.iter_rows(min_row=2)}
    assert (due["O7"].value, due["O7"].data_type) == ("0001-01-01", "s")
    assert (due["O6"].value, due["O6"].data_type) == ("1700-01-01", "s")


def test_the_data_issues_table_lists_each_odd_record_with_what_was_done() -> None:
    tasks = pd.DataFrame(
        [
            {"Id": "T1", "AccountId": None, "WhatId": None, "Subject": "Call", "IsClosed": False,
             "ActivityDate": "2026-12-01"},
            {"Id": "T2", "AccountId": "A1", "WhatId": "A1", "Subject": "y" * 10_000,
             "IsClosed": False, "ActivityDate": "2026-13-45"},
        ]
    )  # fmt: skip
    contacts = pd.DataFrame(
        [
            {"Id": "C1", "Name": "<script>alert(1)</script>", "Email": "a@b.com\r\nBcc: x@y.z"},
            {"Id": "C2", "Name": "Ok", "Email": "not-an-address"},
            {"Id": "C3", "Name": "Fine", "Email": "fine@contoso.com"},
        ]
    )
    opportunities = OPPORTUNITIES.assign(CurrencyIsoCode=["EUR"] * 6 + ["USD"])
    issues = data_issues(
        {"Account": ACCOUNTS, "Opportunity": opportunities, "Task": tasks, "Contact": contacts,
         "User": USERS}
    )  # fmt: skip
    assert list(issues.columns) == list(DATA_ISSUE_COLUMNS)
    found = {
        (row["object"], row["record_id"], row["field"]): {k: str(v) for k, v in row.items()}
        for row in issues.to_dict("records")
    }
    assert set(found) == {
        ("Account", "A2", "Name"), ("Account", "A3", "Name"),
        ("Opportunity", "O3", "Amount"), ("Opportunity", "O4", "Amount"),
        ("Opportunity", "O5", "Amount"), ("Opportunity", "O6", "CloseDate"),
        ("Opportunity", "O7", "CloseDate"), ("Opportunity", "O7", "CurrencyIsoCode"),
        ("Task", "T1", "WhatId"), ("Task", "T2", "Subject"), ("Task", "T2", "ActivityDate"),
        ("Contact", "C1", "Name"), ("Contact", "C1", "Email"), ("Contact", "C2", "Email"),
    }  # fmt: skip
    assert "credit note" in found[("Opportunity", "O3", "Amount")]["action"]
    assert "clipped" in found[("Task", "T2", "Subject")]["action"]
    assert "skipped" in found[("Task", "T1", "WhatId")]["action"]
    assert "\r" not in found[("Contact", "C1", "Email")]["value"]
    assert "formula" in found[("Account", "A2", "Name")]["problem"]


def test_the_workbook_has_a_data_issues_sheet_with_formulas_kept_as_text() -> None:
    issues = data_issues({"Account": ACCOUNTS})
    empty_deadlines = collect_deadlines(
        key_accounts(),
        pd.DataFrame(columns=["Id", "AccountId", "WhatId", "Subject", "ActivityDate", "IsClosed"]),
        OPPORTUNITIES.iloc[:0],
        pd.DataFrame(columns=["Id", "AccountId", "ContractNumber", "Status", "EndDate"]),
        today=TODAY,
    )
    content = build_workbook(
        key_accounts(), empty_deadlines,
        pd.DataFrame(columns=list(ENGAGEMENT_COLUMNS)),
        generated_at=NOW, company="C", data_issues=issues,
    )  # fmt: skip
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames[-1] == "Data issues"
    cells = [cell for row in workbook["Data issues"].iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type in ("s", "n") for cell in cells)
    assert any(str(cell.value).startswith("=HYPERLINK") for cell in cells)
    names = [c.value for c in workbook["Key accounts"]["A"][1:]]
    assert "Bell Corp" in names  # control character stripped


@settings(max_examples=500, derandomize=True, deadline=None)
@given(st.text())
def test_the_quick_name_prefilter_never_hides_a_problem(text: str) -> None:
    """Names are first searched with one cheap pattern; whatever the full check flags, that
    pattern must find too."""
    from transforms import data_issues as module

    if module._name_problem(text) is not None:
        assert module._SUSPECTS[module._name_problem].search(text)
