"""What a run leaves in the Prefect UI: tables of what was pulled and pushed, and a
one-paragraph outcome with a link to the report in OneDrive."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.pull_calendar import CalendarPull
from flows.pull_m365 import MailboxPull
from flows.pull_salesforce import ObjectPull
from flows.report import ReportResult
from flows.summary import CycleSummary


def publish_pull_table(objects: Sequence[ObjectPull]) -> None:
    """Salesforce records pulled this run, per object, and the mirror's check."""
    create_table_artifact(
        key="kamsync-salesforce-pulls",
        table=[
            {"object": pull.object_name, "mode": pull.mode, "via": pull.via,
             "read": pull.pulled, "deleted": pull.deleted, "mirrored": pull.mirrored,
             "in the org": pull.in_org, "repaired": pull.repaired, "API calls": pull.api_calls,
             "note": pull.note}
            for pull in objects
        ],
        description="Salesforce records pulled this run, and the mirror checked against the org",
    )  # fmt: skip


def publish_mailbox_table(
    mailboxes: Sequence[MailboxPull], calendars: Sequence[CalendarPull]
) -> None:
    """Microsoft 365 changes mirrored this run, per mailbox."""
    by_box = {pull.mailbox: pull for pull in calendars}
    create_table_artifact(
        key="kamsync-mailboxes",
        table=[
            {"mailbox": box.mailbox, "messages": box.messages,
             "events": by_box[box.mailbox].events if box.mailbox in by_box else None,
             "removed": box.removed + (by_box[box.mailbox].removed if box.mailbox in by_box else 0),
             "linked To Do tasks": box.linked_tasks, "resyncs": box.resyncs}
            for box in mailboxes
        ],
        description="Microsoft 365 changes mirrored this run, per mailbox",
    )  # fmt: skip


#: Rows shown in the Prefect UI; the workbook's "Data issues" sheet holds them all.
DATA_ISSUE_ROWS = 500
DATA_ISSUES_ARTIFACT = "kamsync-data-issues"


def publish_data_issues(issues: Sequence[dict[str, Any]]) -> None:
    """The CRM records kamsync skipped, clipped or reinterpreted this run, and why."""
    shown = list(issues[:DATA_ISSUE_ROWS])
    more = len(issues) - len(shown)
    create_table_artifact(
        key=DATA_ISSUES_ARTIFACT,
        table=[
            {"object": row["object"], "record id": row["record_id"], "field": row["field"],
             "value": row["value"], "what was wrong": row["problem"],
             "what kamsync did": row["action"]}
            for row in shown
        ] or [{"object": "", "record id": "", "field": "", "value": "",
               "what was wrong": "no data issues", "what kamsync did": ""}],
        description=f"{len(issues)} CRM records kamsync skipped, clipped or reinterpreted"
        + (f" ({more} more in the workbook's Data issues sheet)" if more else ""),
    )  # fmt: skip


def report_link(report: ReportResult) -> str:
    """Markdown for the report: its OneDrive page when uploaded, else the local copy."""
    if report.web_url:
        return f"[{report.onedrive_path}]({report.web_url})"
    return f"`{report.onedrive_path or report.local_path}`"


def publish_cycle(summary: CycleSummary) -> None:
    """The cycle's tables, its To Do plan and its outcome."""
    publish_pull_table(summary.objects)
    publish_mailbox_table(summary.mailboxes, summary.calendars)
    publish_data_issues(summary.data_issues)
    for key, (description, rows) in summary.artifact_tables.items():
        create_table_artifact(key=key, table=rows, description=description)
    if summary.planned:
        create_table_artifact(
            key="kam-cycle-todo-plan",
            table=summary.planned,
            description="To Do tasks planned this run",
        )
    create_markdown_artifact(
        key="kam-cycle-summary",
        markdown=(
            f"**{summary.key_accounts}** key accounts · **{summary.deadlines}** deadlines "
            f"({summary.overdue} overdue) · To Do: **{summary.tasks_created}** created, "
            f"{summary.tasks_updated} updated, {summary.tasks_completed} completed, "
            f"{summary.tasks_in_place} already in place · report: {report_link(summary.report)}"
            f" · digest: {summary.digest.note or summary.digest.status}"
            f" · data issues: {len(summary.data_issues)}"
            + "".join(f" · {what}: **{n}**" for what, n in summary.findings.items() if n)
            + (f" · **{failed} To Do writes failed**" if (failed := summary.tasks_failed) else "")
        ),
        description="kam-cycle outcome",
    )
