"""What every `kamsync` command shares: the console, the --config option, one-line errors."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

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
