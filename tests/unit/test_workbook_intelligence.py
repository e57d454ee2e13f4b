"""The intelligence sheets read worst first, shade what needs action, chart the states and say
"Nothing to report" rather than show a broken table."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pandas as pd
import pytest
from openpyxl.workbook.workbook import Workbook as OpenedWorkbook
from openpyxl.worksheet.worksheet import Worksheet
from xlsxwriter.workbook import Workbook

from transforms.excel_tables import cell_formats
from transforms.intelligence_tables import category_counts
from transforms.workbook_intelligence import add_intelligence_sheets

INJECTION = '=HYPERLINK("http://evil.example","Click")'
SHEETS = ["Health", "Complaints", "Engagement", "Team", "Data quality", "Unmatched"]


def utc(text: str | None) -> Any:
    """A UTC timestamp, NaT for None (what the analyses put in their datetime columns)."""
    return pd.Timestamp(text, tz="UTC") if text else pd.NaT


def intelligence_frames() -> dict[str, pd.DataFrame]:
    """Three key accounts: Acme (red, cold, breached case), Beta (amber), Gamma (green)."""
    key_accounts = pd.DataFrame(
        {
            "account_id": ["A1", "A2", "A3"],
            "account_name": ["Acme", "Beta", "Gamma"],
            "owner_name": ["Ann Kam", "Bob Kam", "Ann Kam"],
        }
    )
    health = pd.DataFrame(
        {
            "account_id": ["A3", "A1", "A2"],
            "account_name": ["Gamma", "Acme", "Beta"],
            "score": [88, 31, 55],
            "band": ["green", "red", "amber"],
            "summary": ["", "engagement, complaints", "renewal"],
        }
    )
    component_rows = [
        (account, component, points, weight, reason)
        for account, scale in (("A1", 0.2), ("A2", 0.6), ("A3", 0.9))
        for component, weight in (("engagement", 25), ("complaints", 20), ("revenue_trend", 55))
        for points, reason in [(weight * scale, f"{component} reason {account}")]
    ]
    health_components = pd.DataFrame(
        component_rows, columns=["account_id", "component", "points", "weight", "reason"]
    )
    health_changes = pd.DataFrame(
        {
            "account_id": ["A2", "A1"],
            "account_name": ["Beta", "Acme"],
            "previous_score": [60, 72],
            "score": [55, 31],
            "delta": [-5, -41],
            "previous_band": ["amber", "green"],
            "band": ["amber", "red"],
            "moved": ["renewal -5", "engagement -20 (no touch in 40 days), complaints -21"],
        }
    )
    complaints = pd.DataFrame(
        [
            complaint("C2", "A2", "Beta", "Medium", "at risk", 6.5),
            complaint("C1", "A1", INJECTION, "High", "breached", 5.25),
            complaint("C3", "A3", "Gamma", "Low", "met", 2.0),
        ]
    )
    engagement = pd.DataFrame(
        [
            engagement_row("A3", "Gamma", "on track", 3),
            engagement_row("A2", "Beta", "slipping", 40),
            engagement_row("A1", "Acme", "cold", None),
        ]
    )
    unanswered = pd.DataFrame(
        {
            "account_id": ["A2", "A1"],
            "mailbox": ["bob@contoso.com", "ann@contoso.com"],
            "internet_message_id": ["<m2@beta.com>", "<m1@acme.com>"],
            "conversation_id": ["c2", "c1"],
            "subject": ["Quote?", "Outage again"],
            "sender": ["x@beta.com", "y@acme.com"],
            "received_at": [utc("2026-11-26T10:00:00"), utc("2026-11-20T08:00:00")],
            "business_hours_waiting": [3.25, 19.5],
            "reply_sla_hours": [8.0, 8.0],
        }
    )
    team = pd.DataFrame(
        {
            "account_id": ["A1", "A1"],
            "account_name": ["Acme", "Acme"],
            "user_id": ["U2", "U1"],
            "user_name": ["Cy Calm", "Di Busy"],
            "user_email": ["cy@contoso.com", "di@contoso.com"],
            "roles": [["Sales Rep"], ["Account Manager", "Executive Sponsor"]],
            "open_items": [2, 12],
            "overdue_items": [0, 4],
            "open_cases": [1, 6],
            "last_touch_at": [utc("2026-11-25T09:00:00"), utc(None)],
            "load": [3, 18],
            "team_median_load": [4.5, 4.5],
            "load_ratio": [0.667, 4.0],
            "overloaded": [False, True],
            "reason": ["", "18 open items, 4.0× the team median"],
        }
    )
    data_quality = pd.DataFrame(
        {
            "check": ["missing website", "duplicate account"],
            "severity": ["low", "high"],
            "sobject": ["Account", "Account"],
            "record_ids": ["A3", "A1,A9"],
            "account_id": ["A3", "A1"],
            "detail": ["Gamma has no Website", "Acme and Acme Inc look alike"],
        }
    )
    unmatched = pd.DataFrame(
        {
            "address": ["z@acme-group.com", "q@unknown.org"],
            "domain": ["acme-group.com", "unknown.org"],
            "items": [14, 2],
            "mailboxes": [3, 1],
            "first_seen": [utc("2026-10-01T08:00:00"), utc("2026-11-01T08:00:00")],
            "last_seen": [utc("2026-11-26T08:00:00"), utc("2026-11-02T08:00:00")],
            "likely_account_id": ["A1", None],
            "likely_by": ["similar domain", None],
            "suggested_first_name": ["Zoe", None],
            "suggested_last_name": ["Ng", None],
            "reason": ["14 mails with Acme's people", "2 mails"],
        }
    )
    return {
        "health": health,
        "health_components": health_components,
        "health_changes": health_changes,
        "complaints": complaints,
        "engagement": engagement,
        "unanswered": unanswered,
        "team": team,
        "data_quality": data_quality,
        "unmatched": unmatched,
        "key_accounts": key_accounts,
    }


def complaint(
    case_id: str, account_id: str, name: str, priority: str, state: str, used: float
) -> dict[str, Any]:
    return {
        "case_id": case_id, "case_number": f"000{case_id[1:]}", "account_id": account_id,
        "account_name": name, "subject": "Broken", "priority": priority, "status": "New",
        "is_closed": state == "met", "created_at": utc("2026-11-20T09:00:00"),
        "closed_at": utc("2026-11-21T09:00:00") if state == "met" else pd.NaT,
        "owner_id": "U1", "owner_name": "Ann Kam", "owner_email": "ann@contoso.com",
        "first_response_at": pd.NaT, "first_response_by": None, "first_response_sla_hours": 4.0,
        "first_response_hours_used": used, "first_response_state": state,
        "resolution_sla_hours": 24.0, "resolution_hours_used": used,
        "resolution_state": "on track", "state": state, "reason": f"{state} case",
    }  # fmt: skip


def engagement_row(account_id: str, name: str, state: str, days: int | None) -> dict[str, Any]:
    return {
        "account_id": account_id, "account_name": name, "tier": "key",
        "last_inbound_at": utc("2026-11-20T09:15:00"), "last_outbound_at": utc(None),
        "last_meeting_at": utc(None), "next_meeting_at": utc("2026-12-02T09:30:00"),
        "touches_30d": 2, "touches_90d": 5, "contacts_30d": 1, "contacts_90d": 2,
        "cadence_days": 30, "days_since_touch": days, "state": state, "unanswered": 1,
        "reason": f"{state} reason",
    }  # fmt: skip


def build(**overrides: Any) -> OpenedWorkbook:
    frames: dict[str, Any] = {**intelligence_frames(), **overrides}
    buffer = io.BytesIO()
    workbook = Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    add_intelligence_sheets(workbook, cell_formats(workbook), **frames)
    workbook.close()
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def empty(frames: dict[str, pd.DataFrame], *names: str) -> dict[str, pd.DataFrame]:
    return {name: frames[name].iloc[0:0] for name in names}


def table_rows(sheet: Worksheet, table: str) -> list[tuple[Any, ...]]:
    return [tuple(cell.value for cell in row) for row in sheet[sheet.tables[table].ref]]


def as_dicts(sheet: Worksheet, table: str) -> list[dict[str, Any]]:
    header, *rows = table_rows(sheet, table)
    return [dict(zip(header, row, strict=True)) for row in rows]


def rules(sheet: Worksheet) -> list[tuple[str, str]]:
    return [
        (str(rule_range.sqref), rule.formula[0])
        for rule_range in sheet.conditional_formatting
        for rule in rule_range.rules
    ]


def test_six_sheets_in_order() -> None:
    assert build().sheetnames == SHEETS


def test_health_lists_the_worst_account_first_with_component_points_and_reasons() -> None:
    sheet = build()["Health"]
    header, *rows = table_rows(sheet, "Health")

    assert header[:5] == ("Account", "KAM", "Score", "Band", "Red")
    assert header[5:8] == ("Engagement (of 25)", "Complaints (of 20)", "Revenue trend (of 55)")
    assert [row[0] for row in rows] == ["Acme", "Beta", "Gamma"]
    acme = dict(zip(header, rows[0], strict=True))
    assert (acme["KAM"], acme["Score"], acme["Red"], acme["Engagement (of 25)"]) == (
        "Ann Kam", 31, True, 5)  # fmt: skip
    assert acme["Why (per component)"].startswith("Revenue trend: revenue_trend reason A1; ")
    assert sheet.freeze_panes == "A2"


def test_red_accounts_are_shaded_red_and_amber_ones_amber() -> None:
    assert rules(build()["Health"]) == [("A2:K4", "$E2=TRUE"), ("A2:K4", '$D2="amber"')]


def test_health_charts_accounts_per_band_and_shows_what_moved() -> None:
    sheet = build()["Health"]

    bands = table_rows(sheet, "HealthBands")
    assert bands == [("Band", "Count"), ("red", 1), ("amber", 1), ("green", 1)]
    (chart,) = sheet._charts
    assert chart.series[0].val.numRef.f == "Health!$N$3:$N$5"
    moves = as_dicts(sheet, "HealthChanges")
    assert [(move["Account"], move["Change"]) for move in moves] == [("Acme", -41), ("Beta", -5)]
    assert sheet.cell(row=1, column=16).value == "What moved since the last cycle"


def test_complaints_breached_first_with_hours_to_one_decimal_and_a_state_chart() -> None:
    sheet = build()["Complaints"]
    cases = as_dicts(sheet, "Complaints")

    assert [case["State"] for case in cases] == ["breached", "at risk", "met"]
    assert cases[0]["Account"] == INJECTION  # CRM text stays text
    assert cases[0]["First response used (business h)"] == 5.25
    assert sheet["K2"].number_format == "0.0"
    assert ("A2:U4", "$F2=TRUE") in rules(sheet)
    states = table_rows(sheet, "ComplaintStates")[1:]
    assert states == [("breached", 1), ("at risk", 1), ("on track", 0), ("met", 1)]
    assert len(sheet._charts) == 1


def test_engagement_cold_first_charted_with_unanswered_mail_beside() -> None:
    sheet = build()["Engagement"]
    accounts = as_dicts(sheet, "Engagement")

    assert (accounts[0]["Account"], accounts[0]["Cold"]) == ("Acme", True)
    assert [row["State"] for row in accounts] == ["cold", "slipping", "on track"]
    assert table_rows(sheet, "EngagementStates")[1:] == [
        ("cold", 1), ("slipping", 1), ("on track", 1)]  # fmt: skip
    assert len(sheet._charts) == 1
    waiting = as_dicts(sheet, "Unanswered")
    assert [(row["Account"], row["Over SLA"]) for row in waiting] == [("Acme", True),
                                                                     ("Beta", False)]  # fmt: skip


def test_team_overloaded_first_and_shaded_with_roles_as_text() -> None:
    sheet = build()["Team"]
    people = as_dicts(sheet, "Team")

    assert people[0]["Person"] == "Di Busy"
    assert people[0]["Roles"] == "Account Manager, Executive Sponsor"
    assert people[0]["Load vs. median"] == 4.0
    assert rules(sheet) == [("A2:O3", "$H2=TRUE")]


def test_data_quality_high_first_and_unmatched_busiest_first() -> None:
    workbook = build()
    problems = as_dicts(workbook["Data quality"], "DataQuality")
    unknown = as_dicts(workbook["Unmatched"], "Unmatched")

    assert [(row["Severity"], row["Account"]) for row in problems] == [("high", "Acme"),
                                                                      ("low", "Gamma")]  # fmt: skip
    assert [(row["Address"], row["Likely account"]) for row in unknown] == [
        ("z@acme-group.com", "Acme"), ("q@unknown.org", None)]  # fmt: skip
    assert unknown[0]["Mails"] == 14


def test_empty_analyses_say_nothing_to_report_instead_of_a_table() -> None:
    frames = intelligence_frames()
    workbook = build(**empty(frames, *frames))

    assert workbook.sheetnames == SHEETS
    for name in SHEETS:
        sheet = workbook[name]
        assert sheet.tables == {}, name
        assert sheet._charts == [], name
        assert str(sheet["A1"].value).startswith("Nothing to report: "), name


def test_an_empty_side_table_says_so_while_the_main_table_stays() -> None:
    frames = intelligence_frames()
    workbook = build(**empty(frames, "health_changes", "unanswered"))

    health, engagement = workbook["Health"], workbook["Engagement"]
    assert set(health.tables) == {"Health", "HealthBands"}
    assert health.cell(row=2, column=16).value.startswith("Nothing to report")
    assert set(engagement.tables) == {"Engagement", "EngagementStates"}


def test_missing_contract_column_is_named() -> None:
    frames = intelligence_frames()
    with pytest.raises(ValueError, match=r"complaints.*first_response_state"):
        build(complaints=frames["complaints"].drop(columns=["first_response_state"]))


def test_category_counts_keep_the_known_order_then_anything_else() -> None:
    counts = category_counts(pd.Series(["red", "teal", None, "red"]), ("red", "amber"))

    assert counts.to_dict("list") == {
        "label": ["red", "amber", "teal", "(none)"],
        "count": [2, 0, 1, 1],
    }


def test_long_tables_show_the_worst_rows_and_say_how_many_more() -> None:
    opened = build(max_rows=2)

    health = opened["Health"]
    assert [row["Account"] for row in as_dicts(health, "Health")] == ["Acme", "Beta"]
    assert health["A5"].value == "Showing the worst 2 of 3 rows."
    assert table_rows(health, "HealthBands")[1:] == [("red", 1), ("amber", 1), ("green", 1)]
