"""The report's account-intelligence sheets: "Health", "Complaints", "Engagement", "Team",
"Data quality" and "Unmatched". Each holds a worst-first Excel table at A1 (red, breached, cold
and overloaded rows shaded red, amber ones amber); Health, Complaints and Engagement add a small
count table with a chart beside it, and a second table (what moved, unanswered mail)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from transforms.excel_tables import (
    CellKind,
    TableColumn,
    column_width,
    highlight_flagged_rows,
    write_cell,
)
from transforms.intelligence_tables import (
    BAND_ORDER,
    COMPLAINT_STATE_ORDER,
    ENGAGEMENT_STATE_ORDER,
    account_names,
    category_counts,
    changes_worst_first,
    complaints_worst_first,
    component_label,
    data_quality_worst_first,
    engagement_worst_first,
    health_breakdown,
    kam_names,
    require_inputs,
    team_worst_first,
    unanswered_worst_first,
    unmatched_worst_first,
)
from transforms.workbook_sheets import field_index, printable_sheet

HEALTH_SHEET = "Health"
COMPLAINTS_SHEET = "Complaints"
ENGAGEMENT_SHEET = "Engagement"
TEAM_SHEET = "Team"
DATA_QUALITY_SHEET = "Data quality"
UNMATCHED_SHEET = "Unmatched"
NOTHING_TO_REPORT = "Nothing to report"
MOVES_TITLE = "What moved since the last cycle"
UNANSWERED_TITLE = "Client mail waiting for a reply"

# Green, amber and red as Excel's own "good / neutral / bad" cell styles colour them.
_RED = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}
_AMBER = {"bg_color": "#FFEB9C", "font_color": "#9C5700"}
_BAR_COLOURS = {
    "green": "#63BE7B", "on track": "#63BE7B", "met": "#8EA9DB",
    "amber": "#FFC000", "at risk": "#FFC000", "slipping": "#FFC000",
    "red": "#F8696B", "breached": "#F8696B", "cold": "#F8696B",
}  # fmt: skip
# Beside a main table: a count table two columns wide, its chart below it, filling both.
_COUNT_COLUMN_WIDTH = 26
_CHART_SIZE = {"width": 370, "height": 260}
_ONE_DECIMAL = "0.0"
#: Rows per table: enough for any key-account list, a bound on long tails (data quality,
#: unknown correspondents) that would make the report slow to write and to open.
MAX_TABLE_ROWS = 10_000

HEALTH_CHANGE_TABLE = (
    TableColumn("Account", "account_name"),
    TableColumn("Previous score", "previous_score", "integer"),
    TableColumn("Score", "score", "integer"), TableColumn("Change", "delta", "integer"),
    TableColumn("Previous band", "previous_band"), TableColumn("Band", "band"),
    TableColumn("What moved", "moved"), TableColumn("Salesforce id", "account_id"),
)  # fmt: skip
COMPLAINT_TABLE = (
    TableColumn("Case", "case_number"), TableColumn("Account", "account_name"),
    TableColumn("Subject", "subject"), TableColumn("Priority", "priority"),
    TableColumn("State", "state"), TableColumn("Breached", "breached", "flag"),
    TableColumn("Status", "status"), TableColumn("Opened (UTC)", "created_at", "datetime"),
    TableColumn("First response (UTC)", "first_response_at", "datetime"),
    TableColumn("First response by", "first_response_by"),
    TableColumn("First response SLA (business h)", "first_response_sla_hours", "integer"),
    TableColumn("First response used (business h)", "first_response_hours_used", "integer"),
    TableColumn("First response state", "first_response_state"),
    TableColumn("Resolution SLA (business h)", "resolution_sla_hours", "integer"),
    TableColumn("Resolution used (business h)", "resolution_hours_used", "integer"),
    TableColumn("Resolution state", "resolution_state"),
    TableColumn("Closed (UTC)", "closed_at", "datetime"), TableColumn("Case owner", "owner_name"),
    TableColumn("Owner e-mail", "owner_email"), TableColumn("Why", "reason"),
    TableColumn("Salesforce id", "case_id"),
)  # fmt: skip
ENGAGEMENT_TABLE = (
    TableColumn("Account", "account_name"), TableColumn("KAM", "kam"), TableColumn("Tier", "tier"),
    TableColumn("State", "state"), TableColumn("Cold", "cold", "flag"),
    TableColumn("Days since touch", "days_since_touch", "integer"),
    TableColumn("Cadence (days)", "cadence_days", "integer"),
    TableColumn("Last inbound (UTC)", "last_inbound_at", "datetime"),
    TableColumn("Last outbound (UTC)", "last_outbound_at", "datetime"),
    TableColumn("Last meeting (UTC)", "last_meeting_at", "datetime"),
    TableColumn("Next meeting (UTC)", "next_meeting_at", "datetime"),
    TableColumn("Touches, 30 days", "touches_30d", "integer"),
    TableColumn("Touches, 90 days", "touches_90d", "integer"),
    TableColumn("Contacts, 30 days", "contacts_30d", "integer"),
    TableColumn("Contacts, 90 days", "contacts_90d", "integer"),
    TableColumn("Unanswered mails", "unanswered", "integer"), TableColumn("Why", "reason"),
    TableColumn("Salesforce id", "account_id"),
)  # fmt: skip
UNANSWERED_TABLE = (
    TableColumn("Account", "account"), TableColumn("Mailbox", "mailbox"),
    TableColumn("From", "sender"), TableColumn("Subject", "subject"),
    TableColumn("Received (UTC)", "received_at", "datetime"),
    TableColumn("Waiting (business h)", "business_hours_waiting", "integer"),
    TableColumn("Reply SLA (business h)", "reply_sla_hours", "integer"),
    TableColumn("Over SLA", "over_sla", "flag"), TableColumn("Message id", "internet_message_id"),
)  # fmt: skip
TEAM_TABLE = (
    TableColumn("Person", "user_name"), TableColumn("E-mail", "user_email"),
    TableColumn("Account", "account_name"), TableColumn("Roles", "roles"),
    TableColumn("Load", "load", "integer"),
    TableColumn("Team median", "team_median_load", "integer"),
    TableColumn("Load vs. median", "load_ratio", "integer"),
    TableColumn("Overloaded", "overloaded", "flag"),
    TableColumn("Open items", "open_items", "integer"),
    TableColumn("Overdue items", "overdue_items", "integer"),
    TableColumn("Open cases", "open_cases", "integer"),
    TableColumn("Last touch (UTC)", "last_touch_at", "datetime"), TableColumn("Why", "reason"),
    TableColumn("User id", "user_id"), TableColumn("Salesforce id", "account_id"),
)  # fmt: skip
DATA_QUALITY_TABLE = (
    TableColumn("Severity", "severity"), TableColumn("Check", "check"),
    TableColumn("Object", "sobject"), TableColumn("Account", "account"),
    TableColumn("Records", "record_ids"), TableColumn("What is wrong", "detail"),
    TableColumn("Account id", "account_id"),
)  # fmt: skip
UNMATCHED_TABLE = (
    TableColumn("Address", "address"), TableColumn("Domain", "domain"),
    TableColumn("Mails", "items", "integer"), TableColumn("Mailboxes", "mailboxes"),
    TableColumn("First seen (UTC)", "first_seen", "datetime"),
    TableColumn("Last seen (UTC)", "last_seen", "datetime"),
    TableColumn("Likely account", "likely_account"), TableColumn("Found by", "likely_by"),
    TableColumn("Suggested first name", "suggested_first_name"),
    TableColumn("Suggested last name", "suggested_last_name"), TableColumn("Why", "reason"),
    TableColumn("Likely account id", "likely_account_id"),
)  # fmt: skip
# Hours and ratios read best with one decimal; every other number column is a whole number.
_DECIMAL_FIELDS = frozenset(
    {
        "first_response_sla_hours", "first_response_hours_used", "resolution_sla_hours",
        "resolution_hours_used", "business_hours_waiting", "reply_sla_hours",
        "team_median_load", "load_ratio",
    }
)  # fmt: skip


@dataclass(frozen=True)
class _Sheets:
    """What every intelligence sheet shares: formats, and how many rows a table may show."""

    cells: dict[CellKind, Format]
    decimal: Format
    red: Format
    amber: Format
    title: Format
    max_rows: int

    def for_field(self, field: str) -> Mapping[CellKind, Format]:
        return {**self.cells, "integer": self.decimal} if field in _DECIMAL_FIELDS else self.cells


@dataclass(frozen=True)
class _Counts:
    """A count table beside a main table, charted: how many rows per band or state."""

    title: str
    label: str
    field: str
    order: tuple[str, ...]
    name: str


def add_intelligence_sheets(
    workbook: Workbook,
    formats: dict[CellKind, Format],
    *,
    health: pd.DataFrame,
    health_components: pd.DataFrame,
    health_changes: pd.DataFrame,
    complaints: pd.DataFrame,
    engagement: pd.DataFrame,
    unanswered: pd.DataFrame,
    team: pd.DataFrame,
    data_quality: pd.DataFrame,
    unmatched: pd.DataFrame,
    key_accounts: pd.DataFrame,
    max_rows: int = MAX_TABLE_ROWS,
) -> None:
    """Write the six intelligence sheets, each worst first; an empty analysis gets a sheet that
    says "Nothing to report" and why, instead of an empty table. A table shows at most
    `max_rows` rows (the worst; a line under it says how many more), counts and charts all."""
    require_inputs(
        health=health, health_components=health_components, health_changes=health_changes,
        complaints=complaints, engagement=engagement, unanswered=unanswered, team=team,
        data_quality=data_quality, unmatched=unmatched, key_accounts=key_accounts,
    )  # fmt: skip
    sheets = _Sheets(
        cells=formats,
        decimal=workbook.add_format({"num_format": _ONE_DECIMAL}),
        red=workbook.add_format(_RED),
        amber=workbook.add_format(_AMBER),
        title=workbook.add_format({"bold": True, "font_size": 12}),
        max_rows=max_rows,
    )
    _health_sheet(workbook, sheets, health, health_components, health_changes, key_accounts)
    _complaints_sheet(workbook, sheets, complaints)
    _engagement_sheet(workbook, sheets, engagement, unanswered, key_accounts)
    _team_sheet(workbook, sheets, team)
    _data_quality_sheet(workbook, sheets, data_quality, key_accounts)
    _unmatched_sheet(workbook, sheets, unmatched, key_accounts)


def _health_sheet(
    workbook: Workbook,
    sheets: _Sheets,
    health: pd.DataFrame,
    components: pd.DataFrame,
    changes: pd.DataFrame,
    key_accounts: pd.DataFrame,
) -> None:
    """Score, band and each component's points per account; bands charted; what moved."""
    sheet = printable_sheet(workbook, HEALTH_SHEET)
    rows, columns = health_with_components(health, components, key_accounts)
    end = _main_table(sheet, sheets, rows, columns, name="Health", red=("band", "red"),
                      amber=("band", "amber"),
                      empty="no key accounts to score this cycle")  # fmt: skip
    counts = _Counts("Key accounts per health band", "Band", "band", BAND_ORDER, "HealthBands")
    end = _count_area(workbook, sheet, sheets, rows, counts, first_col=end + 2)
    moves = changes_worst_first(changes)
    sheet.write_string(0, end + 2, MOVES_TITLE, sheets.title)
    if moves.empty:
        sheet.write_string(1, end + 2, f"{NOTHING_TO_REPORT}: no score or band changed")
        return
    _table_at(sheet, moves, HEALTH_CHANGE_TABLE, name="HealthChanges", row=1, col=end + 2,
              sheets=sheets)  # fmt: skip


