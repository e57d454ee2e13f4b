"""The sync flows: Salesforce alone, Microsoft 365 alone, every 15 minutes in working hours.

They run the cycle's own pull steps, so the 07:00 cycle finds the mirror fresh and
has little left to read; they write only to the store, never to either service.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from prefect import flow
from prefect.client.schemas.objects import State

from flows.alerts import DEPLOYED_FLOW_OPTIONS
from flows.artifacts import publish_mailbox_table, publish_pull_table
from flows.fanout import for_each
from flows.guard import GuardedRun, run_guarded, run_settings
from flows.parameters import CONFIG_FILE, MAILBOXES
from flows.prefetch import prefetch_deltas
from flows.pull_calendar import CalendarPull, pull_calendar
from flows.pull_goals import GoalsPull, pull_goals
from flows.pull_m365 import MailboxPull, pull_mailbox
from flows.pull_salesforce import pull_salesforce
from flows.reconcile import key_accounts as compute_key_accounts
from flows.scope import mailbox_scope, mailboxes_to_read
from flows.taskrun import run

SALESFORCE_SYNC = "salesforce-sync"
M365_SYNC = "m365-sync"


@dataclass(frozen=True)
class M365Pulls:
    """What one pass over the mailboxes in scope read."""

    mailboxes: list[MailboxPull]
    calendars: list[CalendarPull]
    #: people on key accounts kamsync found no usable mailbox for
    unmatched_people: int
    #: each KAM's goals table
    goals: list[GoalsPull] = field(default_factory=list)


def pull_m365(
    guard: GuardedRun, today: date, key_accounts: pd.DataFrame | None = None
) -> M365Pulls:
    """Scope the mailboxes, fetch their stored delta links ahead, then read every mailbox's
    mail, To Do and calendar, `[runtime] max_workers` mailboxes at a time, and each KAM's
    goals table. `key_accounts`: the cycle's (computed once); else computed here."""
    runtime = guard.runtime
    if key_accounts is None:
        key_accounts = run(compute_key_accounts, runtime, today)
    scope = run(mailbox_scope, runtime, key_accounts)
    boxes = mailboxes_to_read(runtime.settings.m365.mailboxes, scope)
    run(prefetch_deltas, runtime, boxes)
    guard.renew()
    workers = runtime.settings.runtime.max_workers
    mailboxes = for_each(pull_mailbox, runtime, boxes, max_workers=workers)
    calendars = for_each(pull_calendar, runtime, boxes, max_workers=workers)
    kams = runtime.settings.m365.mailboxes
    goals = for_each(pull_goals, runtime, kams, max_workers=workers)
    guard.renew()
    return M365Pulls(mailboxes, calendars, len(scope.unmatched), goals)


@flow(name=SALESFORCE_SYNC, **DEPLOYED_FLOW_OPTIONS)
def salesforce_sync(config_file: str | None = CONFIG_FILE) -> dict[str, Any] | State:
    """Mirror what changed in Salesforce since the last run and check the mirror against
    the org's counts; nothing is written to Salesforce or Microsoft 365."""
    settings = run_settings(config_file)

    def body(guard: GuardedRun) -> dict[str, Any]:
        objects = pull_salesforce(guard.runtime)
        publish_pull_table(objects)
        return {"objects": [asdict(pull) for pull in objects],
                "api_calls": guard.runtime.api_calls()}  # fmt: skip

    return run_guarded(SALESFORCE_SYNC, settings, body)


@flow(name=M365_SYNC, **DEPLOYED_FLOW_OPTIONS)
def m365_sync(
    config_file: str | None = CONFIG_FILE, mailboxes: Sequence[str] | None = MAILBOXES
) -> dict[str, Any] | State:
    """Mirror what changed in the mailboxes in scope (mail, To Do, calendar) through delta;
    nothing is written to Microsoft 365."""
    settings = run_settings(config_file, mailboxes)

    def body(guard: GuardedRun) -> dict[str, Any]:
        pulls = pull_m365(guard, date.today())
        publish_mailbox_table(pulls.mailboxes, pulls.calendars)
        return {**asdict(pulls), "api_calls": guard.runtime.api_calls()}

    return run_guarded(M365_SYNC, settings, body)
