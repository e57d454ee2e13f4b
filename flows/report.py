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
from connectors.store import Operation
from flows.crashpoints import crash_point
from flows.progress import step
from flows.reconcile import Analysis
from flows.runtime import Runtime
from transforms import build_workbook, render_digest

MAIL_SEND = "mail.send"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ReportResult:
    local_path: str
    onedrive_path: str | None
    web_url: str | None


def intelligence_frames(analysis: Analysis) -> dict[str, pd.DataFrame]:
    """The analysis' account-intelligence tables, by the names the outputs use."""
    names = ("health", "health_components", "health_changes", "complaints", "engagement",
             "unanswered", "team", "data_quality", "unmatched")  # fmt: skip
    return {name: getattr(analysis, name) for name in names}


@task(name="publish-report", cache_policy=NO_CACHE)
def publish_report(
    runtime: Runtime, analysis: Analysis, today: date, dry_run: bool
) -> ReportResult:
    """Build the workbook, keep a local copy, and replace today's copy in OneDrive."""
    settings = runtime.settings
    content = build_workbook(
        analysis.key_accounts,
        analysis.deadlines,
        analysis.engagement,
        generated_at=datetime.now(UTC),
        company=settings.company,
        goals=analysis.goals,
        goal_problems=analysis.goal_problems,
        meetings=analysis.meetings,
        data_issues=analysis.data_issues,
        intelligence=intelligence_frames(analysis),
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
