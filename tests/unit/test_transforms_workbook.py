"""The Excel report opens in Excel's own format, reads like a report, and cannot run CRM text."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from transforms import build_workbook

TODAY = dt.date(2026, 11, 27)
GENERATED_AT = dt.datetime(2026, 11, 27, 6, 30, tzinfo=dt.UTC)
INJECTION = '=HYPERLINK("http://evil.example","Click")'


def key_account(account_id: str, name: str, revenue: float) -> dict[str, object]:
    return {
        "account_id": account_id,
        "account_name": name,
        "domain": f"{account_id.lower()}.com",
        "owner_id": "U1",
        "owner_name": "Ann Kam",
        "owner_email": "ann@contoso.com",
        "industry": "Energy",
        "t12m_revenue": revenue,
        "revenue_share": 0.25,
        "cumulative_share": 0.5,
        "open_pipeline": 1000.0,
        "weighted_pipeline": 400.0,
        "open_opportunities": 2,
        "reason": "top revenue",
    }


def deadline(sf_id: str, days_left: int, title: str = "Call") -> dict[str, object]:
    return {
        "deadline_key": f"Task:{sf_id}:task",
        "sf_id": sf_id,
        "sobject": "Task",
        "kind": "task",
        "account_id": "A1",
        "account_name": "Acme",
        "title": title,
        "due_date": TODAY + dt.timedelta(days=days_left),
        "days_left": days_left,
        "overdue": days_left < 0,
        "owner_email": "ann@contoso.com",
        "amount": None,
        "record_path": f"/lightning/r/Task/{sf_id}/view",
    }


KEY_ACCOUNTS = pd.DataFrame(
    [key_account("A1", INJECTION, 300.0), key_account("A2", "Beta", 900.0)]
    + [key_account(f"X{n}", f"Other {n}", float(n)) for n in range(18)]
)
DEADLINES = pd.DataFrame(
    [deadline("T1", -3, "+SUM(A1:A9)"), deadline("T2", 2), deadline("T3", 6), deadline("T4", 25)]
)
ENGAGEMENT = pd.DataFrame(
    {
        "account_id": ["A1", "A2"],
        "state": ["on track", "cold"],
        "last_inbound_at": pd.to_datetime(pd.Series(["2026-11-20T09:15:00Z", None]), utc=True),
        "last_outbound_at": pd.to_datetime(pd.Series(["2026-11-21T10:00:00Z", None]), utc=True),
        "touches_90d": [4, 0],
    }
)


def open_report(
    key_accounts: pd.DataFrame = KEY_ACCOUNTS, deadlines: pd.DataFrame = DEADLINES
) -> Workbook:
    content = build_workbook(
        key_accounts, deadlines, ENGAGEMENT, generated_at=GENERATED_AT, company="Contoso"
    )
    return openpyxl.load_workbook(io.BytesIO(content))


def table_rows(workbook: Workbook, sheet: str, table: str) -> list[tuple[object, ...]]:
    """All rows of an Excel table, header first, as openpyxl reads them."""
    cells = workbook[sheet][workbook[sheet].tables[table].ref]
    return [tuple(cell.value for cell in row) for row in cells]


def conditional_rules(worksheet: Worksheet) -> list[tuple[str, str]]:
    """(cell range, formula) of every conditional-format rule on a sheet."""
    return [
        (str(rule_range.sqref), rule.formula[0])
        for rule_range in worksheet.conditional_formatting
        for rule in rule_range.rules
    ]


def test_report_has_summary_key_accounts_and_deadlines_sheets() -> None:
    assert open_report().sheetnames == ["Summary", "Key accounts", "Deadlines"]


def test_key_accounts_is_a_table_in_revenue_order_with_readable_headers() -> None:
    rows = table_rows(open_report(), "Key accounts", "KeyAccounts")

    header = rows[0]
    assert header[:5] == ("Account", "KAM", "KAM e-mail", "Industry", "T12M revenue")
    assert {"Open pipeline", "Engagement", "Last client mail (UTC)", "Touches, 90 days",
            "Why key"} <= set(header)  # fmt: skip
    assert len(rows) - 1 == len(KEY_ACCOUNTS)
    assert [row[0] for row in rows[1:3]] == ["Beta", INJECTION]
    last_email = rows[2][header.index("Last client mail (UTC)")]
    assert last_email == dt.datetime(2026, 11, 20, 9, 15)
    assert rows[1][header.index("Engagement")] == "cold"


def test_deadlines_table_has_due_dates_and_days_left() -> None:
    rows = table_rows(open_report(), "Deadlines", "Deadlines")

    header = rows[0]
    assert header[:4] == ("Due", "Days left", "Overdue", "Account")
    assert len(rows) - 1 == len(DEADLINES)
    first = dict(zip(header, rows[1], strict=True))
    assert first["Due"] == dt.datetime(2026, 11, 24)
    assert first["Days left"] == -3
    assert first["Overdue"] is True
    assert first["Kind"] == "CRM task"


def test_crm_text_that_looks_like_a_formula_stays_text() -> None:
    workbook = open_report()

    account_cell = workbook["Key accounts"]["A3"]
    task_cell = workbook["Deadlines"]["E2"]
    assert (account_cell.value, account_cell.data_type) == (INJECTION, "s")
    assert (task_cell.value, task_cell.data_type) == ("+SUM(A1:A9)", "s")


def test_money_dates_and_shares_have_number_formats() -> None:
    workbook = open_report()

    assert workbook["Key accounts"]["E2"].number_format == "#,##0"
    assert workbook["Key accounts"]["F2"].number_format == "0.0%"
    assert workbook["Deadlines"]["A2"].number_format == "yyyy-mm-dd"
    assert workbook["Deadlines"].freeze_panes == "A2"


def test_overdue_deadlines_are_highlighted() -> None:
    rules = conditional_rules(open_report()["Deadlines"])

    assert rules == [("A2:I5", "$C2=TRUE")]


def test_summary_shows_headline_figures_and_a_top_15_revenue_chart() -> None:
    summary = open_report()["Summary"]

    figures = {row[0]: row[1] for row in summary.iter_rows(min_row=3, values_only=True) if row[0]}
    assert figures["Key accounts"] == 20
    assert figures["Total T12M revenue"] == 1200 + sum(range(18))
    assert figures["Deadlines next 7 days"] == 2
    assert figures["Deadlines next 30 days"] == 3
    assert figures["Overdue"] == 1
    assert figures["Generated at (UTC)"] == dt.datetime(2026, 11, 27, 6, 30)
    assert summary["A1"].value == "Contoso — key account report"
    (chart,) = summary._charts
    assert chart.title.tx.rich.p[0].r[0].t == "Trailing-12-month revenue by key account"
    assert chart.series[0].val.numRef.f == "'Key accounts'!$E$2:$E$16"


def test_empty_report_still_opens_with_empty_tables() -> None:
    workbook = open_report(KEY_ACCOUNTS.iloc[0:0], DEADLINES.iloc[0:0])

    assert table_rows(workbook, "Key accounts", "KeyAccounts")[1] == (None,) * 20
    assert workbook["Summary"]._charts == []


def test_missing_required_column_is_named() -> None:
    with pytest.raises(ValueError, match=r"deadlines.*days_left"):
        open_report(deadlines=DEADLINES.drop(columns=["days_left"]))


def goal(
    account: str, period: str, target: float, won: float, notes: str | None
) -> dict[str, object]:
    return {
        "kam": "ann@contoso.com",
        "sheet_row": 2,
        "account_id": "A1",
        "account_name": account,
        "period": period,
        "period_start": dt.date(2026, 1, 1),
        "period_end": dt.date(2026, 12, 31),
        "revenue_goal": target,
        "renewal_goal": None,
        "notes": notes,
        "matched_by": "id",
        "won_revenue": won,
        "attainment": won / target,
        "period_elapsed": 0.9,
    }


GOALS = pd.DataFrame(
    [goal("Beta", "2026", 1000.0, 1250.0, INJECTION), goal("Acme", "2026", 400.0, 100.0, None)]
)
GOAL_PROBLEMS = pd.DataFrame(
    [
        {
            "kam": "ann@contoso.com",
            "sheet_row": 5,
            "account": "=1+1",
            "reason": "Revenue Goal is empty",
        }
    ]
)


def open_report_with_goals() -> Workbook:
    content = build_workbook(
        KEY_ACCOUNTS,
        DEADLINES,
        ENGAGEMENT,
        generated_at=GENERATED_AT,
        company="Contoso",
        goals=GOALS,
        goal_problems=GOAL_PROBLEMS,
    )
    return openpyxl.load_workbook(io.BytesIO(content))


def test_goals_sheet_has_attainment_table_and_goal_vs_won_chart() -> None:
    workbook = open_report_with_goals()
    rows = table_rows(workbook, "Goals", "Goals")
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))

    assert workbook.sheetnames[-2:] == ["Goals", "Goal issues"]
    assert header[:6] == ("KAM", "Account", "Period", "Revenue goal", "Won revenue", "Attainment")
    assert (first["Account"], first["Attainment"]) == ("Acme", 0.25)
    assert workbook["Goals"]["F2"].number_format == "0.0%"
    notes = workbook["Goals"]["I3"]
    assert (notes.value, notes.data_type) == (INJECTION, "s")
    (chart,) = workbook["Goals"]._charts
    assert [s.val.numRef.f for s in chart.series] == ["Goals!$D$2:$D$3", "Goals!$E$2:$E$3"]
    assert chart.series[0].cat.strRef.f == "Goals!$J$2:$J$3"


def test_goal_issues_list_the_rows_left_out_as_text() -> None:
    issues = table_rows(open_report_with_goals(), "Goal issues", "GoalIssues")

    assert issues == [
        ("KAM", "Goals sheet row", "Account", "Why the row was left out"),
        ("ann@contoso.com", 5, "=1+1", "Revenue Goal is empty"),
    ]


def test_report_without_goals_has_no_goal_sheets() -> None:
    assert "Goals" not in open_report().sheetnames


def test_key_accounts_show_their_last_and_next_meeting() -> None:
    meetings = pd.DataFrame(
        {
            "account_id": ["A1"],
            "last_meeting_at": pd.to_datetime(["2026-11-20T14:00:00Z"]),
            "next_meeting_at": pd.to_datetime(["2026-12-02T09:30:00Z"]),
            "next_meeting_subject": ['=HYPERLINK("http://x") QBR'],
        }
    )
    content = build_workbook(
        KEY_ACCOUNTS, DEADLINES, ENGAGEMENT, generated_at=GENERATED_AT, company="Contoso",
        meetings=meetings,
    )  # fmt: skip
    header, *rows = table_rows(
        openpyxl.load_workbook(io.BytesIO(content)), "Key accounts", "KeyAccounts"
    )
    by_id = {
        row[header.index("Salesforce id")]: dict(zip(header, row, strict=True)) for row in rows
    }

    assert by_id["A1"]["Last meeting (UTC)"] == dt.datetime(2026, 11, 20, 14, 0)
    assert by_id["A1"]["Next meeting (UTC)"] == dt.datetime(2026, 12, 2, 9, 30)
    assert by_id["A1"]["Next meeting"] == '=HYPERLINK("http://x") QBR'  # text, not a formula
    other = next(account for account in by_id if account != "A1")
    assert by_id[other]["Next meeting"] is None