def health_with_components(
    health: pd.DataFrame, components: pd.DataFrame, key_accounts: pd.DataFrame
) -> tuple[pd.DataFrame, tuple[TableColumn, ...]]:
    """Health rows worst first with the KAM, one points column per component (headed
    "Engagement (of 25)") and every component's reason, and the table's columns."""
    rows, breakdown = health_breakdown(health, components)
    component_columns = [
        TableColumn(component_label(name) + ("" if weight is None else f" (of {weight:g})"),
                    field, "integer")
        for field, name, weight in breakdown
    ]  # fmt: skip
    columns = (
        TableColumn("Account", "account_name"), TableColumn("KAM", "kam"),
        TableColumn("Score", "score", "integer"), TableColumn("Band", "band"),
        TableColumn("Red", "flagged", "flag"), *component_columns,
        TableColumn("Weakest", "summary"), TableColumn("Why (per component)", "reasons"),
        TableColumn("Salesforce id", "account_id"),
    )  # fmt: skip
    kam = kam_names(rows["account_id"], key_accounts)
    return rows.assign(kam=kam, flagged=rows["band"].eq("red")), columns


def _complaints_sheet(workbook: Workbook, sheets: _Sheets, complaints: pd.DataFrame) -> None:
    """Complaints by SLA state, breached first, and a chart of how many are in each state."""
    sheet = printable_sheet(workbook, COMPLAINTS_SHEET)
    rows = complaints_worst_first(complaints)
    rows = rows.assign(breached=rows["state"].eq("breached"))
    end = _main_table(sheet, sheets, rows, COMPLAINT_TABLE, name="Complaints",
                      red=("state", "breached"), amber=("state", "at risk"),
                      empty="no open complaints of key accounts, none closed recently")  # fmt: skip
    counts = _Counts("Complaints per SLA state", "State", "state", COMPLAINT_STATE_ORDER,
                     "ComplaintStates")  # fmt: skip
    _count_area(workbook, sheet, sheets, rows, counts, first_col=end + 2)


