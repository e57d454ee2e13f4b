"""Graph delta rounds: follow nextLinks to the deltaLink, page by page, resumably.

A round starts from a delta URL and its query, or from a stored link (a
`nextLink` when an earlier run stopped mid-round, a `deltaLink` when it
finished). Each page is yielded with the link to commit alongside it, so a
crash resumes where the last committed page ended. When Graph has dropped the
sync state (`410 Gone`, `SyncStateNotFound`, `resyncRequired`) or refuses a
stored token as corrupt (`SyncStateInvalid`), the error policy's RESYNC
(connectors/m365/policy.py) raises `DeltaReset`: the caller starts that one
collection over with a full round.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from connectors.m365.client import GraphClient, GraphError, Json
from connectors.m365.errors import DeltaReset
from connectors.m365.policy import Where

#: Asked of every delta round with `Prefer: odata.maxpagesize`. Outlook does not document
#: its largest page; `$top` on messages goes to 1,000, and Graph answers smaller pages
#: than asked when it must (kamsync follows `@odata.nextLink` either way).
PAGE_SIZE = 1000
__all__ = [
    "PAGE_SIZE", "DeltaBatch", "DeltaPage", "DeltaReset", "DeltaState",
    "delta_pages", "resumed_pages", "split_removed", "unseen_ids",
]  # fmt: skip


@dataclass(frozen=True)
class DeltaPage:
    """One page of a round: changed or added items, removed ids, and the link to keep."""

    items: list[Json]
    removed: list[str]
    link: str
    #: `link` is the round's deltaLink (the round is complete), not a nextLink
    done: bool


def delta_pages(
    client: GraphClient,
    url: str,
    params: dict[str, Any] | None = None,
    *,
    page_size: int = PAGE_SIZE,
) -> Iterator[DeltaPage]:
    """Pages of one round from `url` (a delta URL with `params`, or a stored link)."""
    headers = {"Prefer": f"odata.maxpagesize={page_size}"}
    while True:
        body = client.get(url, params, headers, where=Where.DELTA)
        items, removed = split_removed(body.get("value", []))
        next_link = body.get("@odata.nextLink")
        delta_link = body.get("@odata.deltaLink")
        if not next_link and not delta_link:
            raise GraphError(f"Microsoft Graph delta {url} answered no link", 200, "NoDeltaLink")
        link = str(next_link or delta_link)
        yield DeltaPage(items, removed, link, done=not next_link)
        if not next_link:
            return
        url, params = link, None


def split_removed(values: list[Json]) -> tuple[list[Json], list[str]]:
    """Entries that are live items, and the ids of those Graph reports `@removed`."""
    items = [value for value in values if "@removed" not in value]
    removed = [str(value["id"]) for value in values if "@removed" in value]
    return items, removed


@dataclass(frozen=True)
class DeltaState:
    """What kamsync keeps per collection between runs (as its watermark, JSON).

    `round` names the full round the mirror rows were last confirmed by;
    `full` says the round in progress (or just finished, when `done`) is a
    full one, whose end sweeps rows it did not see; `since` is the horizon
    that full round started from.
    """

    link: str
    round: str
    full: bool
    done: bool
    since: str | None = None

    def dump(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def load(cls, text: str | None) -> DeltaState | None:
        """The stored state; None for none or for a watermark of another kind (start over)."""
        if not text or not text.startswith("{"):
            return None
        try:
            return cls(**json.loads(text))
        except (TypeError, ValueError):
            return None


def resumed_pages(
    client: GraphClient,
    url: str,
    params: dict[str, Any] | None,
    state: DeltaState | None,
    *,
    since: str | None = None,
    page_size: int = PAGE_SIZE,
) -> Iterator[tuple[DeltaPage, DeltaState]]:
    """Pages of the round `state` left off in (None: a new full round from `url` and `params`,
    whose horizon is `since`), each with the state to keep once it is applied."""
    if state is None:
        state = DeltaState("", datetime.now(UTC).isoformat(), full=True, done=False, since=since)
        pages = delta_pages(client, url, params, page_size=page_size)
    else:
        full = state.full and not state.done
        state = DeltaState(state.link, state.round, full, done=False, since=state.since)
        pages = delta_pages(client, state.link, page_size=page_size)
    for page in pages:
        yield page, DeltaState(page.link, state.round, state.full, page.done, state.since)


@dataclass(frozen=True)
class DeltaBatch:
    """One delta page of a mailbox's collection as mirror rows, and the watermark to commit."""

    mailbox: str
    rows: pd.DataFrame
    watermark: str
    #: ids Graph reported removed (deleted, or moved out of the collection)
    removed: list[str] = field(default_factory=list)

    @property
    def state(self) -> DeltaState:
        state = DeltaState.load(self.watermark)
        assert state is not None
        return state


def unseen_ids(
    mirror: pd.DataFrame,
    state: DeltaState,
    scope: dict[str, str],
    *,
    time_column: str | None = None,
) -> list[str]:
    """Ids of live mirror rows in `scope` (column -> value) that `state`'s full round missed.

    After a full round every row it saw carries its `sync_round`; the others are
    gone from the service. With `time_column`, rows older than the round's
    horizon (`state.since`) are kept: the round could not have seen them.
    """
    needed = [*scope, "sync_round", "id", *([time_column] if time_column else [])]
    if mirror.empty or any(column not in mirror.columns for column in needed):
        return []
    rows = mirror
    for column, value in scope.items():
        rows = rows[rows[column] == value]
    rows = rows[rows["sync_round"] != state.round]
    if time_column and state.since:
        rows = rows[rows[time_column].fillna("").astype(str) >= state.since]
    return [str(record_id) for record_id in rows["id"]]
