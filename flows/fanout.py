"""Mailbox fan-out: one task per mailbox, several at a time, results in mailbox order.

Inside a flow run, `for_each` submits one Prefect task run per item through the
flow's task runner (`task_runner_for` builds it from `[runtime]` settings): a
thread pool in the flow's process, or a Dask cluster whose worker processes get
the `Runtime` as its settings (flows/runtime.py). Outside a flow run
(benchmarks, unit tests) it calls the task's function in a thread pool. Either
way at most `max_workers` run at once, every item is waited for, and then the
first failure in item order is raised (the others are logged and, in a flow
run, shown as failed task runs).

Graph requests a task made in another process come back with its result and
are added to the flow's Runtime, so `Runtime.api_calls()` stays the run's total
(those of a task run that failed there are not: it returned no result).
"""

from __future__ import annotations

import functools
import inspect
import math
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from prefect import Task, get_client
from prefect.context import FlowRunContext
from prefect.futures import PrefectFuture, as_completed, wait
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows.progress import run_logger
from flows.runtime import Runtime

if TYPE_CHECKING:
    from prefect_dask import DaskTaskRunner

T = TypeVar("T")
R = TypeVar("R")


def for_each(
    task: Task[..., R],
    runtime: Runtime,
    items: Sequence[T],
    *,
    max_workers: int,
    in_process: bool = False,
    **fixed: Any,
) -> list[R]:
    """`task(runtime, item, **fixed)` for every item, up to `max_workers` at once; results
    in item order. `in_process` keeps the task runs in this process's threads even when
    `[runtime] task_runner` is dask (work that shares this process's API budget)."""
    if max_workers < 1:
        raise ValueError("max_workers must be at least 1")
    call = functools.partial(task.fn, **fixed) if fixed else task.fn
    if FlowRunContext.get() is None:
        return _in_threads(call, runtime, items, max_workers)
    return _as_task_runs(task, runtime, items, max_workers, in_process=in_process, fixed=fixed)


def task_runner_for(kind: str, max_workers: int, address: str | None) -> TaskRunner[Any]:
    """The flow's task runner for `[runtime] task_runner`: "threads" or "dask".

    Dask connects to the scheduler at `address` (its workers need the same Prefect
    API and store); without one it starts a local cluster of one worker process
    per core (at most `max_workers`) with enough threads each for `max_workers`
    tasks in all: processes spread parsing over the cores, threads keep requests
    in flight while others wait on Graph. On one machine with a SQLite store,
    threads are faster (the processes contend for the store's write lock and
    start in seconds); Dask pays off with workers on other machines.
    """
    if kind == "threads":
        return ThreadPoolTaskRunner(max_workers=max_workers)
    if kind != "dask":
        raise ValueError(f"unknown task runner {kind!r}; use 'threads' or 'dask'")
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    processes = max(1, min(os.cpu_count() or 1, max_workers))
    return _local_dask_runner()(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={
            "n_workers": processes,
            "threads_per_worker": math.ceil(max_workers / processes),
            "processes": True,
            "dashboard_address": "127.0.0.1:0",  # any free port, never a clash
        },
    )


def _local_dask_runner() -> type[DaskTaskRunner]:
    from prefect_dask import DaskTaskRunner

    class LocalDaskTaskRunner(DaskTaskRunner):
        """Dask on a local cluster whose workers report to the flow's Prefect API, even the
        temporary server of a process with none configured (else each starts its own)."""

        api_url: str | None = None

        def submit(self, task: Any, parameters: Any, *args: Any, **kwargs: Any) -> Any:
            self.api_url = self.api_url or _api_url()
            with temporary_settings(updates={PREFECT_API_URL: self.api_url}):
                return super().submit(task, parameters, *args, **kwargs)

    return LocalDaskTaskRunner


def _api_url() -> str:
    """The Prefect API this process talks to (a temporary server's when none is set)."""
    with get_client(sync_client=True) as client:
        return str(client.api_url).rstrip("/")


@dataclass(frozen=True)
class Counted(Generic[R]):
    """A task's result with the Graph requests it made and the connections that counted them."""

    value: R
    calls: dict[str, int]
    counted_by: str


