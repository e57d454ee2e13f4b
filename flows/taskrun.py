"""Call a Prefect task as a task inside a flow run, as a plain function outside one.

Benchmarks and tests drive the same wiring the cycle uses without starting a
Prefect backend for every call.
"""

from __future__ import annotations

from typing import Any, TypeVar

from prefect import Task
from prefect.context import FlowRunContext

R = TypeVar("R")


def run(task: Task[Any, R], *args: Any) -> R:
    if FlowRunContext.get() is not None:
        return task(*args)
    return task.fn(*args)
