"""The `kam-cycle` flow: sync → reconcile → push → report, wired and nothing more."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from prefect import flow
from prefect.client.schemas.objects import State

from flows.alerts import DEPLOYED_FLOW_OPTIONS
from flows.artifacts import publish_cycle
from flows.crashpoints import crash_point
from flows.fanout import for_each
from flows.guard import GuardedRun, run_guarded, run_settings
from flows.parameters import CONFIG_FILE, DRY_RUN, MAILBOXES, REPORT_DATE, SKIP_PUSH
from flows.pull_salesforce import pull_salesforce
from flows.push import push_todo, raise_for_failed_writes, todo_operations
from flows.reconcile import Analysis, key_accounts, reconcile
from flows.report import publish_report, send_digest
from flows.summary import CycleSummary, summarise
from flows.syncs import pull_m365
from flows.taskrun import run

KAM_CYCLE = "kam-cycle"


@flow(name=KAM_CYCLE, **DEPLOYED_FLOW_OPTIONS)
def kam_cycle(
    config_file: str | None = CONFIG_FILE,
    dry_run: bool = DRY_RUN,
    mailboxes: Sequence[str] | None = MAILBOXES,
    skip_push: bool = SKIP_PUSH,
    report_date: date | None = REPORT_DATE,
) -> dict[str, Any] | State:
    """Pull Salesforce and Microsoft 365, reconcile, push To Do tasks, publish the report.

    Secrets stay in the config file, the environment or credential blocks, never in
    run parameters. A run whose To Do writes partly failed publishes its report and digest,
    then ends Failed naming how many writes failed; the next run retries them. A second
    cycle started while one runs on the same store ends Cancelled, naming the run that
    holds it.
    """
    settings = run_settings(config_file, mailboxes)

    def body(guard: GuardedRun) -> dict[str, Any]:
        summary = _cycle(guard, dry_run, skip_push, report_date or date.today())
        publish_cycle(summary)
        crash_point("cycle.finishing")
        raise_for_failed_writes(summary.pushes)  # the run fails; the outbox keeps them
        return summary.to_json()

    return run_guarded(KAM_CYCLE, settings, body)


def _cycle(guard: GuardedRun, dry_run: bool, skip_push: bool, today: date) -> CycleSummary:
    runtime = guard.runtime
    objects = pull_salesforce(runtime)
    guard.renew()
    key = run(key_accounts, runtime, today)  # once: mailbox scope and the analysis share them
    pulls = pull_m365(guard, today, key)
    analysis: Analysis = run(
        reconcile, runtime, today, runtime.salesforce.instance_url, key, not dry_run
    )
    pushes = []
    if not (dry_run or skip_push):
        runtime.store.enqueue(todo_operations(analysis.todo_plan))
        crash_point("outbox.planned")
        kams, workers = runtime.settings.m365.mailboxes, runtime.settings.runtime.max_workers
        pushes = for_each(push_todo, runtime, kams, max_workers=workers)
        guard.renew()
    report = run(publish_report, runtime, analysis, today, dry_run)
    digest = run(send_digest, runtime, analysis, report, today, dry_run)
    return summarise(
        analysis,
        dry_run=dry_run,
        objects=objects,
        mailboxes=pulls.mailboxes,
        calendars=pulls.calendars,
        unmatched_people=pulls.unmatched_people,
        pushes=pushes,
        report=report,
        digest=digest,
        api_calls=runtime.api_calls(),
    )
