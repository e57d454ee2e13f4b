"""Progress reporting from tasks: Prefect logs always, a live CLI display when one listens."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from prefect.exceptions import MissingContextError
from prefect.logging import get_run_logger


class ProgressListener(Protocol):
    def step(self, stage: str, message: str) -> None: ...


_listeners: list[ProgressListener] = []


@contextmanager
def listening(listener: ProgressListener) -> Iterator[None]:
    """Send progress of the runs in this process to `listener` (the CLI display)."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


def run_logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    """The Prefect run logger, or a plain one outside a run (unit tests via `.fn`)."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("kamsync")


def step(stage: str, message: str) -> None:
    """Log one unit of progress (an object pulled, a mailbox read, a task created)."""
    run_logger().info("%s: %s", stage, message)
    for listener in _listeners:
        listener.step(stage, message)
