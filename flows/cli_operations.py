"""`kamsync serve`, `kamsync deployments` and `kamsync blocks`: running kamsync unattended."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from config.loader import config_path, load_settings
from flows.cli_support import ConfigOption, quiet_prefect_console, say_error, user_errors

deployments_app = typer.Typer(no_args_is_help=True, help="The flows' deployments and schedules.")
blocks_app = typer.Typer(no_args_is_help=True, help="Credentials kept in Prefect blocks.")


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
    """Serve every deployment on its schedule, with the Prefect UI.

    The first stdout line is JSON with the UI and API URLs and the deployments. Without
    PREFECT_API_URL a local Prefect server is started (and stopped on exit). Ctrl-C stops it.
    """
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