def _engagement_sheet(
    workbook: Workbook,
    sheets: _Sheets,
    engagement: pd.DataFrame,
    unanswered: pd.DataFrame,
    key_accounts: pd.DataFrame,
) -> None:
    """Accounts by engagement state, cold first, charted; then the client mail awaiting a reply."""
    sheet = printable_sheet(workbook, ENGAGEMENT_SHEET)
    rows = engagement_worst_first(engagement)
    rows = rows.assign(
        kam=kam_names(rows["account_id"], key_accounts), cold=rows["state"].eq("cold")
    )
    end = _main_table(sheet, sheets, rows, ENGAGEMENT_TABLE, name="Engagement",
                      red=("state", "cold"), amber=("state", "slipping"),
                      empty="no key accounts to follow")  # fmt: skip
    counts = _Counts("Key accounts per engagement state", "State", "state",
                     ENGAGEMENT_STATE_ORDER, "EngagementStates")  # fmt: skip
    end = _count_area(workbook, sheet, sheets, rows, counts, first_col=end + 2)
    waiting = unanswered_worst_first(unanswered)
    waiting = waiting.assign(
        account=account_names(waiting["account_id"], key_accounts),
        over_sla=pd.to_numeric(waiting["business_hours_waiting"], errors="coerce").ge(
            pd.to_numeric(waiting["reply_sla_hours"], errors="coerce")
        ),
    )
    col = end + 2
    sheet.write_string(0, col, UNANSWERED_TITLE, sheets.title)
    if waiting.empty:
        sheet.write_string(1, col, f"{NOTHING_TO_REPORT}: no client mail is waiting")
        return
    _table_at(sheet, waiting, UNANSWERED_TABLE, name="Unanswered", row=1, col=col, sheets=sheets)
    flag = col + field_index(UNANSWERED_TABLE, "over_sla")
    last_col = col + len(UNANSWERED_TABLE) - 1
    _shade(sheet, first_row=2, rows=len(waiting), first_col=col, last_col=last_col,
           test=f"${xl_col_to_name(flag)}3=TRUE", highlight=sheets.red)  # fmt: skip


