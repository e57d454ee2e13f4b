"""Kamsync's Graph requests as the benchmark counts them: per mailbox and stream.

`CallLog` wraps one `GraphClient`'s `get` and `post` (every read and `$batch`
the sync and the upserts make), names the stream each URL belongs to (a
folder's message delta, the calendarView delta, the task lists, one list's
tasks, the linked-task re-read, `$batch`), and keeps per stream the requests
made (retries included: `GraphClient.thread_calls`, so threads pulling
several mailboxes at once are told apart), the items Graph returned and the
page size asked for. The fewest requests a stream could have taken is
max(1, ⌈items / page size⌉).
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from connectors.m365.client import GraphClient, Json, mailbox_of

#: the largest page Graph serves per stream kind (the stand-in applies the same caps)
GRAPH_MAX_PAGE = {
    "inbox": 1000, "sentitems": 1000, "calendar": 1000, "todo lists": 1000,
    "todo tasks": 1000, "linked re-read": 1000,
}  # fmt: skip
DELTA_KINDS = ("inbox", "sentitems", "calendar", "todo lists", "todo tasks")
_DELTA = r"(?:delta|microsoft\.graph\.delta\(\))"
_PATTERNS = (
    (re.compile(rf"/mailFolders/([^/]+)/messages/{_DELTA}$"), None),
    (re.compile(rf"/calendarView/{_DELTA}$"), "calendar"),
    (re.compile(rf"/todo/lists/{_DELTA}$"), "todo lists"),
    (re.compile(rf"/todo/lists/([^/]+)/tasks/{_DELTA}$"), "todo tasks"),
    (re.compile(r"/todo/lists/([^/]+)/tasks$"), "linked re-read"),
    (re.compile(r"/todo/lists$"), "task lists"),
    (re.compile(r"/\$batch$"), "$batch"),
)
_MAX_PAGE = re.compile(r"odata\.maxpagesize=(\d+)")


@dataclass
class StreamCalls:
    """One stream's requests in a phase."""

    mailbox: str
    kind: str
    requests: int = 0
    items: int = 0
    page_size: int | None = None
    #: seconds spent waiting for Graph's answers
    seconds: float = 0.0

    @property
    def minimum(self) -> int:
        """The fewest requests for these items at the page size asked for (0: not a read)."""
        if self.kind == "$batch":
            return 0
        return max(1, math.ceil(self.items / self.page_size)) if self.page_size else 1

    @property
    def minimum_at_max(self) -> int:
        """The same at Graph's largest page for this kind."""
        largest = GRAPH_MAX_PAGE.get(self.kind)
        return max(1, math.ceil(self.items / largest)) if largest else self.minimum


def stream_of(url: str) -> tuple[str, str]:
    """(kind, key) of a Graph URL: the key tells one list's (or folder's) stream from another's."""
    path = urlsplit(url).path if "://" in url else url.split("?", 1)[0]
    for pattern, kind in _PATTERNS:
        found = pattern.search(path)
        if found:
            detail = found.group(1).lower() if found.groups() else ""
            name = kind or detail
            return name, f"{name}:{detail}"
    return "other", "other"


class CallLog:
    """Counts a GraphClient's requests per (mailbox, stream) while a phase runs."""

    def __init__(self, client: GraphClient) -> None:
        self.client = client
        self.streams: dict[tuple[str, str], StreamCalls] = {}
        self._lock = threading.Lock()
        get, post = client.get, client.post

        def logged_get(
            url: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None
        ) -> Json:
            before, started = client.thread_calls(), time.perf_counter()
            body = get(url, params, headers)
            with self._lock:
                stream = self._stream(url, mailbox_of(url))
                stream.seconds += time.perf_counter() - started
                stream.requests += client.thread_calls() - before
                stream.items += len(body.get("value", []))
                stream.page_size = stream.page_size or _page_size(params, headers)
            return body

        def logged_post(url: str, body: Json, *, idempotent: bool | None = None) -> Any:
            before, started = client.thread_calls(), time.perf_counter()
            answer = post(url, body, idempotent=idempotent)
            items = body.get("requests") or [{}]
            mailbox = mailbox_of(str(items[0].get("url", ""))) if "$batch" in url else None
            with self._lock:
                stream = self._stream(url, mailbox or mailbox_of(url))
                stream.seconds += time.perf_counter() - started
                stream.requests += client.thread_calls() - before
            return answer

        client.get = logged_get  # type: ignore[method-assign]
        client.post = logged_post  # type: ignore[method-assign]

    @contextmanager
    def phase(self) -> Iterator[list[StreamCalls]]:
        """Collect the streams of the requests made inside the block (filled in on exit)."""
        self.streams = {}
        found: list[StreamCalls] = []
        try:
            yield found
        finally:
            found.extend(self.streams.values())

    def _stream(self, url: str, mailbox: str | None) -> StreamCalls:
        kind, key = stream_of(url)
        slot = (mailbox or "", key)
        if slot not in self.streams:
            self.streams[slot] = StreamCalls(mailbox or "", kind)
        return self.streams[slot]


