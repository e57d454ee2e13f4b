"""The Graph benchmark's sync phase fanned out over mailboxes, and the stand-in it runs against.

`sync` pulls every mailbox the way the cycle does (stored delta links fetched
ahead, then `pull_mailbox` and `pull_calendar` for each mailbox through
`flows.fanout.for_each`, `workers` at a time). `StandIn` steers the Graph
stand-in through its test-control endpoint: the latency every request takes
(real Graph answers in about 100 ms; without it, the stand-in's microseconds
hide what concurrency buys) and the 429 answers it gave, so each phase can
show it stayed within Outlook's limits.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import requests

from bench.graph_calls import CallLog, Phase, print_phase
from flows.fanout import for_each
from flows.prefetch import prefetch_deltas
from flows.pull_calendar import pull_calendar
from flows.pull_m365 import pull_mailbox
from flows.runtime import Runtime
from flows.taskrun import run


class StandIn:
    """The Graph stand-in's `/_sandbox/graph/limits`: latency and 429s answered."""

    def __init__(self, graph_url: str) -> None:
        self.url = graph_url.rstrip("/") + "/_sandbox/graph/limits"

    def set_latency(self, latency_ms: int) -> None:
        answer = requests.put(self.url, json={"latency_ms": latency_ms}, timeout=30)
        answer.raise_for_status()

    def throttled(self) -> int:
        """429 answers the stand-in has given so far."""
        answer = requests.get(self.url, timeout=30)
        answer.raise_for_status()
        return int(answer.json()["throttled"])


def sync(
    runtime: Runtime, log: CallLog, mailboxes: Sequence[str], workers: int = 1
) -> tuple[Phase, int]:
    """The cycle's Microsoft 365 pulls for every mailbox; the phase and the streams resynced."""
    with log.phase() as streams:
        started, before = time.perf_counter(), runtime.graph.calls
        run(prefetch_deltas, runtime, mailboxes)  # as the cycle does: stored links, 20 a call
        mail = for_each(pull_mailbox, runtime, mailboxes, max_workers=workers)
        calendars = for_each(pull_calendar, runtime, mailboxes, max_workers=workers)
        seconds, requests_made = time.perf_counter() - started, runtime.graph.calls - before
    resyncs = sum(pull.resyncs for pull in mail) + sum(pull.resynced for pull in calendars)
    return Phase(seconds, requests_made, streams), resyncs


def timed_sync(
    label: str,
    runtime: Runtime,
    log: CallLog,
    stand_in: StandIn,
    kinds: dict[str, str],
    workers: int,
) -> tuple[dict[str, Any], int]:
    """`sync` of the `kinds` mailboxes, printed and returned for the results file with the
    429s Graph answered meanwhile; also the streams resynced."""
    throttled = stand_in.throttled()
    phase, resyncs = sync(runtime, log, list(kinds), workers)
    figures = print_phase(f"{label} ({workers} worker{'s' * (workers > 1)})", phase, kinds)
    figures |= {"workers": workers, "throttled": stand_in.throttled() - throttled}
    print(f"  429 answers: {figures['throttled']}")
    return figures, resyncs


def compare_first_syncs(parallel: dict[str, Any], sequential: dict[str, Any]) -> dict[str, Any]:
    """Print and return how much faster the parallel first sync was than one mailbox at a time."""
    speedup = sequential["seconds"] / max(parallel["seconds"], 1e-9)
    print(f"\nfirst sync: {sequential['seconds']:.1f} s one mailbox at a time, "
          f"{parallel['seconds']:.1f} s with {parallel['workers']} workers: {speedup:.1f}× faster "
          f"(target ≥ 3×: {'met' if speedup >= 3 else 'MISSED'}); 429 answers: "
          f"{sequential['throttled']} and {parallel['throttled']}")  # fmt: skip
    return {"speedup": round(speedup, 2), "sequential_seconds": sequential["seconds"],
            "parallel_seconds": parallel["seconds"], "workers": parallel["workers"]}  # fmt: skip
