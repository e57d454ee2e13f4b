"""The `kamsync` command line.

    kamsync run cycle [--config FILE] [--dry-run]
    kamsync sandbox up [--preset tiny|demo|medium|large] [--state-dir DIR] [--reset]
                       [--salesforce-port N] [--graph-port N] [--graph-budget N]
                       [--latency-ms N]
    kamsync demo
    kamsync config check [--config FILE]
    kamsync blocks register
    kamsync blocks create [--config FILE] [--salesforce NAME] [--m365 NAME] [--overwrite]
    kamsync blocks check [--config FILE]

User mistakes end with one message and a non-zero code, never a traceback:
2 for configuration, 1 for a service or store that cannot be used.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from config.loader import ConfigError, config_path, load_settings

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
blocks_app = typer.Typer(no_args_is_help=True, help="Credentials kept in Prefect blocks.")
app.add_typer(blocks_app, name="blocks")
deployments_app = typer.Typer(no_args_is_help=True, help="The flows' deployments and schedules.")
app.add_typer(deployments_app, name="deployments")

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
) -> None:
    """Sync, reconcile, push To Do tasks and publish the report, once."""
    with user_errors():
        load_settings(config)  # fail fast, before Prefect starts
        summary = execute_cycle(
            config_path(config), dry_run, mailboxes=mailbox, skip_push=skip_push,
            report_date=report_date.date() if report_date else None,
        )  # fmt: skip
    from flows.console import print_summary

    print_summary(console, summary)


def execute_cycle(config_file: Path, dry_run: bool, **options: Any) -> dict[str, Any]:
    """Run the `kam-cycle` flow in this process with a live progress display; a cycle
    that found another one running ends here with that run named, exit code 1."""
    quiet_prefect_console()
    from prefect.exceptions import CancelledRun

    from flows.console import CycleProgress
    from flows.cycle import kam_cycle
    from flows.progress import listening

    try:
        with CycleProgress(console) as display, listening(display):
            summary = kam_cycle(config_file=str(config_file), dry_run=dry_run, **options)
    except CancelledRun as exc:
        say_error(f"kamsync: {exc}")
        raise typer.Exit(1) from None
    assert isinstance(summary, dict)
    return summary


@config_app.command("check")
def config_check(config: ConfigOption = None) -> None:
    """Validate the configuration and show what it points at (secrets hidden)."""
    with user_errors():
        settings = load_settings(config)
    console.print(f"{config_path(config)}: OK")
    console.print(
        f"  Salesforce  {settings.salesforce.login_url} (API v{settings.salesforce.api_version})"
    )
    console.print(f"  Graph       {settings.m365.graph_url} tenant {settings.m365.tenant_id}")
    console.print(f"  Mailboxes   {', '.join(settings.m365.mailboxes)}")
    console.print(f"  Store       {settings.store.url}")


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


@app.command("serve")
def serve(
    config: ConfigOption = None,
    state_dir: Annotated[
        Path, typer.Option(help="The local Prefect server's home (its database and logs).")
    ] = Path(".kamsync/serve"),
    port: Annotated[int, typer.Option(help="Port of the local Prefect server (UI, API).")] = 4200,
    sandbox: Annotated[
        bool,
        typer.Option("--sandbox", help="Start the demo sandbox too and serve against it."),
    ] = False,
) -> None:
    """Serve every deployment on its schedule; the first stdout line is JSON with the UI and
    API URLs and the deployments. Without PREFECT_API_URL a local Prefect server is started
    (and stopped on exit). Ctrl-C stops it."""
    from contextlib import ExitStack

    from flows.demo import SandboxProcess, SandboxUnavailable
    from flows.serve import LocalPrefectServer, ServeError, serve_line, stop_on_sigterm

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    stop_on_sigterm()
    with ExitStack() as stack:
        if sandbox:
            try:
                demo = stack.enter_context(SandboxProcess(Path(".kamsync/demo"), "demo", False,
                                                          8443, 8444))  # fmt: skip
            except SandboxUnavailable as exc:
                say_error(f"kamsync serve: {exc}")
                raise typer.Exit(1) from None
            config = Path(demo.info["config"])
        with user_errors():
            settings = load_settings(config)
        api_url = os.environ.get("PREFECT_API_URL")
        if not api_url:
            try:
                server = stack.enter_context(LocalPrefectServer(state_dir / "prefect", port))
            except ServeError as exc:
                say_error(f"kamsync serve: {exc}")
                raise typer.Exit(1) from None
            api_url = os.environ["PREFECT_API_URL"] = server.api_url
        from prefect import serve as prefect_serve
        from prefect.settings import PREFECT_API_URL, temporary_settings

        from flows.deployments import deployment_plans, runner_deployments

        with user_errors(), temporary_settings(updates={PREFECT_API_URL: api_url}):
            plans = deployment_plans(settings, str(config_path(config).resolve()))
            deployments = runner_deployments(plans)
            for deployment in deployments:  # in the UI before the line says they are
                deployment.apply()
            typer.echo(serve_line(api_url, [plan.schedule_line() for plan in plans]))
            sys.stdout.flush()
            prefect_serve(*deployments, print_starting_message=False)


@deployments_app.command("yaml")
def deployments_yaml(
    config: Annotated[
        str, typer.Option("--config", help="The config file's path on the worker machines.")
    ] = "/etc/kamsync/kamsync.toml",
    pool: Annotated[str, typer.Option(help="The process work pool the workers serve.")] = "kamsync",
    directory: Annotated[
        str, typer.Option(help="Where each worker machine has the kamsync checkout.")
    ] = "/opt/kamsync",
    settings_file: Annotated[
        Path | None, typer.Option(help="Read schedules from this file instead of --config.")
    ] = None,
) -> None:
    """Print a prefect.yaml with every deployment, for `prefect deploy --all` on a work pool."""
    from flows.deployments import deployment_plans, prefect_yaml

    with user_errors():
        settings = load_settings(settings_file or config)
        plans = deployment_plans(settings, config)
    typer.echo(prefect_yaml(plans, pool, directory), nl=False)


BlockNameOption = Annotated[str | None, typer.Option(help="Name of the block to save.")]


@blocks_app.command("register")
def blocks_register() -> None:
    """Register kamsync's credential block types with the Prefect server (PREFECT_API_URL)."""
    quiet_prefect_console()
    from flows.credentials import prefect_server, register_block_types

    with user_errors():
        slugs = register_block_types()
    typer.echo(f"Registered {', '.join(slugs)} on {prefect_server()}")


