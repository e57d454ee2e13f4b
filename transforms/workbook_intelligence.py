"""The report's account-intelligence sheets: "Health", "Complaints", "Engagement", "Team",
"Data quality" and "Unmatched". Each holds a worst-first Excel table at A1 (red, breached, cold
and overloaded rows shaded red, amber ones amber); Health, Complaints and Engagement add a small
count table with a chart beside it, and a second table (what moved, unanswered mail)."""

from __future__ import annotations

import pandas as pd
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook

from transforms.excel_tables import (
    CellKind,
    TableColumn,
)
from transforms.intelligence_tables import (
    BAND_ORDER,
    COMPLAINT_STATE_ORDER,
    ENGAGEMENT_STATE_ORDER,
    account_names,
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
from transforms.workbook_areas import (
    AMBER,
    MAX_TABLE_ROWS,
    NOTHING_TO_REPORT,
    ONE_DECIMAL,
    RED,
    Counts,
    Sheets,
    count_area,
    main_table,
    shade,
    table_at,
)
from transforms.workbook_sheets import field_index, printable_sheet

HEALTH_SHEET = "Health"
COMPLAINTS_SHEET = "Complaints"
ENGAGEMENT_SHEET = "Engagement"
TEAM_SHEET = "Team"
DATA_QUALITY_SHEET = "Data quality"
UNMATCHED_SHEET = "Unmatched"
MOVES_TITLE = "What moved since the last cycle"
UNANSWERED_TITLE = "Client mail waiting for a reply"


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
    sheets = Sheets(
        cells=formats,
        decimal=workbook.add_format({"num_format": ONE_DECIMAL}),
        red=workbook.add_format(RED),
        amber=workbook.add_format(AMBER),
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
    sheets: Sheets,
    health: pd.DataFrame,
    components: pd.DataFrame,
    changes: pd.DataFrame,
    key_accounts: pd.DataFrame,
) -> None:
    """Score, band and each component's points per account; bands charted; what moved."""
    sheet = printable_sheet(workbook, HEALTH_SHEET)
    rows, columns = health_with_components(health, components, key_accounts)
    end = main_table(sheet, sheets, rows, columns, name="Health", red=("band", "red"),
                      amber=("band", "amber"),
                      empty="no key accounts to score this cycle")  # fmt: skip
    counts = Counts("Key accounts per health band", "Band", "band", BAND_ORDER, "HealthBands")
    end = count_area(workbook, sheet, sheets, rows, counts, first_col=end + 2)
    moves = changes_worst_first(changes)
    sheet.write_string(0, end + 2, MOVES_TITLE, sheets.title)
    if moves.empty:
        sheet.write_string(1, end + 2, f"{NOTHING_TO_REPORT}: no score or band changed")
        return
    table_at(sheet, moves, HEALTH_CHANGE_TABLE, name="HealthChanges", row=1, col=end + 2,
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


def _complaints_sheet(workbook: Workbook, sheets: Sheets, complaints: pd.DataFrame) -> None:
    """Complaints by SLA state, breached first, and a chart of how many are in each state."""
    sheet = printable_sheet(workbook, COMPLAINTS_SHEET)
    rows = complaints_worst_first(complaints)
    rows = rows.assign(breached=rows["state"].eq("breached"))
    end = main_table(sheet, sheets, rows, COMPLAINT_TABLE, name="Complaints",
                      red=("state", "breached"), amber=("state", "at risk"),
                      empty="no open complaints of key accounts, none closed recently")  # fmt: skip
    counts = Counts("Complaints per SLA state", "State", "state", COMPLAINT_STATE_ORDER,
                     "ComplaintStates")  # fmt: skip
    count_area(workbook, sheet, sheets, rows, counts, first_col=end + 2)


def _engagement_sheet(
    workbook: Workbook,
    sheets: Sheets,
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
    end = main_table(sheet, sheets, rows, ENGAGEMENT_TABLE, name="Engagement",
                      red=("state", "cold"), amber=("state", "slipping"),
                      empty="no key accounts to follow")  # fmt: skip
    counts = Counts("Key accounts per engagement state", "State", "state",
                     ENGAGEMENT_STATE_ORDER, "EngagementStates")  # fmt: skip
    end = count_area(workbook, sheet, sheets, rows, counts, first_col=end + 2)
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
    table_at(sheet, waiting, UNANSWERED_TABLE, name="Unanswered", row=1, col=col, sheets=sheets)
    flag = col + field_index(UNANSWERED_TABLE, "over_sla")
    last_col = col + len(UNANSWERED_TABLE) - 1
    shade(sheet, first_row=2, rows=len(waiting), first_col=col, last_col=last_col,
           test=f"${xl_col_to_name(flag)}3=TRUE", highlight=sheets.red)  # fmt: skip


def _team_sheet(workbook: Workbook, sheets: Sheets, team: pd.DataFrame) -> None:
    """Everyone on a key-account team with their load, the overloaded first."""
    sheet = printable_sheet(workbook, TEAM_SHEET)
    rows = team_worst_first(team)
    rows = rows.assign(overloaded=rows["overloaded"].fillna(False).astype(bool))
    main_table(sheet, sheets, rows, TEAM_TABLE, name="Team", red=None, amber=None,
                empty="no account team members on key accounts")  # fmt: skip


def _data_quality_sheet(
    workbook: Workbook, sheets: Sheets, data_quality: pd.DataFrame, key_accounts: pd.DataFrame
) -> None:
    """CRM data problems, high severity first, naming the records to fix."""
    sheet = printable_sheet(workbook, DATA_QUALITY_SHEET)
    rows = data_quality_worst_first(data_quality)
    rows = rows.assign(account=account_names(rows["account_id"], key_accounts))
    main_table(sheet, sheets, rows, DATA_QUALITY_TABLE, name="DataQuality",
                red=("severity", "high"), amber=("severity", "medium"),
                empty="no CRM data problems found")  # fmt: skip


def _unmatched_sheet(
    workbook: Workbook, sheets: Sheets, unmatched: pd.DataFrame, key_accounts: pd.DataFrame
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
    main_table(sheet, sheets, rows, columns, name="Unmatched", red=None, amber=None,
                empty="every outside correspondent matched an account")  # fmt: skip
