"""What every `kamsync` command shares: the console, the --config option, one-line errors,
private files, and a terminal free of Prefect's tracebacks."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from config.environment import unknown_variables
from config.loader import ConfigError

console = Console()

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="TOML config file (default: $KAMSYNC_CONFIG or ./kamsync.toml)."),
]


def say_error(message: str) -> None:
    """One unwrapped line (or a few) on stderr, whatever the terminal width."""
    typer.echo(message, err=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn configuration, service and store failures into one line and an exit code."""
    from connectors.errors import BudgetExhausted, ConnectorError, redact
    from connectors.store import StoreError

    try:
        yield
    except ConfigError as exc:
        say_error(f"kamsync: {exc}")
        raise typer.Exit(2) from None
    except BudgetExhausted as exc:
        say_error(f"kamsync: {exc}")
        raise typer.Exit(0) from None
    except (ConnectorError, StoreError) as exc:
        say_error(f"kamsync: {redact(str(exc))}")
        raise typer.Exit(1) from None


def quiet_prefect_console() -> None:
    """Keep Prefect's INFO lines off the terminal (they still reach the Prefect API), and
    keep a temporary Prefect server from phoning home (kamsync runs on closed networks)."""
    for handler in ("CONSOLE", "CONSOLE_FLOW_RUNS", "CONSOLE_TASK_RUNS"):
        os.environ.setdefault(f"PREFECT_LOGGING_HANDLERS_{handler}_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def warn_unknown_variables() -> None:
    """A misspelt `KAMSYNC_` variable would be ignored silently: say so, naming the
    closest real one."""
    for warning in unknown_variables():
        say_error(f"kamsync: warning: {warning}")


def restrict_new_files() -> None:
    """Files this process (and its children: the temporary Prefect server) creates are
    the user's alone: the store, the workbooks under out/, Prefect's database hold CRM data.

    A umask, not a chmod per file: it also covers files made by libraries (SQLite's -wal
    and -shm files, Prefect's database and logs) that kamsync never opens itself."""
    os.umask(os.umask(0o077) | 0o077)


class HideTracebacks(logging.Filter):
    """On the terminal, drop Prefect's records of a failure (the traceback, "Finished in
    state Failed"): the CLI prints the one-line reason. They still reach Prefect's logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info or record.exc_text:
            return False
        return not (
            record.levelno >= logging.ERROR and record.getMessage().startswith(FAILURE_LINES)
        )


#: Prefect's own one-line records of a failure, which the CLI's message replaces.
FAILURE_LINES = ("Finished in state Failed", "Finished in state Crashed", "Crash detected")


def hide_prefect_tracebacks() -> None:
    """Install `HideTracebacks` on the console handlers Prefect's logging set up."""
    names = ("", "prefect", "prefect.flow_runs", "prefect.task_runs")
    for logger in (logging.getLogger(name) for name in names):
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and not any(
                isinstance(existing, HideTracebacks) for existing in handler.filters
            ):
                handler.addFilter(HideTracebacks())
