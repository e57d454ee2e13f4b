"""One flow run's hold on the store: its row in the run log and its lock.

Two runs of the same flow never work one store at once: the second one finds the
lock, says which run holds it (its id and start time) and ends as Cancelled
without writing anything. A run renews its lock after every step; the lock of a
killed run is taken over once `[runtime] lock_timeout_minutes` pass without a
renewal. The same owner string leases the outbox operations the run works on, so
no operation is applied by two processes at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from prefect.client.schemas.objects import State
from prefect.context import FlowRunContext
from prefect.states import Cancelled

from config.loader import ConfigError, load_settings
from config.settings import Settings
from connectors.errors import redact
from connectors.store import LockHeld
from flows.credentials import with_block_credentials
from flows.fanout import close_task_runner
from flows.progress import run_logger
from flows.runtime import Runtime


def run_settings(config_file: str | None, mailboxes: Sequence[str] | None = None) -> Settings:
    """The settings a run works with: the file (and env) with the secrets of any credential
    blocks it names, narrowed to `mailboxes` if given."""
    settings = with_block_credentials(load_settings(config_file))
    if not mailboxes:
        return settings
    configured = settings.m365.mailboxes
    chosen = [box.strip().lower() for box in mailboxes]
    unknown = [box for box in chosen if box not in configured]
    if unknown:
        raise ConfigError(
            f"mailboxes parameter: {', '.join(unknown)} not in [m365] mailboxes "
            f"({', '.join(configured)})"
        )
    m365 = settings.m365.model_copy(update={"mailboxes": chosen})
    return settings.model_copy(update={"m365": m365})


@dataclass
class GuardedRun:
    """A run that holds its flow's lock; `finish` records the outcome and lets go."""

    flow: str
    runtime: Runtime
    owner: str
    run_id: int

    def renew(self) -> None:
        """A sign of life between steps: the lock (and so the run) is still this one's."""
        self.runtime.store.renew_lock(self.flow, self.owner, self.runtime.lease_seconds)

    def finish(self, status: str, summary: dict[str, Any]) -> None:
        """Record the outcome, free the outbox leases and the lock, close the connections."""
        store = self.runtime.store
        try:
            close_task_runner(self.runtime)
            store.finish_run(self.run_id, status, summary)
            store.release(self.owner)
            store.release_lock(self.flow, self.owner)
        finally:
            self.runtime.close()

    def fail(self, exc: BaseException) -> None:
        """`finish` for a run that raised, keeping what it used of the API budget."""
        self.finish("failed", {"error": redact(str(exc)), "api_calls": self.runtime.api_calls()})


def start_guarded(flow: str, settings: Settings) -> GuardedRun:
    """Open the run's log row and take the flow's lock; LockHeld (run logged as skipped)
    when another live run of the flow holds it."""
    runtime = Runtime(settings)
    store = runtime.store
    run_id = store.start_run(flow)
    owner, label = _owner_and_label(run_id)
    runtime.lease_owner = owner
    try:
        store.acquire_lock(flow, owner, label, runtime.lease_seconds)
    except LockHeld as exc:
        store.finish_run(run_id, "skipped", {"reason": str(exc)})
        runtime.close()
        raise
    return GuardedRun(flow, runtime, owner, run_id)


def _owner_and_label(run_id: int) -> tuple[str, str]:
    """Who holds the lock: the Prefect flow run when there is one, else a fresh id."""
    context = FlowRunContext.get()
    flow_run = context.flow_run if context is not None else None
    if flow_run is None:
        return f"kamsync-{uuid.uuid4()}", f"#{run_id}"
    return str(flow_run.id), f"#{run_id} (Prefect flow run {flow_run.name!r})"


def run_guarded(
    flow: str, settings: Settings, body: Callable[[GuardedRun], dict[str, Any]]
) -> dict[str, Any] | State:
    """Run `body` holding the flow's lock and return its summary; a run that finds the lock
    held ends Cancelled, naming the holder, and has written nothing."""
    try:
        guard = start_guarded(flow, settings)
    except LockHeld as exc:
        run_logger().warning("%s", exc)
        return Cancelled(message=str(exc))
    try:
        summary = body(guard)
    except BaseException as exc:
        guard.fail(exc)
        raise
    guard.finish("completed", summary)
    return summary
