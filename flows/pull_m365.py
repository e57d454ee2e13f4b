"""Pull from Microsoft 365: each mailbox's mail (Inbox, Sent Items) and To Do, through delta.

Every collection (a mail folder, the task lists, one list's tasks) is its own
stream: each delta page is mirrored in one transaction with the stream's new
watermark, `@removed` ids are marked deleted first (so a page applied twice
is harmless). When Graph has lost a stream's sync state (`DeltaReset`), that
stream alone starts over with a full round; at the end of any full round the
mirror rows of that collection it did not see are marked deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import timedelta

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.m365 import FOLDERS, read_messages
from connectors.m365.delta import DeltaReset, DeltaState, unseen_ids
from connectors.m365.todo_sync import read_lists, read_tasks
from connectors.store import Store
from flows.progress import step
from flows.runtime import Runtime

#: A delta page as the mirror takes it: changed rows, removed ids, watermark.
Page = tuple[pd.DataFrame, list[str], str]


@dataclass(frozen=True)
class MailboxPull:
    mailbox: str
    messages: int
    linked_tasks: int
    #: messages and tasks marked deleted (reported removed, or missed by a full resync)
    removed: int = 0
    #: streams Graph made kamsync resync from scratch
    resyncs: int = 0


@dataclass
class StreamResult:
    changed: int = 0
    removed: int = 0
    resyncs: int = 0

    def add(self, other: StreamResult) -> None:
        self.changed += other.changed
        self.removed += other.removed
        self.resyncs += other.resyncs


@dataclass(frozen=True)
class Stream:
    """One delta-tracked collection and where its rows live in the mirror."""

    name: str
    object_name: str
    #: mirror columns -> values naming the collection's rows (for the full-round sweep)
    scope: dict[str, str]
    #: pages from a watermark (None: a full round)
    pages: Callable[[str | None], Iterator[Page]]
    #: rows older than a full round's horizon, by this column, are not swept
    time_column: str | None = None


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
    step(
        "pull", f"{mailbox} To Do: {todo.changed} changed, {todo.removed} removed, {linked} linked"
    )
    return MailboxPull(
        mailbox, mail.changed, linked, mail.removed + todo.removed, mail.resyncs + todo.resyncs
    )


def message_stream(runtime: Runtime, mailbox: str, folder: str) -> Stream:
    settings = runtime.settings.m365
    horizon = timedelta(days=settings.mail_horizon_days)

    def pages(since: str | None) -> Iterator[Page]:
        for batch in read_messages(
            runtime.graph, mailbox, folder, since, horizon, include_bodies=settings.include_bodies
        ):
            yield batch.messages, batch.removed, batch.watermark

    scope = {"mailbox": mailbox, "folder": folder}
    return Stream(f"m365:messages:{mailbox}:{folder}", "messages", scope, pages, "received_at")


def sync_todo(runtime: Runtime, mailbox: str) -> StreamResult:
    """Task lists first, then the tasks of every live list; tasks of gone lists are removed."""
    store, graph = runtime.store, runtime.graph

    def list_pages(since: str | None) -> Iterator[Page]:
        for batch in read_lists(graph, mailbox, since):
            yield batch.rows, batch.removed, batch.watermark

    total = sync_stream(
        store, Stream(f"m365:todo_lists:{mailbox}", "todo_lists", {"mailbox": mailbox}, list_pages)
    )
    lists = _rows_of(store, "todo_lists", mailbox)
    list_ids = [str(list_id) for list_id in lists.get("id", [])]
    for list_id in list_ids:

        def task_pages(since: str | None, list_id: str = list_id) -> Iterator[Page]:
            for batch in read_tasks(graph, mailbox, list_id, since):
                yield batch.rows, batch.removed, batch.watermark

        scope = {"mailbox": mailbox, "list_id": list_id}
        name = f"m365:todo_tasks:{mailbox}:{list_id}"
        total.add(sync_stream(store, Stream(name, "todo_tasks", scope, task_pages)))
    tasks = _rows_of(store, "todo_tasks", mailbox)
    if not tasks.empty and "list_id" in tasks.columns:
        orphans = tasks[~tasks["list_id"].isin(list_ids)]["id"].astype(str).tolist()
        total.removed += store.mark_deleted("m365", "todo_tasks", orphans)
    return total


def sync_stream(store: Store, stream: Stream) -> StreamResult:
    """Bring one stream's mirror up to date; a lost sync state means one full resync."""
    text = store.watermark(stream.name)
    state = DeltaState.load(text)
    result = StreamResult()
    if state is not None and state.full and state.done:
        result.removed += _sweep(store, stream, state)  # the last run stopped before its sweep
        text = store.watermark(stream.name)
    try:
        result.add(_apply(store, stream, text))
    except DeltaReset:
        step("pull", f"{stream.name}: Graph lost the sync state, resyncing it in full")
        result.resyncs += 1
        result.add(_apply(store, stream, None))
    return result


def _apply(store: Store, stream: Stream, since: str | None) -> StreamResult:
    result = StreamResult()
    for rows, removed, watermark in stream.pages(since):
        if removed:
            result.removed += store.mark_deleted("m365", stream.object_name, removed)
        store.upsert_records(
            "m365", stream.object_name, rows, id_column="id", modstamp_column=None,
            watermark=(stream.name, watermark),
        )  # fmt: skip
        result.changed += len(rows)
        state = DeltaState.load(watermark)
        if state is not None and state.full and state.done:
            result.removed += _sweep(store, stream, state)
    return result


def _sweep(store: Store, stream: Stream, state: DeltaState) -> int:
    """Mark deleted what a finished full round did not see; the stream goes incremental."""
    mirror = store.read_table("m365", stream.object_name)
    gone = unseen_ids(mirror, state, stream.scope, time_column=stream.time_column)
    settled = replace(state, full=False).dump()
    return store.mark_deleted("m365", stream.object_name, gone, watermark=(stream.name, settled))


def _rows_of(store: Store, object_name: str, mailbox: str) -> pd.DataFrame:
    frame = store.read_table("m365", object_name)
    if frame.empty or "mailbox" not in frame.columns:
        return pd.DataFrame()
    return frame[frame["mailbox"] == mailbox]


def link_tasks(store: Store, mailbox: str) -> int:
    """Remember every live kamsync-linked task of the mailbox (flows/push.py reads the links)."""
    tasks = _rows_of(store, "todo_tasks", mailbox)
    if tasks.empty or "external_id" not in tasks.columns:
        return 0
    linked = tasks[tasks["external_id"].notna()]
    for row in linked.to_dict("records"):
        store.link_task(mailbox, str(row["external_id"]), str(row["id"]), str(row["list_id"]))
    return len(linked)
