"""Pull from Microsoft 365: each mailbox's mail (Inbox, Sent Items) and To Do, through delta.

Every collection (a mail folder, the task lists, one list's tasks) is its own
stream, mirrored by `flows.delta_mirror.sync_stream` (a page at a time with
its watermark; a full resync of that stream alone when Graph lost its sync
state; a sweep of unseen rows after a full round).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.m365 import FOLDERS, read_messages
from connectors.m365.todo_sync import read_lists, read_tasks
from connectors.store import Store, TaskLink
from flows.crashpoints import crash_point
from flows.delta_mirror import Stream, StreamResult, stream_name, sync_stream
from flows.progress import step
from flows.runtime import Runtime


@dataclass(frozen=True)
class MailboxPull:
    mailbox: str
    messages: int
    linked_tasks: int
    #: messages and tasks marked deleted (reported removed, or missed by a full resync)
    removed: int = 0
    #: streams Graph made kamsync resync from scratch
    resyncs: int = 0


@task(name="pull-mailbox", task_run_name="pull {mailbox}", cache_policy=NO_CACHE)
def pull_mailbox(runtime: Runtime, mailbox: str) -> MailboxPull:
    """Mirror a mailbox's mail changes (Inbox, Sent Items) and its To Do lists and tasks."""
    mail = StreamResult()
    for folder in FOLDERS:
        result = sync_stream(runtime.store, message_stream(runtime, mailbox, folder))
        step("pull", f"{mailbox} {folder}: {result.changed} changed, {result.removed} removed")
        mail.add(result)
    todo = sync_todo(runtime, mailbox)
    linked = link_tasks(runtime.store, mailbox)
    crash_point("m365.mailbox_pulled")
    step(
        "pull", f"{mailbox} To Do: {todo.changed} changed, {todo.removed} removed, {linked} linked"
    )
    return MailboxPull(
        mailbox, mail.changed, linked, mail.removed + todo.removed, mail.resyncs + todo.resyncs
    )


def message_stream(runtime: Runtime, mailbox: str, folder: str) -> Stream:
    settings = runtime.settings.m365
    horizon = timedelta(days=settings.mail_horizon_days)
    scope = {"mailbox": mailbox, "folder": folder}
    return Stream(
        stream_name("messages", mailbox, folder),
        "messages",
        scope,
        lambda since: read_messages(
            runtime.graph, mailbox, folder, since, horizon, include_bodies=settings.include_bodies
        ),
        "received_at",
    )


def sync_todo(runtime: Runtime, mailbox: str) -> StreamResult:
    """Task lists first, then the tasks of every live list; tasks of gone lists are removed."""
    store, graph = runtime.store, runtime.graph
    lists_stream = Stream(
        stream_name("todo_lists", mailbox),
        "todo_lists",
        {"mailbox": mailbox},
        lambda since: read_lists(graph, mailbox, since),
    )
    total = sync_stream(store, lists_stream)
    lists = _fields_of(store, "todo_lists", mailbox, ["id"])
    list_ids = [str(list_id) for list_id in lists["id"]]
    for list_id in list_ids:
        tasks_stream = Stream(
            stream_name("todo_tasks", mailbox, list_id),
            "todo_tasks",
            {"mailbox": mailbox, "list_id": list_id},
            partial(read_tasks, graph, mailbox, list_id),
        )
        total.add(sync_stream(store, tasks_stream))
    tasks = _fields_of(store, "todo_tasks", mailbox, ["id", "list_id"])
    orphans = tasks[~tasks["list_id"].isin(list_ids)]["id"].astype(str).tolist()
    total.removed += store.mark_deleted("m365", "todo_tasks", orphans)
    return total


def _fields_of(store: Store, object_name: str, mailbox: str, fields: list[str]) -> pd.DataFrame:
    """These fields of the mailbox's live mirror rows (read through the mailbox index)."""
    return store.read_fields("m365", object_name, fields, where={"mailbox": mailbox})


def link_tasks(store: Store, mailbox: str) -> int:
    """Remember every live kamsync-linked task of the mailbox (flows/push.py reads the links).

    Returns how many tasks are linked; only new or moved links are written.
    """
    tasks = _fields_of(store, "todo_tasks", mailbox, ["id", "list_id", "external_id"])
    linked = tasks[tasks["external_id"].notna()]
    store.link_tasks(
        TaskLink(mailbox, str(external_id), str(task_id), str(list_id))
        for external_id, task_id, list_id in zip(
            linked["external_id"], linked["id"], linked["list_id"], strict=True
        )
    )
    return len(linked)
