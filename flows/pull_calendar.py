"""Pull from Microsoft 365: each KAM's calendar, mirrored as `m365/events` through delta."""

from __future__ import annotations

from dataclasses import dataclass

from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.m365.calendar import read_events
from flows.crashpoints import crash_point
from flows.delta_mirror import Stream, stream_name, sync_stream
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
    """Mirror the changes to a KAM's calendar window since the last run (first run: all of it).

    A stored round whose window starts over a day before today's restarts in full
    (`read_events`); a full round's sweep spares events before its window.
    """
    result = sync_stream(runtime.store, calendar_stream(runtime, mailbox))
    crash_point("m365.calendar_pulled")
    pull = CalendarPull(mailbox, result.changed, result.removed, resynced=result.resyncs > 0)
    resync = " (full resync: Graph dropped the sync state)" if pull.resynced else ""
    step("pull", f"{mailbox}: {pull.events} events written, {pull.removed} removed{resync}")
    return pull


def calendar_stream(runtime: Runtime, mailbox: str) -> Stream:
    """The mailbox's calendarView delta over the configured rolling window, as a stream."""
    settings = runtime.settings.m365
    return Stream(
        stream_name("events", mailbox),
        "events",
        {"mailbox": mailbox},
        lambda since: read_events(
            runtime.graph,
            mailbox,
            since,
            past_days=settings.calendar_past_days,
            future_days=settings.calendar_future_days,
        ),
        "start",
    )
