"""An incremental sync asks every stored delta link in a few `$batch` calls, not one by one."""

from __future__ import annotations

import uuid

import requests

from config.settings import Settings
from connectors.m365.batch import BatchRequest, plan_calls
from flows.prefetch import prefetch_deltas, stream_names
from flows.pull_calendar import pull_calendar
from flows.pull_m365 import pull_mailbox
from flows.runtime import Runtime
from flows.taskrun import run
from tests.integration.m365_helpers import expire_url
from tests.integration.stores import Runtimes


def _pull(runtime: Runtime, mailboxes: list[str]) -> tuple[int, int]:
    """(messages written, sync-state resyncs) over the mailboxes' pulls."""
    mail = [run(pull_mailbox, runtime, box) for box in mailboxes]
    calendars = [run(pull_calendar, runtime, box) for box in mailboxes]
    written = sum(pull.messages for pull in mail)
    resyncs = sum(pull.resyncs for pull in mail) + sum(pull.resynced for pull in calendars)
    return written, resyncs


def _mirrored_subjects(runtime: Runtime, mailbox: str) -> set[str]:
    messages = runtime.store.read_table("m365", "messages")
    return set(messages[messages["mailbox"] == mailbox]["subject"])


def test_an_incremental_sync_of_two_mailboxes_takes_two_batch_calls(
    sandbox_settings: Settings, store_url: str, runtimes: Runtimes
) -> None:
    runtime = runtimes.on(sandbox_settings, store_url)
    boxes = list(sandbox_settings.m365.mailboxes[:2])
    _pull(runtime, boxes)
    subject = f"prefetched {uuid.uuid4().hex[:8]}"
    drafts = f"{runtime.graph.user_path(boxes[0])}/mailFolders/inbox/messages"
    runtime.graph.post(drafts, {"subject": subject})
    streams = [name for name in stream_names(runtime.store, boxes) if runtime.store.watermark(name)]

    before = runtime.graph.calls
    kept = run(prefetch_deltas, runtime, boxes)
    written, resyncs = _pull(runtime, boxes)

    assert kept == len(streams) >= 10
    # one request per stream would be len(streams); $batch takes them 4 per mailbox a call
    per_mailbox = runtime.graph.max_concurrency_per_mailbox
    packed = plan_calls(
        [BatchRequest(name, "GET", f"/users/{name.split(':')[2]}/x") for name in streams],
        per_mailbox,
    )
    assert runtime.graph.calls - before == len(packed) < len(streams) / 2
    assert written >= 1 and resyncs == 0
    assert subject in _mirrored_subjects(runtime, boxes[0])


def test_lost_sync_states_are_not_kept_and_each_stream_resyncs(
    sandbox_settings: Settings, store_url: str, runtimes: Runtimes
) -> None:
    runtime = runtimes.on(sandbox_settings, store_url)
    boxes = list(sandbox_settings.m365.mailboxes[:1])
    _pull(runtime, boxes)
    mirrored = _mirrored_subjects(runtime, boxes[0])
    requests.post(expire_url(sandbox_settings), timeout=10).raise_for_status()

    kept = run(prefetch_deltas, runtime, boxes)
    _, resyncs = _pull(runtime, boxes)

    assert kept == 0
    assert resyncs >= 3  # both mail folders and the calendar started over
    assert _mirrored_subjects(runtime, boxes[0]) == mirrored