@blocks_app.command("create")
def blocks_create(
    config: ConfigOption = None,
    salesforce: BlockNameOption = None,
    m365: BlockNameOption = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace a saved block.")] = False,
) -> None:
    """Save the secrets the config reads from its file or env as Prefect blocks."""
    if not (salesforce or m365):
        say_error("kamsync: name the blocks to save: --salesforce NAME and/or --m365 NAME")
        raise typer.Exit(2)
    quiet_prefect_console()
    from flows.credentials import prefect_server, save_blocks

    with user_errors():
        settings = load_settings(config)
        saved = save_blocks(settings, salesforce=salesforce, m365=m365, overwrite=overwrite)
    for block in saved:
        typer.echo(f"Saved {block.slug} block {block.name!r} on {prefect_server()}")
    typer.echo(f"Now, in {config_path(config)}:")
    for block in saved:
        typer.echo(f"  set {block.config_line} and remove [{block.section}]'s secrets")
    typer.echo("  and unset their KAMSYNC_..._SECRET/PASSWORD/KEY environment variables.")


@blocks_app.command("check")
def blocks_check(config: ConfigOption = None) -> None:
    """Load the blocks the config names and check each holds what its sign-in needs."""
    quiet_prefect_console()
    from flows.credentials import with_block_credentials

    with user_errors():
        settings = load_settings(config)
        with_block_credentials(settings)
    for label, block in (
        ("Salesforce", settings.salesforce.credentials_block),
        ("Microsoft 365", settings.m365.credentials_block),
    ):
        source = f"Prefect block {block!r}: OK" if block else "the config file or env"
        typer.echo(f"  {label:<14}credentials from {source}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
