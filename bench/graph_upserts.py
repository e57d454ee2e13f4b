"""The Graph benchmark's To Do upserts: linked tasks spread over the mailboxes, written through
`write_tasks` (JSON `$batch` calls of 20, the list's linked tasks read once), `workers`
mailboxes at a time, then the same again (every task found in place)."""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

from bench.graph_calls import CallLog, target
from bench.graph_changes import ChangeSession, open_bench_lists
from connectors.m365.batch import MAX_BATCH
from connectors.m365.client import GraphClient
from connectors.m365.todo import TaskWrite, TodoTask, write_tasks
from flows.runtime import Runtime


def upsert_tasks(
    graph: GraphClient,
    log: CallLog,
    lists: dict[str, str],
    count: int,
    tag: str,
    workers: int = 1,
) -> dict[str, Any]:
    """Create `count` linked tasks spread over the lists' mailboxes, one `write_tasks` each,
    `workers` mailboxes at a time."""
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
    with log.phase() as streams, ThreadPoolExecutor(workers) as pool:
        started, before = time.perf_counter(), graph.calls
        written = pool.map(lambda box: write_tasks(graph, box, lists[box], writes[box]), boxes)
        for box, results in zip(boxes, written, strict=True):
            for result in results.values():
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


def upsert_twice(
    runtime: Runtime,
    log: CallLog,
    session: ChangeSession,
    boxes: list[str],
    count: int,
    workers: int = 1,
) -> dict[str, Any]:
    """`count` task upserts into a fresh bench list per mailbox, then the same again."""
    tag = time.strftime("%H%M%S")
    lists = open_bench_lists(session, boxes, tag)
    results = {}
    for key, label in (("upserts", "task upserts"), ("upserts_again", "same upserts again")):
        results[key] = upsert_tasks(runtime.graph, log, lists, count, tag, workers)
        print_upserts(f"{label} ({count} over {len(boxes)} mailboxes)", results[key])
    return results
