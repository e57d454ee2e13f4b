"""Mirror a Graph delta stream into the store, page by page, with its watermark.

A stream is one delta-tracked collection (a mail folder, a mailbox's task
lists, one list's tasks, a calendar window). Each page is applied with the
stream's new watermark: `@removed` ids are marked deleted first, then the
changed rows are written in one transaction with the watermark (so a page
applied twice is harmless). When Graph has lost the stream's sync state
(`DeltaReset`), that stream alone starts over with a full round; at the end of
any full round the mirror rows of the collection it did not see are marked
deleted (the sweep), and the stream goes incremental.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from connectors.m365.delta import DeltaBatch, DeltaReset, DeltaState, unseen_ids
from connectors.store import Store
from flows.crashpoints import crash_point
from flows.progress import step


@dataclass
class StreamResult:
    """What mirroring one or more streams did."""

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
    pages: Callable[[str | None], Iterable[DeltaBatch]]
    #: rows older than a full round's horizon, by this column, are not swept
    time_column: str | None = None


def stream_name(object_name: str, mailbox: str, part: str | None = None) -> str:
    """The watermark name of a mailbox's collection: `m365:<object>:<mailbox>[:<part>]`
    (the part is a mail folder or a task list id)."""
    return f"m365:{object_name}:{mailbox}" + (f":{part}" if part else "")


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
    for batch in stream.pages(since):
        if batch.removed:
            result.removed += store.mark_deleted("m365", stream.object_name, batch.removed)
        store.upsert_records(
            "m365", stream.object_name, batch.rows, id_column="id", modstamp_column=None,
            watermark=(stream.name, batch.watermark),
        )  # fmt: skip
        crash_point("m365.page_mirrored")
        result.changed += len(batch.rows)
        state = batch.state
        if state.full and state.done:
            result.removed += _sweep(store, stream, state)
    return result


def _sweep(store: Store, stream: Stream, state: DeltaState) -> int:
    """Mark deleted what a finished full round did not see; the stream goes incremental.

    Only the fields the sweep compares are read (extracted in SQL), not whole records:
    a first round of a big mailbox reads back every row it wrote."""
    time_fields = [stream.time_column] if stream.time_column else []
    fields = list(dict.fromkeys([*stream.scope, "sync_round", "id", *time_fields]))
    mirror = store.read_fields("m365", stream.object_name, fields, where=stream.scope)
    gone = unseen_ids(mirror, state, stream.scope, time_column=stream.time_column)
    settled = replace(state, full=False).dump()
    return store.mark_deleted("m365", stream.object_name, gone, watermark=(stream.name, settled))