def _team_sheet(workbook: Workbook, sheets: _Sheets, team: pd.DataFrame) -> None:
    """Everyone on a key-account team with their load, the overloaded first."""
    sheet = printable_sheet(workbook, TEAM_SHEET)
    rows = team_worst_first(team)
    rows = rows.assign(overloaded=rows["overloaded"].fillna(False).astype(bool))
    _main_table(sheet, sheets, rows, TEAM_TABLE, name="Team", red=None, amber=None,
                empty="no account team members on key accounts")  # fmt: skip


def _data_quality_sheet(
    workbook: Workbook, sheets: _Sheets, data_quality: pd.DataFrame, key_accounts: pd.DataFrame
) -> None:
    """CRM data problems, high severity first, naming the records to fix."""
    sheet = printable_sheet(workbook, DATA_QUALITY_SHEET)
    rows = data_quality_worst_first(data_quality)
    rows = rows.assign(account=account_names(rows["account_id"], key_accounts))
    _main_table(sheet, sheets, rows, DATA_QUALITY_TABLE, name="DataQuality",
                red=("severity", "high"), amber=("severity", "medium"),
                empty="no CRM data problems found")  # fmt: skip


def _unmatched_sheet(
    workbook: Workbook, sheets: _Sheets, unmatched: pd.DataFrame, key_accounts: pd.DataFrame
) -> None:
    """Outside correspondents no account claims, the busiest first, with a likely account."""
    sheet = printable_sheet(workbook, UNMATCHED_SHEET)
    rows = unmatched_worst_first(unmatched)
    rows = rows.assign(likely_account=account_names(rows["likely_account_id"], key_accounts))
    columns: tuple[TableColumn, ...] = UNMATCHED_TABLE
    if pd.api.types.is_numeric_dtype(rows["mailboxes"]):
        columns = tuple(
            TableColumn(c.header, c.field, "integer") if c.field == "mailboxes" else c
            for c in UNMATCHED_TABLE
        )
    _main_table(sheet, sheets, rows, columns, name="Unmatched", red=None, amber=None,
                empty="every outside correspondent matched an account")  # fmt: skip


