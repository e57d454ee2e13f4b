"""Mail about failed scheduled runs, sent from Prefect flow state hooks.

Attach `alert_on_failure` as a flow's `on_failure` and `on_crashed` hook and
`alert_on_completion` as its `on_completion` hook. Only runs of a deployment
alert (scheduled, or started from the UI: `flow_run.deployment_id` is set); a
run started in-process from the CLI has a person at the terminal who sees the
error, and neither alerts nor counts towards a failing streak.

Per flow name, the streak lives in kamsync's store (`alerts:<flow>`, beside the
watermarks) and `transforms.alerts.decide` says which mail a run calls for:
one when the flow starts failing, a reminder at most every `[alerts]
reminder_hours` while it keeps failing, one when a run completes again. Mails
go out through the product's own Graph connection with an idempotency key, so
a hook that runs twice sends nothing twice. A run killed outright (SIGKILL,
lost machine) runs no hook; the server marks it Crashed and the next run's
outcome is the next thing the alerts see.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from prefect import Flow, get_client
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
    TaskRunFilter,
    TaskRunFilterState,
    TaskRunFilterStateType,
)
from prefect.client.schemas.objects import FlowRun, State, StateType, TaskRun
from prefect.client.schemas.sorting import TaskRunSort
from prefect.logging.loggers import flow_run_logger
from prefect.settings import get_current_settings

from config.settings import Settings
from connectors.errors import redact
from connectors.m365 import send_mail
from flows.guard import run_settings
from flows.runtime import Runtime
from transforms.alerts import AlertDecision, AlertMail, AlertState, RunReport, decide, render_alert

STATE_STREAM = "alerts"
#: Prefect records task runs from events, a moment after they happen: how long to wait
#: for the flow run's task runs to settle before naming the step that failed.
STEP_LOOKUP_SECONDS = 5.0
_FAILED = [StateType.FAILED, StateType.CRASHED]
_UNFINISHED = [StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING, StateType.PAUSED]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RunAlerts:
    """Flow state hooks mailing `[alerts] recipients` about failing and recovered flows.

    `now` and `deployments_only` are seams for tests: a clock to move, and alerts on
    in-process runs, which in production are left to the person who started them.
    """

    now: Callable[[], datetime] = _utc_now
    deployments_only: bool = True

    def on_failure(self, flow: Flow[..., Any], flow_run: FlowRun, state: State) -> None:
        """Hook for `on_failure` and `on_crashed`."""
        self._report(flow, flow_run, state, failed=True)

    def on_completion(self, flow: Flow[..., Any], flow_run: FlowRun, state: State) -> None:
        """Hook for `on_completion`."""
        self._report(flow, flow_run, state, failed=False)

    def _report(self, flow: Flow[..., Any], flow_run: FlowRun, state: State, failed: bool) -> None:
        """Never raises: an alert that cannot go out is a warning, not a change of the run."""
        if self.deployments_only and flow_run.deployment_id is None:
            return
        logger = flow_run_logger(flow_run, flow)
        try:
            # the settings the run itself worked with, credential blocks included
            settings = run_settings(flow_run.parameters.get("config_file"))
            mail = report_outcome(settings, flow.name, flow_run, state, failed, self.now())
        except Exception as exc:  # any failure at all: the run's own outcome must stand
            logger.warning("alert about %s not sent: %s", flow.name, redact(str(exc)))
            return
        if mail is not None:
            logger.info("%s alert about %s mailed", mail, flow.name)


_ALERTS = RunAlerts()


def alert_on_failure(flow: Flow[..., Any], flow_run: FlowRun, state: State) -> None:
    """`on_failure` / `on_crashed` hook of deployed flows: mail the first failure, then remind."""
    _ALERTS.on_failure(flow, flow_run, state)


def alert_on_completion(flow: Flow[..., Any], flow_run: FlowRun, state: State) -> None:
    """`on_completion` hook of deployed flows: mail 'recovered' when a failing flow runs again."""
    _ALERTS.on_completion(flow, flow_run, state)


def report_outcome(
    settings: Settings,
    flow: str,
    flow_run: FlowRun,
    state: State,
    failed: bool,
    now: datetime,
) -> AlertMail | None:
    """Record one run's outcome in the flow's streak and mail what it calls for.

    Returns the mail sent (or found already sent), None when none was due or alerts
    are off (`[alerts] recipients` empty). Connector and store errors propagate.
    """
    if not settings.alerts.recipients:
        return None
    runtime = Runtime(settings)
    try:
        stream = f"{STATE_STREAM}:{flow}"
        previous = AlertState.load(runtime.store.watermark(stream))
        decision = decide(
            previous,
            failed=failed,
            run_id=str(flow_run.id),
            now=now,
            reminder_every=timedelta(hours=settings.alerts.reminder_hours),
        )
        kept = decision.state
        try:
            if decision.mail is not None:
                _mail(runtime, decision, describe_run(settings, flow, flow_run, state, now))
                kept = decision.after_sent(now)
        finally:  # the streak is recorded even when the mail could not go out
            if kept != previous:
                runtime.store.put_watermark(stream, kept.dump())
        return decision.mail
    finally:
        runtime.close()


def _mail(runtime: Runtime, decision: AlertDecision, run: RunReport) -> None:
    settings = runtime.settings
    assert decision.mail is not None
    subject, html = render_alert(
        decision.mail,
        run,
        decision.state,
        company=settings.company,
        reminder_hours=settings.alerts.reminder_hours,
    )
    send_mail(
        runtime.graph,
        settings.alerts.sender or settings.reports.sender,
        settings.alerts.recipients,
        subject,
        html,
        idempotency_key=decision.key(run.flow),
    )


def describe_run(
    settings: Settings, flow: str, flow_run: FlowRun, state: State, now: datetime
) -> RunReport:
    """What the mail tells about a run: outcome, failed step, redacted error, link."""
    failed = state.is_failed() or state.is_crashed()
    return RunReport(
        flow=flow,
        run_name=flow_run.name,
        outcome="crashed" if state.is_crashed() else "failed" if failed else "completed",
        at=now,
        step=failed_step(flow_run.id) if failed else None,
        error=redact(state.message) if failed and state.message else None,
        url=run_url(settings.alerts.ui_url, flow_run.id),
    )


def failed_step(flow_run_id: UUID, wait_seconds: float = STEP_LOOKUP_SECONDS) -> str | None:
    """Name of the run's first task run to fail (the cause, when others failed after it).

    None when no task failed (the flow's own code did) or Prefect cannot say in time.
    """
    deadline = time.monotonic() + wait_seconds
    try:
        with get_client(sync_client=True) as client:
            while True:
                failed = _task_runs(client, flow_run_id, _FAILED)
                if failed:
                    return min(failed, key=_ended).name
                if not _task_runs(client, flow_run_id, _UNFINISHED, limit=1):
                    return None
                if time.monotonic() >= deadline:
                    return None
                time.sleep(0.25)
    except httpx.HTTPError:
        return None


def _task_runs(
    client: SyncPrefectClient, flow_run_id: UUID, states: list[StateType], limit: int = 200
) -> list[TaskRun]:
    return client.read_task_runs(
        flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
        task_run_filter=TaskRunFilter(
            state=TaskRunFilterState(type=TaskRunFilterStateType(any_=states))
        ),
        sort=TaskRunSort.END_TIME_DESC,
        limit=limit,
    )


def _ended(run: TaskRun) -> datetime:
    return run.end_time or datetime.max.replace(tzinfo=UTC)


def run_url(ui_url: str | None, flow_run_id: UUID) -> str | None:
    """The run's page in the Prefect UI (`[alerts] ui_url`, else PREFECT_UI_URL), if known."""
    base = ui_url or get_current_settings().ui_url
    return f"{base.rstrip('/')}/runs/flow-run/{flow_run_id}" if base else None


#: What every deployed flow passes to `@flow`: a crash alerts like a failure; results are
#: never persisted (a run's Runtime holds secrets, and its summary is in the store anyway).
DEPLOYED_FLOW_OPTIONS: dict[str, Any] = {
    "persist_result": False,
    "on_failure": [alert_on_failure],
    "on_crashed": [alert_on_failure],
    "on_completion": [alert_on_completion],
}
