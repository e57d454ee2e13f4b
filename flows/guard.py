"""One flow run's hold on the store: its row in the run log and its lock.

Two runs of the same flow never work one store at once: the second one finds the
lock, says which run holds it (its id and start time) and ends as Cancelled
without writing anything. A run renews its lock after every step; the lock of a
killed run is taken over once `[runtime] lock_timeout_minutes` pass without a
renewal. The same owner string leases the outbox operations the run works on, so
no operation is applied by two processes at once.

Each renewal also writes the API calls made so far into the run's row, so the daily
budget counts a run that later dies; runs whose process died are marked crashed by
the next run of their flow (flows/crashed_runs.py).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from prefect.client.schemas.objects import State
from prefect.context import FlowRunContext
from prefect.states import Cancelled

from config.environment import unknown_variables
from config.loader import ConfigError, check_local_dir, load_settings
from config.settings import Settings
from connectors.errors import redact
from connectors.store import LockHeld, StoreError
from flows.cli_support import restrict_new_files
from flows.crashed_runs import mark_crashed_runs, this_process
from flows.credentials import with_block_credentials
from flows.fanout import close_task_runner
from flows.progress import run_logger
from flows.runtime import Runtime

#: Flows that write `[reports] local_dir`: checked before they write anything else.
WRITES_LOCAL_FILES = ("kam-cycle",)


def run_settings(config_file: str | None, mailboxes: Sequence[str] | None = None) -> Settings:
    """The settings a run works with: the file (and env) with the secrets of any credential
    blocks it names, narrowed to `mailboxes` if given."""
    settings = with_block_credentials(load_settings(config_file))
    for warning in unknown_variables():
        run_logger().warning("%s", warning)
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
    recorder: CallRecorder | None = None

    def renew(self) -> None:
        """A sign of life between steps: the lock (and so the run) is still this one's, and
        the API calls made so far are on record (the daily budget counts them)."""
        self.runtime.store.renew_lock(self.flow, self.owner, self.runtime.lease_seconds)
        self.record_calls()

    def record_calls(self) -> None:
        """Write the API calls made so far into the run's row."""
        self.runtime.store.record_progress(self.run_id, {"api_calls": self.runtime.api_calls()})

    def finish(self, status: str, summary: dict[str, Any]) -> None:
        """Record the outcome, free the outbox leases and the lock, close the connections."""
        store = self.runtime.store
        if self.recorder is not None:
            self.recorder.stop()
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
    """Mark the flow's dead runs crashed, open the run's log row (saying who runs it) and
    take the flow's lock; LockHeld (run logged as skipped) when a live run holds it."""
    restrict_new_files()  # also when a worker, not the CLI, runs the flow
    runtime = Runtime(settings)
    store = runtime.store
    mark_crashed_runs(store, flow, runtime.lease_seconds)
    run_id = store.start_run(flow)
    owner, label, flow_run_id = _owner_and_label(run_id)
    runtime.lease_owner = owner
    runtime.run_id = run_id
    store.record_progress(run_id, {"owner": owner, "flow_run_id": flow_run_id,
                                   "process": this_process()})  # fmt: skip
    try:
        store.acquire_lock(flow, owner, label, runtime.lease_seconds)
    except LockHeld as exc:
        store.finish_run(run_id, "skipped", {"reason": str(exc)})
        runtime.close()
        raise
    guard = GuardedRun(flow, runtime, owner, run_id)
    guard.recorder = CallRecorder(guard)
    guard.recorder.start()
    return guard


#: How often a running run writes its API calls so far into its row, within a step too:
#: a process killed in the middle of a long pull has still counted most of what it spent.
RECORD_SECONDS = 10.0


class CallRecorder(threading.Thread):
    """Writes the run's API calls into its row every RECORD_SECONDS until stopped."""

    def __init__(self, guard: GuardedRun) -> None:
        super().__init__(name=f"kamsync-calls-{guard.run_id}", daemon=True)
        self.guard = guard
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.wait(RECORD_SECONDS):
            try:
                self.guard.record_calls()
            except StoreError as exc:  # a busy store: the next round or step records them
                logging.getLogger("kamsync").debug("API calls not recorded: %s", exc)

    def stop(self) -> None:
        self._stopped.set()
        self.join(timeout=RECORD_SECONDS)


def _owner_and_label(run_id: int) -> tuple[str, str, str | None]:
    """Who holds the lock (the Prefect flow run when there is one, else a fresh id), the
    lock's label, and the Prefect flow run's id."""
    context = FlowRunContext.get()
    flow_run = context.flow_run if context is not None else None
    if flow_run is None:
        return f"kamsync-{uuid.uuid4()}", f"#{run_id}", None
    label = f"#{run_id} (Prefect flow run {flow_run.name!r})"
    return str(flow_run.id), label, str(flow_run.id)


def run_guarded(
    flow: str, settings: Settings, body: Callable[[GuardedRun], dict[str, Any]]
) -> dict[str, Any] | State:
    """Run `body` holding the flow's lock and return its summary; a run that finds the lock
    held ends Cancelled, naming the holder, and has written nothing. A flow that writes
    report files first proves it can (ConfigError otherwise)."""
    if flow in WRITES_LOCAL_FILES:
        check_local_dir(settings)
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
