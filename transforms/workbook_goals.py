"""The report's "Goals" sheet: attainment per account and period, goal vs. won chart, and
the goal rows that could not be used (sheet "Goal issues")."""

from __future__ import annotations

import pandas as pd
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from transforms.excel_tables import CellKind, TableColumn, write_table
from transforms.frames import require_columns
from transforms.goals import ATTAINMENT_COLUMNS, PROBLEM_COLUMNS
from transforms.workbook_sheets import printable_sheet, table_bar_chart

GOALS_SHEET = "Goals"
ISSUES_SHEET = "Goal issues"
GOALS_CHART_TITLE = "Revenue goal vs. won revenue"
GOALS_CHART_ROWS = 20

GOAL_TABLE = (
    TableColumn("KAM", "kam"),
    TableColumn("Account", "account_name"),
    TableColumn("Period", "period"),
    TableColumn("Revenue goal", "revenue_goal", "money"),
    TableColumn("Won revenue", "won_revenue", "money"),
    TableColumn("Attainment", "attainment", "percent"),
    TableColumn("Period elapsed", "period_elapsed", "percent"),
    TableColumn("Renewal goal", "renewal_goal", "integer"),
    TableColumn("Notes", "notes"),
    TableColumn("Chart label", "label"),
    TableColumn("Goals sheet row", "sheet_row", "integer"),
    TableColumn("Salesforce id", "account_id"),
)
ISSUE_TABLE = (
    TableColumn("KAM", "kam"),
    TableColumn("Goals sheet row", "sheet_row", "integer"),
    TableColumn("Account", "account"),
    TableColumn("Why the row was left out", "reason"),
)


def add_goal_sheets(
    workbook: Workbook,
    goals: pd.DataFrame,
    problems: pd.DataFrame,
    formats: dict[CellKind, Format],
) -> None:
    """Write "Goals" (table "Goals" and a chart) and "Goal issues" (table "GoalIssues")."""
    require_columns(goals, "goals", ATTAINMENT_COLUMNS)
    require_columns(problems, "goal problems", PROBLEM_COLUMNS)
    rows = goals.sort_values(["kam", "period", "account_name"], kind="stable").reset_index(
        drop=True
    )
    pairs = zip(rows["account_name"], rows["period"], strict=True)
    rows = rows.assign(label=[f"{account} ({period})" for account, period in pairs])
    sheet = printable_sheet(workbook, GOALS_SHEET)
    issues = printable_sheet(workbook, ISSUES_SHEET)
    write_table(sheet, rows, GOAL_TABLE, name="Goals", formats=formats)
    write_table(issues, problems, ISSUE_TABLE, name="GoalIssues", formats=formats)
    if len(rows):
        _insert_goal_chart(workbook, sheet, len(rows))


def _insert_goal_chart(workbook: Workbook, sheet: Worksheet, row_count: int) -> None:
    """Clustered bars per account and period: the goal next to what was won."""
    last_row = min(row_count, GOALS_CHART_ROWS)
    chart = table_bar_chart(
        workbook,
        GOALS_SHEET,
        GOAL_TABLE,
        label="label",
        series=(("revenue_goal", "Revenue goal"), ("won_revenue", "Won revenue")),
        rows=last_row,
        title=GOALS_CHART_TITLE,
    )
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 760, "height": 160 + 36 * last_row})
    sheet.insert_chart(1, len(GOAL_TABLE) + 1, chart)
