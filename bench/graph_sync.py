"""Benchmark: the Microsoft 365 side of the cycle, first and incremental sync, task upserts.

    python -m bench.graph_sync [--preset tiny|demo|medium|large] [--changes 0.01]
                               [--tasks 20000] [--kams-only] [--reset] [--graph-budget N]
                               [--state-dir DIR]

Starts the sandbox for the preset (state kept in .kamsync/bench-<preset>).
Mailboxes: every enabled tenant user's plus the shared mailboxes (whose
accounts are disabled); `--kams-only`: the configured KAMs. First it upserts
`--tasks` To Do tasks spread over the mailboxes through `write_tasks` into a
fresh list each, twice (the second time all are found in place); then it
pulls every mailbox the way the cycle does (stored delta links fetched ahead
in `$batch` calls, then `pull_mailbox` and `pull_calendar`) into a fresh
store, changes `--changes` of the mail, events and tasks through Graph from a
session of its own, and pulls again. Prints
wall time, peak memory and Graph requests against the minimum: max(1,
⌈items / page size asked⌉) per delta stream, ⌈N / 20⌉ `$batch` calls per
mailbox for N writes. Targets: requests ≤ 1.1 × the minimum; the incremental
sync ≤ 5 % of the first sync's requests and time.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import math
import os
import resource
import tempfile
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from bench.graph_calls import CallLog, Phase, print_phase, target
from bench.graph_changes import ChangeSession, change_tenant, close_bench_lists, open_bench_lists
from config.loader import load_settings
from config.settings import StoreSettings
from connectors.m365.batch import MAX_BATCH
from connectors.m365.client import GraphClient
from connectors.m365.todo import TaskWrite, TodoTask, write_tasks
from connectors.m365.users import tenant_users
from flows.demo import SandboxProcess
from flows.prefetch import prefetch_deltas
from flows.pull_calendar import pull_calendar
from flows.pull_m365 import pull_mailbox
from flows.runtime import Runtime
from flows.taskrun import run
from sandbox.seed import PRESETS

OUTLOOK_BUDGET = 10_000
#: operations flows/push.py hands to one `write_tasks` call


def mailbox_kinds(runtime: Runtime, kams_only: bool) -> dict[str, str]:
    """Mailbox (UPN) -> "KAM", "other" or "shared" (a mailbox whose account is disabled)."""
    kams = {box.lower() for box in runtime.settings.m365.mailboxes}
    if kams_only:
        return {box: "KAM" for box in sorted(kams)}
    users = tenant_users(runtime.graph)
    users = users[users["mail"].notna()]
    kinds = {}
    for user in users.to_dict("records"):
        box = str(user["user_principal_name"]).lower()
        known = {box, str(user["mail"]).lower()}
        kinds[box] = "KAM" if known & kams else "other" if user["account_enabled"] else "shared"
    return dict(sorted(kinds.items()))


def sync(runtime: Runtime, log: CallLog, mailboxes: Sequence[str]) -> tuple[Phase, int]:
    """The cycle's Microsoft 365 pulls for every mailbox; the phase and the streams resynced."""
    with log.phase() as streams:
        started, before = time.perf_counter(), runtime.graph.calls
        run(prefetch_deltas, runtime, mailboxes)  # as the cycle does: stored links, 20 a call
        mail = [run(pull_mailbox, runtime, box) for box in mailboxes]
        calendars = [run(pull_calendar, runtime, box) for box in mailboxes]
        seconds, requests = time.perf_counter() - started, runtime.graph.calls - before
    resyncs = sum(pull.resyncs for pull in mail) + sum(pull.resynced for pull in calendars)
    return Phase(seconds, requests, streams), resyncs


