"""Before the mailboxes are pulled: ask every stored delta link at once, 20 to a `$batch`."""

from __future__ import annotations

from collections.abc import Sequence

from prefect import task
from prefect.cache_policies import NO_CACHE

from connectors.m365 import FOLDERS
from connectors.m365.delta import DeltaState
from connectors.m365.prefetch import prefetch_links
from connectors.store import Store
from flows.delta_mirror import stream_name
from flows.progress import step
from flows.runtime import Runtime


def stream_names(store: Store, mailboxes: Sequence[str]) -> list[str]:
    """The delta streams the pulls keep for these mailboxes."""
    lists = store.read_fields("m365", "todo_lists", ["mailbox", "id"])
    names = []
    for mailbox in mailboxes:
        names += [stream_name("messages", mailbox, folder) for folder in FOLDERS]
        names += [stream_name("events", mailbox), stream_name("todo_lists", mailbox)]
        mine = lists[lists["mailbox"] == mailbox]["id"].astype(str)
        names += [stream_name("todo_tasks", mailbox, list_id) for list_id in mine]
    return names


@task(name="prefetch-deltas", cache_policy=NO_CACHE)
def prefetch_deltas(runtime: Runtime, mailboxes: Sequence[str]) -> int:
    """Fetch the next page of every stream that has a stored link; returns how many were kept.

    Streams pulled for the first time have no link and start their own round.
    """
    store = runtime.store
    links = []
    for name in stream_names(store, mailboxes):
        state = DeltaState.load(store.watermark(name))
        if state is not None and state.link:
            links.append(state.link)
    if not links:
        return 0
    calls_before = runtime.graph.calls
    kept = prefetch_links(runtime.graph, links)
    step(
        "pull",
        f"asked {len(links)} delta links of {len(mailboxes)} mailboxes in "
        f"{runtime.graph.calls - calls_before} $batch calls ({kept} answers kept)",
    )
    return kept