def _main_table(
    sheet: Worksheet,
    sheets: _Sheets,
    rows: pd.DataFrame,
    columns: Sequence[TableColumn],
    *,
    name: str,
    red: tuple[str, str] | None,
    amber: tuple[str, str] | None,
    empty: str,
) -> int:
    """The sheet's table at A1 with a frozen header, red rows (the table's flag column) and
    amber rows shaded, or "Nothing to report" when there are no rows. Returns its last column."""
    sheet.freeze_panes(1, 0)
    if rows.empty:
        sheet.write_string(0, 0, f"{NOTHING_TO_REPORT}: {empty}", sheets.title)
        sheet.set_column(0, 0, 60)
        return 0
    shown = _table_at(sheet, rows, columns, name=name, row=0, col=0, sheets=sheets)
    flags = [column for column in columns if column.kind == "flag"]
    if flags:
        highlight_flagged_rows(sheet, flag_column=field_index(columns, flags[0].field),
                               column_count=len(columns), row_count=shown,
                               highlight=sheets.red)  # fmt: skip
    if red is not None and not flags:
        _shade_where(sheet, sheets.red, columns, shown, *red)
    if amber is not None:
        _shade_where(sheet, sheets.amber, columns, shown, *amber)
    return len(columns) - 1


def _shade_where(
    sheet: Worksheet,
    highlight: Format,
    columns: Sequence[TableColumn],
    rows: int,
    field: str,
    value: str,
) -> None:
    """Shade the main table's rows whose `field` holds `value` ("amber", "slipping", ...)."""
    letter = xl_col_to_name(field_index(columns, field))
    _shade(sheet, first_row=1, rows=rows, first_col=0, last_col=len(columns) - 1,
           test=f'${letter}2="{value}"', highlight=highlight)  # fmt: skip


