"""Reconcile: read the mirror, derive key accounts, deadlines and the To Do plan."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.m365 import MESSAGE_COLUMNS
from connectors.salesforce import objects_for
from connectors.store import Store
from flows.progress import step
from flows.runtime import Runtime
from transforms import (
    collect_deadlines,
    last_email_touch,
    plan_todo_tasks,
    select_key_accounts,
    unassigned_deadlines,
)
from transforms.data_issues import DATA_ISSUE_COLUMNS, data_issues
from transforms.meetings import EVENT_COLUMNS, meetings_by_account
from transforms.todo_plan import closed_record_ids, linked_task_states

LINK_COLUMNS = ["mailbox", "external_id", "task_id"]


@dataclass(frozen=True)
class Analysis:
    """Everything the push and report steps need, derived from one mirror snapshot."""

    key_accounts: pd.DataFrame
    deadlines: pd.DataFrame
    engagement: pd.DataFrame
    todo_plan: pd.DataFrame
    unassigned: pd.DataFrame
    #: per key account, the last meeting held with the client and the next one booked
    meetings: pd.DataFrame
    #: CRM records kamsync had to skip, clip or reinterpret (`transforms.data_issues`)
    data_issues: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(DATA_ISSUE_COLUMNS))
    )


def mirror_frame(store: Store, source: str, name: str, columns: list[str]) -> pd.DataFrame:
    """A mirrored table with at least `columns` (an empty one before the first pull)."""
    frame = store.read_table(source, name)
    missing = [column for column in columns if column not in frame.columns]
    return frame.assign(**{column: None for column in missing}) if missing else frame


def salesforce_tables(
    runtime: Runtime, names: Collection[str] | None = None
) -> dict[str, pd.DataFrame]:
    """The mirrored Salesforce objects (all, or these `names`), each with at least its
    select-list columns."""
    return {
        spec.name: mirror_frame(runtime.store, "salesforce", spec.name, list(spec.select_list()))
        for spec in objects_for(runtime.settings)
        if names is None or spec.name in names
    }


def key_accounts_of(runtime: Runtime, tables: dict[str, pd.DataFrame], today: date) -> pd.DataFrame:
    """The key accounts by the configured rule."""
    rule = runtime.settings.key_accounts
    return select_key_accounts(
        tables["Account"], tables["Opportunity"], tables["User"], today=today,
        revenue_share=rule.revenue_share, lookback_days=rule.lookback_days,
        include_ids=rule.include, exclude_ids=rule.exclude, flag_field=rule.flag_field,
    )  # fmt: skip


@task(name="reconcile", cache_policy=NO_CACHE)
def reconcile(runtime: Runtime, today: date, instance_url: str) -> Analysis:
    """Run the transforms over the mirror (pure pandas, no calls to either service)."""
    settings, store = runtime.settings, runtime.store
    tables = salesforce_tables(runtime)
    key_accounts = key_accounts_of(runtime, tables, today)
    deadlines = collect_deadlines(
        key_accounts, tables["Task"], tables["Opportunity"], tables["Contract"], today=today,
        horizon_days=settings.deadlines.horizon_days,
        renewal_notice_days=settings.deadlines.renewal_notice_days,
    )  # fmt: skip
    messages = mirror_frame(store, "m365", "messages", MESSAGE_COLUMNS)
    engagement = last_email_touch(messages, tables["Contact"], key_accounts, today=today)
    events = mirror_frame(store, "m365", "events", list(EVENT_COLUMNS))
    every_account = meetings_by_account(events, tables["Contact"], now=datetime.now(UTC))
    meetings = every_account[every_account["account_id"].isin(key_accounts["account_id"])]
    mailboxes = settings.m365.mailboxes
    states = mirror_frame(store, "m365", "todo_tasks", ["id", "title", "due_date", "status"])
    links = linked_task_states(store.task_links(), states)
    closed = closed_record_ids(tables["Task"], tables["Opportunity"], tables["Contract"])
    plan = plan_todo_tasks(
        deadlines, links, mailboxes=mailboxes, instance_url=instance_url, closed_ids=closed
    )
    unassigned = unassigned_deadlines(deadlines, mailboxes)
    issues = data_issues(tables)
    step(
        "reconcile",
        f"{len(key_accounts)} key accounts, {len(deadlines)} deadlines "
        f"({int(deadlines['overdue'].sum()) if len(deadlines) else 0} overdue), "
        f"{len(issues)} data issues",
    )
    return Analysis(key_accounts, deadlines, engagement, plan, unassigned, meetings, issues)