def upsert_tasks(
    graph: GraphClient, log: CallLog, lists: dict[str, str], count: int, tag: str
) -> dict[str, Any]:
    """Create `count` linked tasks spread over the lists' mailboxes, one `write_tasks` each."""
    boxes = list(lists)
    writes: dict[str, list[TaskWrite]] = {box: [] for box in boxes}
    today = date.today()
    for n in range(count):
        task = TodoTask(
            title=f"Bench renewal {n}", due_date=today + timedelta(days=n % 90),
            external_id=f"BENCH{tag}{n:06d}", link_url=f"https://bench.invalid/{n}",
            link_name=f"Bench record {n}",
        )  # fmt: skip
        writes[boxes[n % len(boxes)]].append(TaskWrite(f"t{n}", "create", task))
    outcome = {"created": 0, "found_in_place": 0, "failed": 0}
    sent = dict.fromkeys(boxes, 0)  # writes that needed a request (not found in place)
    with log.phase() as streams:
        started, before = time.perf_counter(), graph.calls
        for box in boxes:
            for result in write_tasks(graph, box, lists[box], writes[box]).values():
                found = "found_in_place" if result.adopted else "created"
                outcome[found if result.ok else "failed"] += 1
                sent[box] += not result.adopted
        seconds, requests = time.perf_counter() - started, graph.calls - before
    write_floor = sum(math.ceil(n / MAX_BATCH) for n in sent.values())
    reads = [s for s in streams if s.kind == "linked re-read"]
    return {
        **outcome, "seconds": round(seconds, 2), "requests": requests,
        "write_calls": sum(s.requests for s in streams if s.kind == "$batch"),
        "write_minimum": write_floor,
        "read_calls": sum(s.requests for s in reads),
        "read_minimum": sum(s.minimum for s in reads),
        "read_minimum_at_max": sum(s.minimum_at_max for s in reads),
        "graph_seconds": round(sum(s.seconds for s in streams), 2),
        "read_page_size": max((s.page_size or 0 for s in reads), default=0),
    }  # fmt: skip


