"""Pull from Microsoft 365: each KAM's calendar, mirrored as `m365/events` through delta."""

from __future__ import annotations

from dataclasses import dataclass

from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.m365.calendar import read_events
from connectors.m365.delta import DeltaReset, unseen_ids
from flows.progress import step
from flows.runtime import Runtime


@dataclass(frozen=True)
class CalendarPull:
    mailbox: str
    #: events written (added or changed) in the mirror
    events: int
    #: events deleted from the mirror (removed in Outlook, or unseen by a full round)
    removed: int
    #: Graph had dropped the stored round, so the calendar was read in full again
    resynced: bool = False


@task(name="pull-calendar", task_run_name="calendar {mailbox}", cache_policy=NO_CACHE)
def pull_calendar(runtime: Runtime, mailbox: str) -> CalendarPull:
    """Mirror the changes to a KAM's calendar window since the last run (first run: all of it)."""
    stream = f"m365:events:{mailbox}"
    try:
        pull = _mirror(runtime, mailbox, runtime.store.watermark(stream), stream)
    except DeltaReset:
        pull = _mirror(runtime, mailbox, None, stream)
        pull = CalendarPull(mailbox, pull.events, pull.removed, resynced=True)
    resync = " (full resync: Graph dropped the sync state)" if pull.resynced else ""
    step("pull", f"{mailbox}: {pull.events} events written, {pull.removed} removed{resync}")
    return pull


def _mirror(runtime: Runtime, mailbox: str, since: str | None, stream: str) -> CalendarPull:
    store, settings = runtime.store, runtime.settings.m365
    written = removed = 0
    batches = read_events(
        runtime.graph,
        mailbox,
        since,
        past_days=settings.calendar_past_days,
        future_days=settings.calendar_future_days,
    )
    for batch in batches:
        watermark = (stream, batch.watermark)
        if not batch.events.empty:
            written += store.upsert_records(
                "m365", "events", batch.events, id_column="id", modstamp_column=None,
                watermark=None if batch.removed else watermark,
            )  # fmt: skip
        if batch.removed or batch.events.empty:
            removed += store.mark_deleted("m365", "events", batch.removed, watermark=watermark)
        state = batch.state
        if state.full and state.done:
            mirror = store.read_table("m365", "events")
            gone = unseen_ids(mirror, state, {"mailbox": mailbox}, time_column="start")
            removed += store.mark_deleted("m365", "events", gone)
    return CalendarPull(mailbox, written, removed)
