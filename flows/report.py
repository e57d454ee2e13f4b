"""Report: the Excel workbook (local copy + OneDrive) and the daily Outlook digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.errors import ConnectorError
from connectors.m365 import Attachment, send_mail, upload_file
from connectors.store import Operation
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
    step("report", f"workbook uploaded to OneDrive {uploaded.path}")
    return ReportResult(str(local), uploaded.path, uploaded.web_url)


@dataclass(frozen=True)
class DigestResult:
    key: str
    status: str  # "sent", "already sent", "would send"
    recipients: tuple[str, ...]
    subject: str


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
    operation = store.operation(key)
    if operation is not None and operation.status == "done":
        step("report", f"digest of {today} already sent")
        return DigestResult(key, "already sent", recipients, subject)
    for pending in store.pending(MAIL_SEND):
        try:
            _send(runtime, pending)
        except ConnectorError as exc:
            store.mark_failed(pending.key, str(exc))
            raise
    step("report", f"digest sent to {len(recipients)} recipients")
    return DigestResult(key, "sent", recipients, subject)


def _send(runtime: Runtime, operation: Operation) -> None:
    payload = operation.payload
    attachment_path = Path(payload["attachment"])
    attachments = (
        [Attachment(attachment_path.name, attachment_path.read_bytes(), XLSX)]
        if attachment_path.exists()
        else []
    )
    send_mail(
        runtime.graph,
        payload["sender"],
        payload["recipients"],
        payload["subject"],
        payload["html"],
        attachments=attachments,
        idempotency_key=operation.key,
    )
    runtime.store.mark_done(operation.key, {"sent_at": datetime.now(UTC).isoformat()})
