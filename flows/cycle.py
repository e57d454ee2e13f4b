"""The `kam-cycle` flow: sync → reconcile → push → report, wired and nothing more."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from config.loader import load_settings
from connectors.errors import redact
from flows.prefetch import prefetch_deltas
from flows.pull_calendar import pull_calendar
from flows.pull_m365 import pull_mailbox
from flows.pull_salesforce import pull_salesforce
from flows.push import push_todo, todo_operations
from flows.reconcile import Analysis, reconcile
from flows.report import publish_report, send_digest
from flows.runtime import Runtime
from flows.scope import mailbox_scope, mailboxes_to_read
from flows.summary import CycleSummary, summarise


@flow(name="kam-cycle")
def kam_cycle(config_file: str | None = None, dry_run: bool = False) -> dict[str, Any]:
    """Pull Salesforce and Microsoft 365, reconcile, push To Do tasks, publish the report.

    `config_file` names the TOML file (secrets stay in it or in env vars, never in
    run parameters); with `dry_run` nothing is written to either service.
    """
    settings = load_settings(config_file)
    runtime = Runtime(settings)
    run_id = runtime.store.start_run("kam-cycle")
    try:
        summary = _cycle(runtime, dry_run)
    except BaseException as exc:
        failure = {"error": redact(str(exc)), "api_calls": runtime.api_calls()}
        runtime.store.finish_run(run_id, "failed", failure)
        runtime.close()
        raise
    runtime.store.finish_run(run_id, "completed", summary.to_json())
    runtime.close()
    _publish_artifacts(summary)
    return summary.to_json()


def _cycle(runtime: Runtime, dry_run: bool) -> CycleSummary:
    settings, today = runtime.settings, date.today()
    objects = pull_salesforce(runtime)
    scope = mailbox_scope(runtime, today)
    boxes = mailboxes_to_read(settings.m365.mailboxes, scope)
    prefetch_deltas(runtime, boxes)
    mailboxes = [pull_mailbox(runtime, box) for box in boxes]
    calendars = [pull_calendar(runtime, box) for box in boxes]
    analysis: Analysis = reconcile(runtime, today, runtime.salesforce.instance_url)
    pushes = []
    if not dry_run:
        runtime.store.enqueue(todo_operations(analysis.todo_plan))
        pushes = [push_todo(runtime, box) for box in settings.m365.mailboxes]
    report = publish_report(runtime, analysis, today, dry_run)
    digest = send_digest(runtime, analysis, report, today, dry_run)
    return summarise(
        analysis,
        dry_run=dry_run,
        objects=objects,
        mailboxes=mailboxes,
        calendars=calendars,
        unmatched_people=len(scope.unmatched),
        pushes=pushes,
        report=report,
        digest=digest,
        api_calls=runtime.api_calls(),
    )


def _publish_artifacts(summary: CycleSummary) -> None:
    """Tables in the Prefect UI: what was pulled and what was pushed."""
    create_table_artifact(
        key="kam-cycle-pulls",
        table=[
            {"object": pull.object_name, "mode": pull.mode, "via": pull.via,
             "read": pull.pulled, "deleted": pull.deleted, "mirrored": pull.mirrored,
             "in the org": pull.in_org, "repaired": pull.repaired, "API calls": pull.api_calls,
             "note": pull.note}
            for pull in summary.objects
        ],
        description="Salesforce records pulled this run, and the mirror checked against the org",
    )  # fmt: skip
    calendars = {pull.mailbox: pull for pull in summary.calendars}
    create_table_artifact(
        key="kam-cycle-mailboxes",
        table=[
            {"mailbox": box.mailbox, "messages": box.messages,
             "events": calendars[box.mailbox].events if box.mailbox in calendars else None,
             "removed": box.removed + (calendars[box.mailbox].removed
                                       if box.mailbox in calendars else 0),
             "linked To Do tasks": box.linked_tasks, "resyncs": box.resyncs}
            for box in summary.mailboxes
        ],
        description="Microsoft 365 changes mirrored this run, per mailbox",
    )  # fmt: skip
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
            f"{summary.tasks_in_place} already in place · report: "
            f"{summary.report.onedrive_path or summary.report.local_path} · digest: "
            f"{summary.digest.status}"
        ),
        description="kam-cycle outcome",
    )
