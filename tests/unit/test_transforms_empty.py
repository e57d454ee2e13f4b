"""A cycle with nothing to work on (0 key accounts, an empty org or mailbox) runs through
every transform and still produces a workbook and a digest."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

import openpyxl
import pandas as pd

from transforms import (
    build_workbook,
    collect_deadlines,
    plan_todo_tasks,
    render_digest,
    select_key_accounts,
    unassigned_deadlines,
)
from transforms import deadlines as deadline_inputs
from transforms import goals as goal_inputs
from transforms import key_accounts as key_account_inputs
from transforms import mailbox_scope as scope_inputs
from transforms import meetings as meeting_inputs
from transforms.attribution import ATTRIBUTION_COLUMNS
from transforms.data_issues import data_issues
from transforms.engagement import account_engagement
from transforms.mailbox_scope import mailboxes_in_scope
from transforms.todo_plan import closed_record_ids, linked_task_states

TODAY = dt.date(2026, 11, 27)
NOW = dt.datetime(2026, 11, 27, 6, 30, tzinfo=dt.UTC)
ANN = "ann@contoso.com"


def empty(columns: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


def test_every_transform_accepts_empty_inputs_and_the_reports_are_built() -> None:
    key_accounts = select_key_accounts(
        empty(key_account_inputs.ACCOUNT_COLUMNS),
        empty(key_account_inputs.OPPORTUNITY_COLUMNS),
        empty(key_account_inputs.USER_COLUMNS),
        today=TODAY,
    )
    deadlines = collect_deadlines(
        key_accounts,
        empty(deadline_inputs.TASK_COLUMNS),
        empty(deadline_inputs.OPPORTUNITY_COLUMNS),
        empty(deadline_inputs.CONTRACT_COLUMNS),
        today=TODAY,
    )
    engagement = account_engagement(
        empty(ATTRIBUTION_COLUMNS), key_accounts, empty(["Id", "Key_Account__c"]), now=NOW
    )
    meetings = meeting_inputs.meetings_of_accounts(
        empty(ATTRIBUTION_COLUMNS), empty(meeting_inputs.EVENT_COLUMNS),
        key_accounts["account_id"], now=NOW,
    )  # fmt: skip
    links = linked_task_states(
        empty(["mailbox", "external_id", "task_id", "list_id"]),
        empty(["id", "title", "due_date", "status"]),
    )
    closed = closed_record_ids(
        empty(["Id", "IsClosed"]), empty(["Id", "IsClosed"]), empty(["Id", "Status"])
    )
    plan = plan_todo_tasks(
        deadlines, links, mailboxes=[ANN], instance_url="https://x", closed_ids=closed
    )
    goals = goal_inputs.attainment(
        empty(goal_inputs.GOAL_COLUMNS),
        empty(["AccountId", "Amount", "CloseDate", "IsWon"]),
        today=TODAY,
    )
    checked = goal_inputs.check_goals(empty(goal_inputs.GOAL_INPUTS), ANN, empty(["Id", "Name"]))
    scope = mailboxes_in_scope(
        [ANN],
        key_accounts,
        empty(scope_inputs.TEAM_COLUMNS),
        empty(scope_inputs.SALESFORCE_USER_COLUMNS),
        empty(scope_inputs.TENANT_USER_COLUMNS),
    )
    issues = data_issues({})

    content = build_workbook(
        key_accounts, deadlines, engagement, generated_at=NOW, company="Contoso",
        goals=goals, goal_problems=checked.problems, meetings=meetings, data_issues=issues,
    )  # fmt: skip
    subject, html = render_digest(
        key_accounts, deadlines, today=TODAY, company="Contoso", report_url=None,
        meetings=meetings,
    )  # fmt: skip

    assert key_accounts.empty and deadlines.empty and plan.empty and issues.empty
    assert unassigned_deadlines(deadlines, [ANN]).empty
    assert goal_inputs.attainment_by_kam(goals).empty
    assert scope.mailboxes["mailbox"].tolist() == [ANN]
    summary = openpyxl.load_workbook(io.BytesIO(content))["Summary"]
    figures = {row[0]: row[1] for row in summary.iter_rows(min_row=4, values_only=True)}
    assert figures["Key accounts"] == 0
    assert "Contoso" in subject and "<html" in html.lower()


def test_a_workbook_without_engagement_or_meetings_rows_has_blank_columns() -> None:
    key_accounts = pd.DataFrame(
        [{"account_id": "A1", "account_name": "Acme", "owner_name": "Ann", "owner_email": ANN,
          "industry": "Energy", "t12m_revenue": 10.0, "revenue_share": 1.0,
          "cumulative_share": 1.0, "open_pipeline": 0.0, "weighted_pipeline": 0.0,
          "open_opportunities": 0, "reason": "top revenue", "domain": "acme.com"}]
    )  # fmt: skip
    engagement = pd.DataFrame(
        {"account_id": pd.Series(dtype=object), "state": pd.Series(dtype=object),
         "last_inbound_at": pd.Series(dtype="datetime64[us, UTC]"),
         "last_outbound_at": pd.Series(dtype="datetime64[us, UTC]"),
         "touches_90d": pd.Series(dtype=int)}
    )  # fmt: skip
    meetings = empty(meeting_inputs.MEETING_COLUMNS).astype(
        {"last_meeting_at": "datetime64[us, UTC]", "next_meeting_at": "datetime64[us, UTC]"}
    )
    deadlines = empty(deadline_inputs.DEADLINE_COLUMNS)
    content = build_workbook(
        key_accounts, deadlines, engagement, generated_at=NOW, company="Contoso", meetings=meetings
    )
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Key accounts"]
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    assert row["Account"] == "Acme"
    assert row["Last client mail (UTC)"] is None and row["Touches, 90 days"] == 0