class _CountingCall:
    """A task function that also reports the requests it made (see `Counted`).

    It keeps the function's signature, so Prefect names and binds task runs as before.
    """

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        functools.update_wrapper(self, fn)

    def __call__(self, *args: Any, **kwargs: Any) -> Counted[Any]:
        bound = inspect.signature(self.fn).bind(*args, **kwargs)
        runtime: Runtime = next(iter(bound.arguments.values()))
        before = runtime.thread_calls()
        value = self.fn(*args, **kwargs)
        after = runtime.thread_calls()
        calls = {service: after[service] - before.get(service, 0) for service in after}
        return Counted(value, calls, runtime.connections.id)


def _counting(task: Task[..., R]) -> Task[..., Counted[R]]:
    """The same task (name, run names, retries, cache policy), reporting its requests."""
    counting: Task[..., Any] = task.with_options()
    counting.fn = _CountingCall(task.fn)
    return counting


def _as_task_runs(
    task: Task[..., R],
    runtime: Runtime,
    items: Sequence[T],
    max_workers: int,
    *,
    in_process: bool,
    fixed: dict[str, Any],
) -> list[R]:
    counting = _counting(task)
    futures: list[PrefectFuture[Counted[R]]] = []
    running: set[PrefectFuture[Counted[R]]] = set()
    submit = _submitter(counting, runtime, in_process, fixed)
    for item in items:
        if len(running) >= max_workers:  # the flow's task runner may allow more
            running.remove(next(as_completed(list(running))))
        futures.append(submit(item))
        running.add(futures[-1])
    wait(futures)
    outcomes = [future.result(raise_on_failure=False) for future in futures]
    for outcome in outcomes:
        if isinstance(outcome, Counted) and outcome.counted_by != runtime.connections.id:
            runtime.absorb(outcome.calls)
    return _results_or_first_failure(
        [outcome.value if isinstance(outcome, Counted) else outcome for outcome in outcomes],
        items,
        task.name,
    )


def _submitter(
    counting: Task[..., Counted[R]], runtime: Runtime, in_process: bool, fixed: dict[str, Any]
) -> Callable[[Any], PrefectFuture[Counted[R]]]:
    """Submit through the flow's task runner, or through the run's Dask runner when
    `[runtime] task_runner = "dask"` (a deployed flow's runner is fixed before its config
    is read, so the config's choice is made here)."""
    runner = None if in_process else _config_runner(runtime)
    if runner is None:
        return lambda item: counting.submit(runtime, item, **fixed)
    first, second = list(inspect.signature(counting.fn).parameters)[:2]
    return lambda item: runner.submit(counting, {first: runtime, second: item, **fixed})


_dask_runners: dict[str, TaskRunner[Any]] = {}
_dask_lock = threading.Lock()


def _config_runner(runtime: Runtime) -> TaskRunner[Any] | None:
    """The run's Dask runner, started on first use and kept until `close_task_runner`."""
    options = runtime.settings.runtime
    if options.task_runner != "dask" or _flow_runs_on_dask():
        return None
    with _dask_lock:
        runner = _dask_runners.get(runtime.connections.id)
        if runner is None:
            runner = task_runner_for("dask", options.max_workers, options.dask_address)
            runner.__enter__()
            _dask_runners[runtime.connections.id] = runner
    return runner


def _flow_runs_on_dask() -> bool:
    context = FlowRunContext.get()
    return context is not None and type(context.task_runner).__name__.endswith("DaskTaskRunner")


def close_task_runner(runtime: Runtime) -> None:
    """Stop the Dask runner `for_each` started for this run, if any (its local cluster too)."""
    with _dask_lock:
        runner = _dask_runners.pop(runtime.connections.id, None)
    if runner is not None:
        runner.__exit__(None, None, None)


def _in_threads(
    fn: Callable[..., R], runtime: Runtime, items: Sequence[T], max_workers: int
) -> list[R]:
    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="kamsync") as pool:
        futures = [pool.submit(fn, runtime, item) for item in items]
    outcomes = [future.exception() or future.result() for future in futures]
    return _results_or_first_failure(outcomes, items, getattr(fn, "__name__", "task"))


def _results_or_first_failure(outcomes: list[Any], items: Sequence[Any], name: str) -> list[Any]:
    """The results; when any item failed, the later failures are logged and the first raised."""
    failures = [(item, exc) for item, exc in zip(items, outcomes, strict=True)
                if isinstance(exc, BaseException)]  # fmt: skip
    for item, exc in failures[1:]:
        run_logger().error("%s failed for %s too: %s", name, item, exc)
    if failures:
        raise failures[0][1]
    return outcomes