def _page_size(params: dict[str, Any] | None, headers: dict[str, str] | None) -> int | None:
    if params and "$top" in params:
        return int(params["$top"])
    found = _MAX_PAGE.search((headers or {}).get("Prefer", ""))
    return int(found.group(1)) if found else None


@dataclass
class Phase:
    """One timed phase: seconds, kamsync's Graph requests, and its streams."""

    seconds: float
    requests: int
    streams: list[StreamCalls]

    @property
    def minimum(self) -> int:
        """The fewest requests: every delta stream's pages (other reads are overhead)."""
        return sum(stream.minimum for stream in self.streams if stream.kind in DELTA_KINDS)


def target(calls: int, minimum: int) -> str:
    """The ratio to the minimum and whether it meets ≤ 1.1 ×, as a suffix."""
    if minimum == 0:
        return "" if calls == 0 else ": MISSED, none needed"
    ratio = calls / minimum
    return f", ratio {ratio:.2f}: {'target met' if ratio <= 1.1 else 'MISSED (> 1.1)'}"


def print_phase(label: str, phase: Phase, kinds: dict[str, str]) -> dict[str, Any]:
    """Print the phase per stream kind and per mailbox kind; return it for the results file."""
    waiting = sum(stream.seconds for stream in phase.streams)
    print(f"\n{label}: {phase.seconds:.1f} s ({waiting:.1f} s waiting for Graph), "
          f"{phase.requests} Graph requests "
          f"(minimum {phase.minimum}{target(phase.requests, phase.minimum)})")  # fmt: skip
    by_stream = _totals(phase.streams, lambda stream: stream.kind)
    print(f"  {'stream':<16}{'streams':>8}{'items':>9}{'requests':>10}{'minimum':>9}"
          f"{'page':>6}{'Graph max':>11}{'min at max':>12}{'Graph s':>9}")  # fmt: skip
    for kind, row in by_stream.items():
        print(f"  {kind:<16}{row['streams']:>8}{row['items']:>9}{row['requests']:>10}"
              f"{row['minimum']:>9}{row['page'] or '-':>6}{GRAPH_MAX_PAGE.get(kind, '-'):>11}"
              f"{row['minimum_at_max']:>12}{row['seconds']:>9.1f}")  # fmt: skip
    by_box = _totals(phase.streams, lambda stream: kinds.get(stream.mailbox, "no mailbox"))
    print(f"  {'mailbox kind':<16}{'streams':>8}{'items':>9}{'requests':>10}{'minimum':>9}")
    for kind, row in by_box.items():
        print(f"  {kind:<16}{row['streams']:>8}{row['items']:>9}{row['requests']:>10}"
              f"{row['minimum']:>9}")  # fmt: skip
    small = sorted(
        kind for kind, row in by_stream.items()
        if row["page"] and row["page"] < GRAPH_MAX_PAGE.get(kind, 0)
    )  # fmt: skip
    at_max = sum(row["minimum_at_max"] for row in by_stream.values())
    if small and at_max < phase.minimum:
        fewer = phase.minimum - at_max
        print(f"  note: pages smaller than Graph's largest for {', '.join(small)}; at the "
              f"largest the minimum is {at_max} requests ({fewer} fewer)")  # fmt: skip
    return {
        "seconds": round(phase.seconds, 2), "graph_seconds": round(waiting, 2),
        "requests": phase.requests,
        "minimum": phase.minimum, "minimum_at_graph_max_page": at_max,
        "streams": by_stream, "mailbox_kinds": by_box,
    }  # fmt: skip


def _totals(
    streams: list[StreamCalls], group: Callable[[StreamCalls], str]
) -> dict[str, dict[str, Any]]:
    totals: dict[str, dict[str, Any]] = {}
    for stream in sorted(streams, key=lambda s: (s.kind not in DELTA_KINDS, group(s))):
        row = totals.setdefault(
            group(stream),
            dict.fromkeys(("streams", "items", "requests", "minimum", "minimum_at_max", "page"), 0)
            | {"seconds": 0.0},
        )
        delta = stream.kind in DELTA_KINDS
        row["streams"] += 1
        row["items"] += stream.items
        row["requests"] += stream.requests
        row["minimum"] += stream.minimum if delta else 0
        row["minimum_at_max"] += stream.minimum_at_max if delta else 0
        row["page"] = max(row["page"], stream.page_size or 0)
        row["seconds"] = round(row["seconds"] + stream.seconds, 3)
    return totals
