"""The `kamsync` command line.

    kamsync run cycle [--config FILE] [--dry-run] [--mailbox M ...] [--skip-push]
                      [--report-date YYYY-MM-DD] [--verbose]
    kamsync sandbox up [--preset tiny|demo|medium|large] [--state-dir DIR] [--reset]
                       [--salesforce-port N] [--graph-port N] [--graph-budget N]
                       [--latency-ms N]
    kamsync demo
    kamsync config check [--config FILE]
    kamsync verify [--config FILE]
    kamsync eval attribution [--preset P | --config FILE] [--json] [--state-dir DIR]
    kamsync export attribution --config FILE --out FILE.csv
    kamsync serve [--config FILE] [--state-dir DIR] [--port N] [--sandbox]
    kamsync deployments yaml [--config FILE] [--pool NAME] [--directory DIR]
    kamsync blocks register
    kamsync blocks create [--config FILE] [--salesforce NAME] [--m365 NAME] [--overwrite]
    kamsync blocks check [--config FILE]

User mistakes end with one message and a non-zero code, never a traceback:
2 for configuration, 1 for a service or store that cannot be used. Prefect's traceback
of a failed run stays in its run logs (`--verbose` shows it here too). Every file kamsync
creates is private to its user (umask 077), and a `KAMSYNC_` variable that names no
setting is reported.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from config.loader import check_local_dir, config_path, load_settings
from connectors.store.errors import redact_url
from flows.cli_eval import eval_app, export_app
from flows.cli_operations import blocks_app, deployments_app, serve
from flows.cli_support import (
    ConfigOption,
    console,
    hide_prefect_tracebacks,
    quiet_prefect_console,
    restrict_new_files,
    say_error,
    user_errors,
    warn_unknown_variables,
)

app = typer.Typer(
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="kamsync: Salesforce ⇄ Microsoft 365 sync for key account management.",
)  # fmt: skip
run_app = typer.Typer(no_args_is_help=True, help="Run a flow once, here and now.")
sandbox_app = typer.Typer(no_args_is_help=True, help="Local stand-ins of Salesforce and Graph.")
config_app = typer.Typer(no_args_is_help=True, help="Inspect the configuration.")
app.add_typer(run_app, name="run")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(config_app, name="config")
app.add_typer(deployments_app, name="deployments")
app.add_typer(blocks_app, name="blocks")
app.add_typer(eval_app, name="eval")
app.add_typer(export_app, name="export")
app.command("serve")(serve)


@run_app.command("cycle")
def run_cycle(
    config: ConfigOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Compute and print the plan; write nothing.")
    ] = False,
    mailbox: Annotated[
        list[str] | None,
        typer.Option("--mailbox", help="Only this KAM mailbox (repeat for several)."),
    ] = None,
    skip_push: Annotated[
        bool, typer.Option("--skip-push", help="Plan To Do tasks but write none.")
    ] = False,
    report_date: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Compute deadlines and report for this day."),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", help="Also print Prefect's traceback when a run fails.")
    ] = False,
) -> None:
    """Sync, reconcile, push To Do tasks and publish the report, once."""
    with user_errors():
        check_local_dir(load_settings(config))  # fail fast, before Prefect starts
        summary = execute_cycle(
            config_path(config), dry_run, mailboxes=mailbox, skip_push=skip_push,
            report_date=report_date.date() if report_date else None, verbose=verbose,
        )  # fmt: skip
    from flows.console import print_summary

    print_summary(console, summary)


def execute_cycle(
    config_file: Path, dry_run: bool, *, verbose: bool = False, **options: Any
) -> dict[str, Any]:
    """Run the `kam-cycle` flow in this process with a live progress display; a cycle
    that found another one running ends here with that run named, exit code 1."""
    quiet_prefect_console()
    from prefect.exceptions import CancelledRun

    from flows.console import CycleProgress
    from flows.cycle import kam_cycle
    from flows.ephemeral import start_temporary_server
    from flows.progress import listening

    if not verbose:
        hide_prefect_tracebacks()
    start_temporary_server()  # before any Prefect client starts one that would outlive us

    try:
        with CycleProgress(console) as display, listening(display):
            summary = kam_cycle(config_file=str(config_file), dry_run=dry_run, **options)
    except CancelledRun as exc:
        say_error(f"kamsync: {exc}")
        raise typer.Exit(1) from None
    assert isinstance(summary, dict)
    return summary


@app.command("verify")
def verify(config: ConfigOption = None) -> None:
    """Compare the store with Salesforce and Microsoft 365 (reads only); exit 1 if off."""
    from flows.verify import print_findings, verify_config

    with user_errors():
        findings = verify_config(config)
    print_findings(console, findings)
    if findings:
        raise typer.Exit(1)


@config_app.command("check")
def config_check(config: ConfigOption = None) -> None:
    """Validate the configuration and show what it points at (secrets hidden)."""
    with user_errors():
        settings = load_settings(config)
        local_dir = check_local_dir(settings)
    console.print(f"{config_path(config)}: OK")
    console.print(
        f"  Salesforce  {settings.salesforce.login_url} (API v{settings.salesforce.api_version})"
    )
    console.print(f"  Graph       {settings.m365.graph_url} tenant {settings.m365.tenant_id}")
    console.print(f"  Mailboxes   {', '.join(settings.m365.mailboxes)}")
    console.print(f"  Store       {redact_url(settings.store.url)}")  # a DB password stays hidden
    console.print(f"  Local dir   {local_dir} (writable)", soft_wrap=True)


def require_sandbox_extra() -> None:
    """The stand-ins need packages a worker machine does not install; say which, once."""
    from importlib.util import find_spec

    missing = [name for name in SANDBOX_PACKAGES if find_spec(name) is None]
    if missing:
        say_error(
            f"kamsync: the sandbox needs {', '.join(missing)}: "
            "pip install 'kamsync[sandbox]' (make demo and make test install it)"
        )
        raise typer.Exit(2)


SANDBOX_PACKAGES = ("faker", "lark", "trustme", "starlette", "uvicorn")


@sandbox_app.command("up")
def sandbox_up(
    preset: Annotated[
        str, typer.Option(help="Seed size: tiny (tests), demo, medium or large (benchmarks).")
    ] = "demo",
    state_dir: Annotated[Path, typer.Option(help="Where the org, tenant and CA are kept.")] = Path(
        ".kamsync/sandbox"
    ),
    reset: Annotated[bool, typer.Option("--reset", help="Forget all state and reseed.")] = False,
    salesforce_port: Annotated[int, typer.Option(help="0 picks a free port.")] = 8443,
    graph_port: Annotated[int, typer.Option(help="0 picks a free port.")] = 8444,
    graph_budget: Annotated[
        int, typer.Option(min=1, help="Graph requests per mailbox per 10 minutes.")
    ] = 10_000,
    latency_ms: Annotated[
        int, typer.Option(min=0, help="Milliseconds each Graph request takes (real Graph: ~100).")
    ] = 0,
) -> None:
    """Start both stand-ins; the first stdout line is JSON with URLs, credentials and config."""
    require_sandbox_extra()
    from sandbox.runner import SandboxOptions, SandboxStartError, run
    from sandbox.seed import PRESETS

    if preset not in PRESETS:
        say_error(f"kamsync: unknown preset '{preset}'; choose one of {', '.join(PRESETS)}")
        raise typer.Exit(2)
    options = SandboxOptions(
        preset, state_dir, reset, salesforce_port, graph_port,
        graph_budget=graph_budget, latency_ms=latency_ms,
    )  # fmt: skip
    try:
        run(options)
    except SandboxStartError as exc:
        say_error(f"kamsync: sandbox not started: {exc}")
        raise typer.Exit(1) from None


@app.command("demo")
def demo(
    state_dir: Annotated[Path, typer.Option(help="Sandbox state (kept between demos).")] = Path(
        ".kamsync/demo"
    ),
    reset: Annotated[
        bool, typer.Option("--reset", help="Start from a freshly seeded org.")
    ] = False,
    salesforce_port: Annotated[int, typer.Option(help="0 picks a free port.")] = 8443,
    graph_port: Annotated[int, typer.Option(help="0 picks a free port.")] = 8444,
) -> None:
    """Start the sandbox (demo preset), run the whole cycle against it, stop the sandbox."""
    from flows.demo import SandboxProcess, SandboxUnavailable

    try:
        with SandboxProcess(state_dir, "demo", reset, salesforce_port, graph_port) as sandbox:
            console.print(
                f"Sandbox up: Salesforce {sandbox.info['salesforce']['instance_url']}, "
                f"Microsoft Graph {sandbox.info['graph']['graph_url']}",
                highlight=False,
            )
            with user_errors():
                summary = execute_cycle(Path(sandbox.info["config"]), dry_run=False)
    except SandboxUnavailable as exc:
        say_error(f"kamsync demo: {exc}")
        raise typer.Exit(1) from None
    from flows.console import print_summary

    print_summary(console, summary)
    view = f"{sandbox.info['graph']['graph_url'].rstrip('/')}/_sandbox/"
    console.print(
        f"\nThe sandbox state is kept in {state_dir}; run `make demo` again to see an "
        'incremental run (no duplicate tasks). To see what kamsync wrote "in Outlook" '
        f"(mail, calendars, To Do, OneDrive), run `kamsync sandbox up --state-dir {state_dir}` "
        f"and open {view} (the browser will ask to trust the sandbox's own CA).",
        highlight=False,
    )


def main() -> None:
    restrict_new_files()
    warn_unknown_variables()
    app()


if __name__ == "__main__":
    main()