def _shade(
    sheet: Worksheet,
    *,
    first_row: int,
    rows: int,
    first_col: int,
    last_col: int,
    test: str,
    highlight: Format,
) -> None:
    """Shade rows of a table where `test` (written for its first data row) holds."""
    last_row = first_row + max(rows, 1) - 1
    rule = {"type": "formula", "criteria": f"={test}", "format": highlight}
    sheet.conditional_format(first_row, first_col, last_row, last_col, rule)


def _count_area(
    workbook: Workbook,
    sheet: Worksheet,
    sheets: _Sheets,
    rows: pd.DataFrame,
    counts: _Counts,
    *,
    first_col: int,
) -> int:
    """A titled count table at `first_col` with a column chart below; returns its last column."""
    if rows.empty:
        return first_col - 2  # no area: the next one starts where this one would have
    col = first_col
    sheet.set_column(col, col + 1, _COUNT_COLUMN_WIDTH)
    tally = category_counts(rows[counts.field], counts.order)
    sheet.write_string(0, col, counts.title, sheets.title)
    table = (TableColumn(counts.label, "label"), TableColumn("Count", "count", "integer"))
    _table_at(sheet, tally, table, name=counts.name, row=1, col=col, sheets=sheets, summary=True)
    chart = workbook.add_chart({"type": "column"})
    if chart is None:  # add_chart returns None only for an unknown chart type
        raise RuntimeError("XlsxWriter refused to create a column chart")
    last = 1 + len(tally)
    chart.add_series(
        {
            "name": counts.title,
            "categories": [sheet.name, 2, col, last, col],
            "values": [sheet.name, 2, col + 1, last, col + 1],
            "points": [{"fill": {"color": _BAR_COLOURS.get(label, "#A5A5A5")}}
                       for label in tally["label"]],
            "data_labels": {"value": True},
        }
    )  # fmt: skip
    chart.set_title({"name": counts.title})
    chart.set_legend({"none": True})
    chart.set_y_axis({"num_format": "#,##0", "min": 0})
    chart.set_size(_CHART_SIZE)
    sheet.insert_chart(last + 2, col, chart)
    return col + 1


def _table_at(
    sheet: Worksheet,
    frame: pd.DataFrame,
    columns: Sequence[TableColumn],
    *,
    name: str,
    row: int,
    col: int,
    sheets: _Sheets,
    summary: bool = False,
) -> int:
    """The first `max_rows` rows of `frame` as the Excel table `name`, its header at (row, col);
    cells typed like `transforms.excel_tables.write_table` (never a formula), hours with one
    decimal. Returns the rows shown; a line under the table counts those left out. A `summary`
    table (counts) is never cut and keeps the widths its area set."""
    shown = frame if summary else frame.head(sheets.max_rows)
    for column_offset, column in enumerate(columns):
        cell_formats = dict(sheets.for_field(column.field))
        values = shown[column.field].tolist()
        if column.kind == "text":
            values = [_listed(value) for value in values]
        for row_offset, value in enumerate(values, start=1):
            write_cell(sheet, row + row_offset, col + column_offset, value, column.kind,
                       cell_formats)  # fmt: skip
        if not summary:
            width = column_width(shown, column)
            sheet.set_column(col + column_offset, col + column_offset, width)
    sheet.add_table(
        row,
        col,
        row + max(len(shown), 1),
        col + len(columns) - 1,
        {
            "name": name,
            "style": "Table Style Medium 2",
            "columns": [{"header": column.header} for column in columns],
        },
    )
    if len(frame) > len(shown):
        note = f"Showing the worst {len(shown):,} of {len(frame):,} rows."
        sheet.write_string(row + len(shown) + 2, col, note, sheets.title)
    return len(shown)


def _listed(value: Any) -> Any:
    """Lists (roles, mailboxes, addresses) shown as comma-separated text."""
    if isinstance(value, list | tuple | set | np.ndarray):
        return ", ".join(str(item) for item in value)
    return value
