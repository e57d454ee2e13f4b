"""The key-account Excel report: a summary with a revenue chart, key accounts and deadlines."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping

import pandas as pd
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from transforms.data_issues import DATA_ISSUE_COLUMNS
from transforms.deadlines import KIND_LABELS
from transforms.excel_tables import (
    CellKind,
    TableColumn,
    cell_formats,
    excel_datetime,
    highlight_flagged_rows,
    write_table,
)
from transforms.frames import lookup, require_columns
from transforms.goals import PROBLEM_COLUMNS
from transforms.workbook_goals import add_goal_sheets
from transforms.workbook_intelligence import add_intelligence_sheets
from transforms.workbook_sheets import field_index, printable_sheet, table_bar_chart

SUMMARY_SHEET = "Summary"
KEY_ACCOUNTS_SHEET = "Key accounts"
DEADLINES_SHEET = "Deadlines"
DATA_ISSUES_SHEET = "Data issues"
CHART_TITLE = "Trailing-12-month revenue by key account"
CHART_ACCOUNTS = 15

KEY_ACCOUNT_TABLE = (
    TableColumn("Account", "account_name"),
    TableColumn("KAM", "owner_name"),
    TableColumn("KAM e-mail", "owner_email"),
    TableColumn("Industry", "industry"),
    TableColumn("T12M revenue", "t12m_revenue", "money"),
    TableColumn("Share of revenue", "revenue_share", "percent"),
    TableColumn("Cumulative share", "cumulative_share", "percent"),
    TableColumn("Open pipeline", "open_pipeline", "money"),
    TableColumn("Weighted pipeline", "weighted_pipeline", "money"),
    TableColumn("Open opportunities", "open_opportunities", "integer"),
    TableColumn("Engagement", "state"),
    TableColumn("Last client mail (UTC)", "last_inbound_at", "datetime"),
    TableColumn("Last mail to client (UTC)", "last_outbound_at", "datetime"),
    TableColumn("Touches, 90 days", "touches_90d", "integer"),
    TableColumn("Last meeting (UTC)", "last_meeting_at", "datetime"),
    TableColumn("Next meeting (UTC)", "next_meeting_at", "datetime"),
    TableColumn("Next meeting", "next_meeting_subject"),
    TableColumn("Why key", "reason"),
    TableColumn("Domain", "domain"),
    TableColumn("Salesforce id", "account_id"),
)
DEADLINE_TABLE = (
    TableColumn("Due", "due_date", "date"),
    TableColumn("Days left", "days_left", "integer"),
    TableColumn("Overdue", "overdue", "flag"),
    TableColumn("Account", "account_name"),
    TableColumn("What", "title"),
    TableColumn("Kind", "kind_label"),
    TableColumn("KAM", "owner_email"),
    TableColumn("Amount", "amount", "money"),
    TableColumn("Salesforce id", "sf_id"),
)
DATA_ISSUE_TABLE = (
    TableColumn("Object", "object"),
    TableColumn("Record id", "record_id"),
    TableColumn("Field", "field"),
    TableColumn("Value", "value"),
    TableColumn("What was wrong", "problem"),
    TableColumn("What kamsync did", "action"),
)
_ENGAGEMENT_FIELDS = ("state", "last_inbound_at", "last_outbound_at", "touches_90d")
_MEETING_FIELDS = ("last_meeting_at", "next_meeting_at", "next_meeting_subject")
_ENGAGEMENT_INPUTS = ("account_id", *_ENGAGEMENT_FIELDS)
_KEY_ACCOUNT_INPUTS = tuple(
    column.field
    for column in KEY_ACCOUNT_TABLE
    if column.field not in (*_ENGAGEMENT_FIELDS, *_MEETING_FIELDS)
)
_DEADLINE_INPUTS = (
    "kind",
    *(column.field for column in DEADLINE_TABLE if column.field != "kind_label"),
)
_TITLE_STYLE = {"bold": True, "font_size": 16}
# Written as strings whatever the cell writer: CRM text must never become a formula or link.
_WORKBOOK_OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def build_workbook(
    key_accounts: pd.DataFrame,
    deadlines: pd.DataFrame,
    engagement: pd.DataFrame,
    *,
    generated_at: dt.datetime,
    company: str,
    goals: pd.DataFrame | None = None,
    goal_problems: pd.DataFrame | None = None,
    meetings: pd.DataFrame | None = None,
    data_issues: pd.DataFrame | None = None,
    intelligence: Mapping[str, pd.DataFrame] | None = None,
) -> bytes:
    """The .xlsx report as bytes: sheets "Summary", "Key accounts" and "Deadlines", with
    `goals` (`transforms.goals.attainment`) "Goals" and "Goal issues" too, and with
    `data_issues` (`transforms.data_issues`) a "Data issues" sheet, and with `intelligence`
    (the analysis' health, health_components, health_changes, complaints, engagement,
    unanswered, team, data_quality and unmatched frames) the sheets "Health", "Complaints",
    "Engagement", "Team", "Data quality" and "Unmatched".

    A naive `generated_at` is taken as UTC, like every timestamp in the workbook.
    """
    require_columns(key_accounts, "key_accounts", _KEY_ACCOUNT_INPUTS)
    require_columns(deadlines, "deadlines", _DEADLINE_INPUTS)
    require_columns(engagement, "engagement", _ENGAGEMENT_INPUTS)
    accounts = _with_meetings(_accounts_with_engagement(key_accounts, engagement), meetings)
    deadline_rows = deadlines.assign(
        kind_label=[KIND_LABELS.get(kind, kind) for kind in deadlines["kind"]]
    )

    buffer = io.BytesIO()
    workbook = Workbook(buffer, _WORKBOOK_OPTIONS)
    workbook.set_properties({"title": f"{company} key accounts", "company": company})
    formats = cell_formats(workbook)
    summary = printable_sheet(workbook, SUMMARY_SHEET)
    accounts_sheet = printable_sheet(workbook, KEY_ACCOUNTS_SHEET)
    deadlines_sheet = printable_sheet(workbook, DEADLINES_SHEET)

    write_table(accounts_sheet, accounts, KEY_ACCOUNT_TABLE, name="KeyAccounts", formats=formats)
    write_table(deadlines_sheet, deadline_rows, DEADLINE_TABLE, name="Deadlines", formats=formats)
    highlight_flagged_rows(
        deadlines_sheet,
        flag_column=field_index(DEADLINE_TABLE, "overdue"),
        column_count=len(DEADLINE_TABLE),
        row_count=len(deadline_rows),
        highlight=workbook.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"}),
    )
    _write_summary(workbook, summary, accounts, deadline_rows, generated_at, company, formats)
    if len(accounts):
        _insert_revenue_chart(workbook, summary, len(accounts))
    if goals is not None:
        problems = pd.DataFrame(columns=list(PROBLEM_COLUMNS))
        add_goal_sheets(
            workbook, goals, problems if goal_problems is None else goal_problems, formats
        )
    if data_issues is not None:
        require_columns(data_issues, "data_issues", DATA_ISSUE_COLUMNS)
        issues_sheet = printable_sheet(workbook, DATA_ISSUES_SHEET)
        write_table(issues_sheet, data_issues, DATA_ISSUE_TABLE, name="DataIssues",
                    formats=formats)  # fmt: skip
    if intelligence is not None:
        frames = intelligence
        add_intelligence_sheets(
            workbook, formats, health=frames["health"],
            health_components=frames["health_components"],
            health_changes=frames["health_changes"], complaints=frames["complaints"],
            engagement=frames["engagement"], unanswered=frames["unanswered"],
            team=frames["team"], data_quality=frames["data_quality"],
            unmatched=frames["unmatched"], key_accounts=key_accounts,
        )  # fmt: skip
    workbook.close()
    return buffer.getvalue()


def _accounts_with_engagement(key_accounts: pd.DataFrame, engagement: pd.DataFrame) -> pd.DataFrame:
    """Key accounts by revenue (the chart reads the top rows) with their engagement
    (`transforms.engagement.account_engagement`): state, last mail each way, touches."""
    touches = engagement.drop_duplicates("account_id").set_index("account_id")
    ordered = key_accounts.sort_values("t12m_revenue", ascending=False, kind="stable")
    found = {field: lookup(ordered["account_id"], touches[field]) for field in _ENGAGEMENT_FIELDS}
    found["touches_90d"] = found["touches_90d"].fillna(0)
    return ordered.assign(**found).reset_index(drop=True)


def _with_meetings(accounts: pd.DataFrame, meetings: pd.DataFrame | None) -> pd.DataFrame:
    """The accounts with their last and next meeting (`transforms.meetings`), blank without."""
    if meetings is None:
        return accounts.assign(**{field: None for field in _MEETING_FIELDS})
    require_columns(meetings, "meetings", ("account_id", *_MEETING_FIELDS))
    by_account = meetings.drop_duplicates("account_id").set_index("account_id")
    return accounts.assign(
        **{field: lookup(accounts["account_id"], by_account[field]) for field in _MEETING_FIELDS}
    )


def _write_summary(
    workbook: Workbook,
    sheet: Worksheet,
    accounts: pd.DataFrame,
    deadlines: pd.DataFrame,
    generated_at: dt.datetime,
    company: str,
    formats: dict[CellKind, Format],
) -> None:
    """Title and headline figures, one label/value pair per row."""
    label = workbook.add_format({"bold": True})
    sheet.write_string(0, 0, f"{company} — key account report", workbook.add_format(_TITLE_STYLE))
    sheet.write_string(2, 0, "Generated at (UTC)", label)
    sheet.write_datetime(2, 1, excel_datetime(generated_at), formats["datetime"])
    for row, (name, value, kind) in enumerate(_headline_figures(accounts, deadlines), start=3):
        sheet.write_string(row, 0, name, label)
        sheet.write_number(row, 1, value, formats[kind])
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 1, 18)


def _headline_figures(
    accounts: pd.DataFrame, deadlines: pd.DataFrame
) -> list[tuple[str, float, CellKind]]:
    """The numbers a KAM looks at first."""
    days_left = deadlines["days_left"]
    upcoming = ~deadlines["overdue"].astype(bool)
    return [
        ("Key accounts", len(accounts), "integer"),
        ("Total T12M revenue", float(accounts["t12m_revenue"].sum()), "money"),
        ("Open pipeline", float(accounts["open_pipeline"].sum()), "money"),
        ("Weighted pipeline", float(accounts["weighted_pipeline"].sum()), "money"),
        ("Deadlines next 7 days", int((upcoming & days_left.le(7)).sum()), "integer"),
        ("Deadlines next 30 days", int((upcoming & days_left.le(30)).sum()), "integer"),
        ("Overdue", int((~upcoming).sum()), "integer"),
    ]


def _insert_revenue_chart(workbook: Workbook, summary: Worksheet, account_count: int) -> None:
    """Bar chart of the top accounts' T12M revenue, read from the "Key accounts" table."""
    last_row = min(account_count, CHART_ACCOUNTS)
    chart = table_bar_chart(
        workbook,
        KEY_ACCOUNTS_SHEET,
        KEY_ACCOUNT_TABLE,
        label="account_name",
        series=(("t12m_revenue", "T12M revenue"),),
        rows=last_row,
        title=CHART_TITLE,
    )
    chart.set_legend({"none": True})
    chart.set_size({"width": 720, "height": 120 + 24 * last_row})
    summary.insert_chart("D3", chart)
