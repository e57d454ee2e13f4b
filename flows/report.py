"""Report: the Excel workbook (local copy + OneDrive) with each KAM's goals, and the daily
Outlook digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.errors import ConnectorError
from connectors.m365 import Attachment, send_mail, upload_file
from connectors.m365.workbook import read_table
from connectors.store import Operation
from flows.crashpoints import crash_point
from flows.progress import run_logger, step
from flows.reconcile import Analysis, mirror_frame
from flows.runtime import Runtime
from flows.taskrun import run
from transforms import build_workbook, render_digest
from transforms.goals import (
    GOAL_COLUMNS,
    PROBLEM_COLUMNS,
    CheckedGoals,
    attainment,
    check_goals,
)

MAIL_SEND = "mail.send"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ReportResult:
    local_path: str
    onedrive_path: str | None
    web_url: str | None


@task(name="publish-report", cache_policy=NO_CACHE)
def publish_report(
    runtime: Runtime, analysis: Analysis, today: date, dry_run: bool
) -> ReportResult:
    """Build the workbook, keep a local copy, and replace today's copy in OneDrive."""
    settings = runtime.settings
    goals, goal_problems = kam_goals(runtime, today)
    content = build_workbook(
        analysis.key_accounts,
        analysis.deadlines,
        analysis.engagement,
        generated_at=datetime.now(UTC),
        company=settings.company,
        goals=goals,
        goal_problems=goal_problems,
        meetings=analysis.meetings,
        data_issues=analysis.data_issues,
    )
    name = f"key-accounts-{today.isoformat()}.xlsx"
    local = Path(settings.reports.local_dir) / name
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_bytes(content)
    if dry_run:
        step("report", f"workbook written to {local} (dry run: not uploaded)")
        return ReportResult(str(local), None, None)
    folder = settings.reports.onedrive_folder
    uploaded = upload_file(runtime.graph, settings.reports.drive_user, folder, name, content)
    crash_point("report.uploaded")
    step("report", f"workbook uploaded to OneDrive {uploaded.path}")
    return ReportResult(str(local), uploaded.path, uploaded.web_url)


@task(name="read-goals", cache_policy=NO_CACHE)
def read_goals(runtime: Runtime, mailbox: str) -> CheckedGoals:
    """One KAM's goals, checked; a missing or unreadable table is a warning and a problem row."""
    reports = runtime.settings.reports
    accounts = mirror_frame(runtime.store, "salesforce", "Account", ["Id", "Name"])
    try:
        raw = read_table(runtime.graph, mailbox, reports.goals_workbook, reports.goals_table)
    except ConnectorError as exc:
        run_logger().warning("goals of %s not read: %s", mailbox, exc)
        problem = {"kam": mailbox, "sheet_row": None, "account": None, "reason": str(exc)}
        empty = pd.DataFrame(columns=list(GOAL_COLUMNS))
        return CheckedGoals(empty, pd.DataFrame([problem], columns=list(PROBLEM_COLUMNS)))
    return check_goals(raw, mailbox, accounts)


def kam_goals(runtime: Runtime, today: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every KAM's goals with attainment, and the goal rows (or workbooks) left out."""
    checked = [run(read_goals, runtime, mailbox) for mailbox in runtime.settings.m365.mailboxes]
    goals = pd.concat([c.goals for c in checked], ignore_index=True)
    problems = pd.concat([c.problems for c in checked], ignore_index=True)
    opportunities = mirror_frame(
        runtime.store, "salesforce", "Opportunity", ["AccountId", "Amount", "CloseDate", "IsWon"]
    )
    with_attainment = attainment(goals, opportunities, today=today)
    step("report", f"{len(goals)} goals read, {len(problems)} goal rows left out")
    return with_attainment, problems


@dataclass(frozen=True)
class DigestResult:
    key: str
    status: str  # "sent", "already sent", "would send", "left to another run"
    recipients: tuple[str, ...]
    subject: str
    #: why it was not sent now, in the user's words (None when it was sent)
    note: str | None = None


@task(name="send-digest", cache_policy=NO_CACHE)
def send_digest(
    runtime: Runtime, analysis: Analysis, report: ReportResult, today: date, dry_run: bool
) -> DigestResult:
    """Mail the day's digest once: its outbox key is the date and the sender."""
    reports = runtime.settings.reports
    subject, html = render_digest(
        analysis.key_accounts,
        analysis.deadlines,
        today=today,
        company=runtime.settings.company,
        report_url=report.web_url,
        meetings=analysis.meetings,
    )
    key = f"mail.digest:{today.isoformat()}:{reports.sender}"
    recipients = tuple(reports.recipients)
    if dry_run:
        return DigestResult(key, "would send", recipients, subject)
    store = runtime.store
    store.enqueue(
        [
            Operation(
                key=key,
                kind=MAIL_SEND,
                payload={
                    "sender": reports.sender,
                    "recipients": list(recipients),
                    "subject": subject,
                    "html": html,
                    "attachment": report.local_path,
                },
            )
        ]
    )
    crash_point("digest.enqueued")
    operation = store.operation(key)
    if operation is not None and operation.status == "done":
        step("report", f"digest of {today} already sent")
        return DigestResult(key, "already sent", recipients, subject)
    owner = runtime.lease_owner
    sent_now: dict[str, bool] = {}
    for pending in store.claim(owner, [MAIL_SEND], runtime.lease_seconds):
        sent_now[pending.key] = _send(runtime, pending)
    crash_point("digest.marked")
    sent = store.operation(key)
    if sent is None or sent.status != "done":  # another live run holds its lease
        note = f"digest of {today} is being sent by another run"
        step("report", note)
        return DigestResult(key, "left to another run", recipients, subject, note)
    if not sent_now.get(key, False):
        # Found in Sent Items (an earlier run sent it, then died) or sent by another run.
        where = "in Sent Items" if key in sent_now else "sent by another run"
        note = f"digest of {today} already {where}, not sent again"
        step("report", note)
        return DigestResult(key, "already sent", recipients, subject, note)
    step("report", f"digest sent to {len(recipients)} recipients")
    return DigestResult(key, "sent", recipients, subject)


def _send(runtime: Runtime, operation: Operation) -> bool:
    """Send the mail once; False when it was already in the sender's Sent Items."""
    payload = operation.payload
    attachment_path = Path(payload["attachment"])
    attachments = (
        [Attachment(attachment_path.name, attachment_path.read_bytes(), XLSX)]
        if attachment_path.exists()
        else []
    )
    try:
        sent = send_mail(
            runtime.graph,
            payload["sender"],
            payload["recipients"],
            payload["subject"],
            payload["html"],
            attachments=attachments,
            idempotency_key=operation.key,
        )
    except ConnectorError as exc:  # only Graph's failure marks the mail failed, not the store's
        runtime.store.mark_failed(operation.key, str(exc), owner=runtime.lease_owner)
        raise
    crash_point("digest.sent")
    outcome = {"sent_at": datetime.now(UTC).isoformat()} if sent else {"in_sent_items": True}
    runtime.store.mark_done(operation.key, outcome, owner=runtime.lease_owner)
    return sent