def print_upserts(label: str, upserts: dict[str, Any]) -> None:
    calls, floor = upserts["write_calls"], upserts["write_minimum"]
    reads, read_floor = upserts["read_calls"], upserts["read_minimum"]
    print(f"\n{label}: {upserts['seconds']:.1f} s ({upserts['graph_seconds']:.1f} s waiting for "
          f"Graph), {upserts['requests']} Graph requests; {upserts['created']} created, "
          f"{upserts['found_in_place']} found in place, {upserts['failed']} failed")  # fmt: skip
    print(f"  $batch writes: {calls} calls (minimum {floor}{target(calls, floor)})")
    print(f"  linked-task re-read before writing: {reads} requests (minimum {read_floor} at "
          f"$top={upserts['read_page_size']}{target(reads, read_floor)}; "
          f"{upserts['read_minimum_at_max']} at Graph's largest page)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="demo", choices=list(PRESETS))
    parser.add_argument("--changes", type=float, default=0.01, help="share of items to change")
    parser.add_argument("--tasks", type=int, default=20_000, help="To Do task upserts")
    parser.add_argument("--kams-only", action="store_true", help="only the configured mailboxes")
    parser.add_argument("--reset", action="store_true", help="reseed the sandbox state")
    parser.add_argument("--graph-budget", type=int, default=OUTLOOK_BUDGET,
                        help="sandbox requests per mailbox per 10 minutes")  # fmt: skip
    parser.add_argument("--state-dir", type=Path, default=None)
    parser.add_argument("--profile", type=Path, default=None,
                        help="write a cProfile of the incremental sync to this file")  # fmt: skip
    args = parser.parse_args()
    state_dir = args.state_dir or Path(".kamsync") / f"bench-{args.preset}"
    sandbox = SandboxProcess(state_dir, args.preset, args.reset, 0, 0, startup_seconds=3600)
    if args.graph_budget != OUTLOOK_BUDGET:
        sandbox.command += ["--graph-budget", str(args.graph_budget)]
    seeding = time.perf_counter()
    with sandbox, tempfile.TemporaryDirectory() as scratch:
        print(f"sandbox ({args.preset}) up in {time.perf_counter() - seeding:.1f} s; "
              f"Graph budget {args.graph_budget:,} requests per mailbox per 10 min")  # fmt: skip
        os.environ["REQUESTS_CA_BUNDLE"] = sandbox.info["ca_bundle"]
        settings = load_settings(sandbox.info["config"])
        store = StoreSettings(url=f"sqlite:///{Path(scratch) / 'bench.db'}")
        runtime = Runtime(settings.model_copy(update={"store": store}))
        results = bench(runtime, CallLog(runtime.graph), sandbox.info["graph"], args)
        results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    results["sandbox_peak_rss_mb"] = round(children / 1024)
    print(f"\npeak memory: bench {results['peak_rss_mb']} MB, "
          f"sandbox {results['sandbox_peak_rss_mb']} MB")  # fmt: skip
    out = Path("bench/results") / f"graph-sync-{args.preset}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"results written to {out}")


def bench(
    runtime: Runtime, log: CallLog, graph: dict[str, str], args: argparse.Namespace
) -> dict[str, Any]:
    """The phases, printed as they finish; the results to write.

    The upserts come first, so the first sync also reads To Do at scale and the
    changes can complete and retitle tasks (the seed's task lists are empty).
    """
    kinds = mailbox_kinds(runtime, args.kams_only)
    boxes = list(kinds)
    counts = pd.Series(kinds).value_counts().to_dict()
    print(f"{len(boxes)} mailboxes: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
    if not args.kams_only and not counts.get("shared"):
        print("hint: this tenant has no shared mailboxes, so it was seeded by an older kamsync; "
              "pass --reset to reseed it")  # fmt: skip
    session = ChangeSession(graph)
    close_bench_lists(session, boxes)  # lists an interrupted run left behind
    results: dict[str, Any] = {"preset": args.preset, "graph_budget": args.graph_budget,
                               "mailboxes": counts}  # fmt: skip
    try:
        if args.tasks > 0:
            results |= upsert_twice(runtime, log, session, boxes, args.tasks)
        results |= sync_twice(runtime, log, session, kinds, args.changes, args.profile)
    finally:
        close_bench_lists(session, boxes)
    return results


def upsert_twice(
    runtime: Runtime, log: CallLog, session: ChangeSession, boxes: list[str], count: int
) -> dict[str, Any]:
    """`count` task upserts into a fresh bench list per mailbox, then the same again."""
    tag = time.strftime("%H%M%S")
    lists = open_bench_lists(session, boxes, tag)
    results = {}
    for key, label in (("upserts", "task upserts"), ("upserts_again", "same upserts again")):
        results[key] = upsert_tasks(runtime.graph, log, lists, count, tag)
        print_upserts(f"{label} ({count} over {len(boxes)} mailboxes)", results[key])
    return results


def sync_twice(
    runtime: Runtime,
    log: CallLog,
    session: ChangeSession,
    kinds: dict[str, str],
    share: float,
    profile: Path | None = None,
) -> dict[str, Any]:
    """The first sync, `share` of the items changed, the incremental sync."""
    boxes = list(kinds)
    first, resyncs = sync(runtime, log, boxes)
    results: dict[str, Any] = {"first": print_phase("first sync", first, kinds)}
    changes = change_tenant(session, runtime.store, boxes, share)
    print(f"\nchanged {changes.total} items in {changes.seconds:.1f} s, {changes.requests} "
          f"$batch calls outside kamsync ({changes.failed} failed)")  # fmt: skip
    print("  " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in vars(changes).items()
                           if isinstance(v, int) and k not in ("failed", "requests")))  # fmt: skip
    profiler = cProfile.Profile() if profile else None
    with profiler or contextlib.nullcontext():
        incremental, resyncs = sync(runtime, log, boxes)
    if profiler and profile:
        profiler.dump_stats(profile)
        print(f"profile of the incremental sync written to {profile}")
    results["changes"] = vars(changes)
    results["incremental"] = print_phase("incremental sync", incremental, kinds)
    results["incremental"]["resyncs"] = resyncs
    ratio = {"requests": incremental.requests / max(1, first.requests),
             "seconds": incremental.seconds / max(first.seconds, 1e-9)}  # fmt: skip
    results["incremental_share"] = {key: round(value, 4) for key, value in ratio.items()}
    print(f"\nincremental / first: requests {ratio['requests']:.1%}, time {ratio['seconds']:.1%} "
          f"(target ≤ 5 %: {'met' if max(ratio.values()) <= 0.05 else 'MISSED'})")  # fmt: skip
    return results


if __name__ == "__main__":
    main()
