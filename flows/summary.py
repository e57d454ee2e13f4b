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
from transforms.intelligence_tables import artifact_tables


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
    #: what the account analysis found, counted (health bands, complaints by state...)
    findings: dict[str, int] = field(default_factory=dict)
    #: artifact key -> (description, rows): the analysis' tables for the Prefect UI
    artifact_tables: dict[str, tuple[str, list[dict[str, str]]]] = field(
        default_factory=dict, repr=False
    )

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
        data.pop("artifact_tables")  # shown as artifacts; the run's result stays small
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
        findings=findings(analysis),
        artifact_tables=artifact_tables(
            health=analysis.health,
            health_changes=analysis.health_changes,
            complaints=analysis.complaints,
            engagement=analysis.engagement,
            unanswered=analysis.unanswered,
            team=analysis.team,
            data_quality=analysis.data_quality,
            unmatched=analysis.unmatched,
            key_accounts=analysis.key_accounts,
        ),
    )


def findings(analysis: Analysis) -> dict[str, int]:
    """What the account analysis found this cycle, as counts a KAM reads at a glance."""

    def count(frame: pd.DataFrame, column: str, value: object) -> int:
        return int((frame[column] == value).sum()) if column in frame.columns else 0

    team = analysis.team
    overloaded = team[team["overloaded"].eq(True)] if "overloaded" in team.columns else team
    items = analysis.attribution
    attributed = (
        int(items["internet_message_id"].fillna(items["ical_uid"]).nunique()) if len(items) else 0
    )
    return {
        "mails and meetings attributed": attributed,
        "health red": count(analysis.health, "band", "red"),
        "health amber": count(analysis.health, "band", "amber"),
        "health green": count(analysis.health, "band", "green"),
        "complaints breached": count(analysis.complaints, "state", "breached"),
        "complaints at risk": count(analysis.complaints, "state", "at risk"),
        "accounts cold": count(analysis.engagement, "state", "cold"),
        "accounts slipping": count(analysis.engagement, "state", "slipping"),
        "client mails unanswered": len(analysis.unanswered),
        "people overloaded": int(overloaded["user_id"].nunique()) if len(overloaded) else 0,
        "data quality findings": len(analysis.data_quality),
        "unmatched correspondents": len(analysis.unmatched),
    }


def _planned_rows(to_create: pd.DataFrame) -> list[dict[str, Any]]:
    columns = ["mailbox", "due_date", "title", "importance"]
    rows = to_create[columns].sort_values(["mailbox", "due_date"]).to_dict("records")
    return [
        {**{str(k): v for k, v in row.items()}, "due_date": row["due_date"].isoformat()}
        for row in rows
    ]
