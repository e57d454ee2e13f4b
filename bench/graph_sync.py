"""Benchmark: the Microsoft 365 side of the cycle, first and incremental sync, task upserts.

    python -m bench.graph_sync [--preset tiny|demo|medium|large] [--changes 0.01]
                               [--tasks 20000] [--kams-only] [--reset] [--graph-budget N]
                               [--workers N] [--latency-ms N] [--state-dir DIR]

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

`--workers N` works on N mailboxes at a time (`flows.fanout.for_each`, as the
cycle does), and then repeats the first sync one mailbox at a time into
another fresh store to show the speed-up (target ≥ 3× at 8 workers).
`--latency-ms N` makes the stand-in answer every Graph request in N ms, as
real Graph does in about 100. Each sync phase reports the 429 answers Graph
gave (none expected: kamsync keeps at most 4 requests in flight per mailbox).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from bench.graph_calls import CallLog
from bench.graph_changes import ChangeSession, change_tenant, close_bench_lists
from bench.graph_fanout import StandIn, compare_first_syncs, timed_sync
from bench.graph_upserts import upsert_tasks as upsert_tasks  # re-exported for tests
from bench.graph_upserts import upsert_twice
from config.loader import load_settings
from config.settings import StoreSettings
from connectors.m365.users import tenant_users
from flows.demo import SandboxProcess
from flows.runtime import Runtime
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="demo", choices=list(PRESETS))
    parser.add_argument("--changes", type=float, default=0.01, help="share of items to change")
    parser.add_argument("--tasks", type=int, default=20_000, help="To Do task upserts")
    parser.add_argument("--kams-only", action="store_true", help="only the configured mailboxes")
    parser.add_argument("--reset", action="store_true", help="reseed the sandbox state")
    parser.add_argument("--graph-budget", type=int, default=OUTLOOK_BUDGET,
                        help="sandbox requests per mailbox per 10 minutes")  # fmt: skip
    parser.add_argument("--workers", type=int, default=1,
                        help="mailboxes at a time (>1: first sync one by one too)")  # fmt: skip
    parser.add_argument("--latency-ms", type=int, default=0,
                        help="ms the stand-in takes per Graph request (Graph: ~100)")  # fmt: skip
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
              f"Graph budget {args.graph_budget:,} requests per mailbox per 10 min, "
              f"{args.latency_ms} ms per request; {args.workers} workers")  # fmt: skip
        os.environ["REQUESTS_CA_BUNDLE"] = sandbox.info["ca_bundle"]
        settings = load_settings(sandbox.info["config"])
        stand_in = StandIn(sandbox.info["graph"]["graph_url"])
        stand_in.set_latency(args.latency_ms)
        runtimes = [
            Runtime(settings.model_copy(update={"store": StoreSettings(url=f"sqlite:///{db}")}))
            for db in (Path(scratch) / "bench.db", Path(scratch) / "one-by-one.db")
        ]
        results = bench(runtimes, stand_in, sandbox.info["graph"], args)
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
    runtimes: list[Runtime], stand_in: StandIn, graph: dict[str, str], args: argparse.Namespace
) -> dict[str, Any]:
    """The phases, printed as they finish; the results to write. The second runtime's store
    takes the first sync one mailbox at a time (with more than one worker).

    The upserts come first, so the first sync also reads To Do at scale and the
    changes can complete and retitle tasks (the seed's task lists are empty).
    """
    runtime, log = runtimes[0], CallLog(runtimes[0].graph)
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
                               "latency_ms": args.latency_ms, "workers": args.workers,
                               "mailboxes": counts}  # fmt: skip
    try:
        if args.tasks > 0:
            results |= upsert_twice(runtime, log, session, boxes, args.tasks, args.workers)
        results |= sync_twice(runtimes, log, stand_in, session, kinds, args)
    finally:
        close_bench_lists(session, boxes)
    return results


def sync_twice(
    runtimes: list[Runtime],
    log: CallLog,
    stand_in: StandIn,
    session: ChangeSession,
    kinds: dict[str, str],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """The first sync (also one mailbox at a time, with several workers), `args.changes` of
    the items changed, the incremental sync."""
    runtime, boxes, workers, profile = runtimes[0], list(kinds), args.workers, args.profile
    first, _ = timed_sync("first sync", runtime, log, stand_in, kinds, workers)
    results: dict[str, Any] = {"first": first}
    if workers > 1:  # after the parallel one, so it finds the stand-in's caches as warm
        alone = runtimes[1]
        one_by_one, _ = timed_sync("first sync", alone, CallLog(alone.graph), stand_in, kinds, 1)
        results["first_one_by_one"] = one_by_one
        results["first_speedup"] = compare_first_syncs(first, one_by_one)
    changes = change_tenant(session, runtime.store, boxes, args.changes)
    print(f"\nchanged {changes.total} items in {changes.seconds:.1f} s, {changes.requests} "
          f"$batch calls outside kamsync ({changes.failed} failed)")  # fmt: skip
    print("  " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in vars(changes).items()
                           if isinstance(v, int) and k not in ("failed", "requests")))  # fmt: skip
    profiler = cProfile.Profile() if profile else None
    with profiler or contextlib.nullcontext():
        incremental, resyncs = timed_sync("incremental", runtime, log, stand_in, kinds, workers)
    if profiler and profile:
        profiler.dump_stats(profile)
        print(f"profile of the incremental sync written to {profile}")
    results["changes"] = vars(changes)
    results["incremental"] = incremental | {"resyncs": resyncs}
    ratio = {"requests": incremental["requests"] / max(1, first["requests"]),
             "seconds": incremental["seconds"] / max(first["seconds"], 1e-9)}  # fmt: skip
    results["incremental_share"] = {key: round(value, 4) for key, value in ratio.items()}
    print(f"\nincremental / first: requests {ratio['requests']:.1%}, time {ratio['seconds']:.1%} "
          f"(target ≤ 5 %: {'met' if max(ratio.values()) <= 0.05 else 'MISSED'})")  # fmt: skip
    return results


if __name__ == "__main__":
    main()
