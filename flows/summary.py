"""The cycle's outcome in the user's terms: for the CLI, the Prefect UI and the run log."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from flows.pull_calendar import CalendarPull
from flows.pull_m365 import MailboxPull
from flows.pull_salesforce import ObjectPull
from flows.push import TodoPush
from flows.reconcile import Analysis
from flows.report import DigestResult, ReportResult


@dataclass
class CycleSummary:
    dry_run: bool
    objects: list[ObjectPull]
    mailboxes: list[MailboxPull]
    calendars: list[CalendarPull]
    #: people on key accounts kamsync found no usable mailbox for
    unmatched_people: int
    key_accounts: int
    deadlines: int
    overdue: int
    tasks_planned: int
    tasks_in_place: int
    #: linked open tasks whose CRM title or due date changed / whose CRM record closed
    updates_planned: int
    completions_planned: int
    unassigned: int
    pushes: list[TodoPush]
    report: ReportResult
    digest: DigestResult
    api_calls: dict[str, int]
    planned: list[dict[str, Any]] = field(default_factory=list)
    #: CRM records kamsync skipped, clipped or reinterpreted (the "Data issues" table)
    data_issues: list[dict[str, Any]] = field(default_factory=list)

    @property
    def tasks_created(self) -> int:
        return sum(push.created for push in self.pushes)

    @property
    def tasks_updated(self) -> int:
        return sum(push.updated for push in self.pushes)

    @property
    def tasks_completed(self) -> int:
        return sum(push.completed for push in self.pushes)

    @property
    def tasks_failed(self) -> int:
        return sum(push.failed for push in self.pushes)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["tasks_created"] = self.tasks_created
        data["tasks_updated"] = self.tasks_updated
        data["tasks_completed"] = self.tasks_completed
        data["tasks_failed"] = self.tasks_failed
        return data


def summarise(
    analysis: Analysis,
    *,
    dry_run: bool,
    objects: list[ObjectPull],
    mailboxes: list[MailboxPull],
    calendars: list[CalendarPull],
    unmatched_people: int,
    pushes: list[TodoPush],
    report: ReportResult,
    digest: DigestResult,
    api_calls: dict[str, int],
) -> CycleSummary:
    plan = analysis.todo_plan
    to_create = plan[plan["action"] == "create"]
    deadlines = analysis.deadlines
    return CycleSummary(
        dry_run=dry_run,
        objects=objects,
        mailboxes=mailboxes,
        calendars=calendars,
        unmatched_people=unmatched_people,
        key_accounts=len(analysis.key_accounts),
        deadlines=len(deadlines),
        overdue=int(deadlines["overdue"].sum()) if len(deadlines) else 0,
        tasks_planned=len(to_create),
        tasks_in_place=int((plan["action"] == "in_place").sum()),
        updates_planned=int((plan["action"] == "update").sum()),
        completions_planned=int((plan["action"] == "complete").sum()),
        unassigned=len(analysis.unassigned),
        pushes=pushes,
        report=report,
        digest=digest,
        api_calls=api_calls,
        planned=_planned_rows(to_create),
        data_issues=[
            {str(key): value for key, value in row.items()}
            for row in analysis.data_issues.to_dict("records")
        ],
    )


def _planned_rows(to_create: pd.DataFrame) -> list[dict[str, Any]]:
    columns = ["mailbox", "due_date", "title", "importance"]
    rows = to_create[columns].sort_values(["mailbox", "due_date"]).to_dict("records")
    return [
        {**{str(k): v for k, v in row.items()}, "due_date": row["due_date"].isoformat()}
        for row in rows
    ]
