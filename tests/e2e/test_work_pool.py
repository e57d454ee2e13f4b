"""Several machines on one, as the README's "Running on several machines" sets them up: a
Prefect server on PostgreSQL, the `process` work pool `kamsync` with two workers, the
deployments of `kamsync deployments yaml` applied by `prefect deploy --all`, and kamsync's
store on PostgreSQL. The runs the workers take leave the store as the same flows run
in-process leave theirs.

The runs come in two waves. m365-sync reads the mailboxes of the key-account teams it finds
in the Salesforce mirror, so a first salesforce-sync fills the mirror; then salesforce-sync
(incremental, nothing changed) and m365-sync start together, and since each worker takes
one run at a time (`--limit 1`), each worker runs one of them. Both flows only read the
services, so the session's shared sandbox is left as it was.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.syncs import M365_SYNC, SALESFORCE_SYNC, m365_sync, salesforce_sync
from tests.e2e.conftest import free_port
from tests.e2e.work_pool_helpers import (
    SCHEDULES_OFF,
    Processes,
    StoreState,
    api,
    asyncpg_url,
    clean_environment,
    read_store_state,
    run_command,
    run_logs,
    trigger,
    wait_for_runs,
    wait_for_workers,
    wait_healthy,
)
from tests.postgres import PostgresServer

pytestmark = pytest.mark.e2e

PROJECT_ROOT = Path(__file__).resolve().parents[2]
POOL = "kamsync"
WORKERS = ("w1", "w2")
SERVER_SECONDS = 150  # migrating an empty PostgreSQL database takes about 30 s here
WORKER_SECONDS = 60
RUN_SECONDS = 240
PREFECT = [sys.executable, "-m", "prefect"]


def test_two_workers_run_the_deployments_to_the_in_process_end_state(
    sandbox: dict[str, Any],
    postgres_server: PostgresServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    databases = [postgres_server.new_database() for _ in range(3)]
    prefect_database, pool_store, in_process_store = databases
    config = tmp_path / "kamsync.toml"
    config.write_text(Path(sandbox["config"]).read_text() + SCHEDULES_OFF)
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    machine = clean_environment() | {
        "DO_NOT_TRACK": "1",
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    client = machine | {"PREFECT_API_URL": api_url}
    processes = Processes(tmp_path)
    try:
        processes.start(
            "server",
            [*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            machine | {"PREFECT_API_DATABASE_CONNECTION_URL": asyncpg_url(prefect_database),
                       "PREFECT_UI_ENABLED": "false"},
        )  # fmt: skip
        # While the server migrates its database: the reference, in this process.
        in_process = _run_in_process(request, monkeypatch, sandbox, config, in_process_store)
        wait_healthy(api_url, processes, "server", SERVER_SECONDS)

        run_command([*PREFECT, "work-pool", "create", POOL, "--type", "process"], client)
        worker_machine = client | {
            "REQUESTS_CA_BUNDLE": sandbox["ca_bundle"],
            "CURL_CA_BUNDLE": sandbox["ca_bundle"],
            "KAMSYNC_STORE__URL": pool_store,
            "KAMSYNC_REPORTS__LOCAL_DIR": str(tmp_path / "reports"),
            "PREFECT_WORKER_QUERY_SECONDS": "2",
        }
        # Started away from the checkout: the deployments' pull step must take them there.
        for name in WORKERS:
            command = [*PREFECT, "worker", "start", "--pool", POOL, "--name", name, "--limit", "1"]
            processes.start(name, command, worker_machine, cwd=tmp_path)
        prefect_yaml = tmp_path / "prefect.yaml"
        prefect_yaml.write_text(_deployments_yaml(config))
        run_command(
            [*PREFECT, "--no-prompt", "deploy", "--all", "--prefect-file", str(prefect_yaml)],
            client,
            cwd=PROJECT_ROOT,
        )
        deployments = api(api_url, "POST", "/deployments/filter", {})
        assert {d["name"]: d["work_pool_name"] for d in deployments} == {
            "kam-cycle": POOL, SALESFORCE_SYNC: POOL, M365_SYNC: POOL
        }  # fmt: skip
        assert not any(s["active"] for d in deployments for s in d["schedules"])

        workers = wait_for_workers(api_url, POOL, set(WORKERS), WORKER_SECONDS)
        online = {worker["name"] for worker in workers if worker["status"] == "ONLINE"}
        assert online == set(WORKERS), f"{workers}\n{processes.tails()}"

        _completed(api_url, processes, [trigger(api_url, SALESFORCE_SYNC)])
        second = _completed(
            api_url, processes, [trigger(api_url, SALESFORCE_SYNC), trigger(api_url, M365_SYNC)]
        )
        ran_by = {run["labels"]["prefect.worker.name"] for run in second}
        assert ran_by == set(WORKERS), f"each worker takes one run at a time: {second}"

        on_pool = read_store_state(pool_store)
        assert {source for source, _ in on_pool.records} == {"salesforce", "m365"}
        assert on_pool.counts() == in_process.counts()
        assert on_pool.records == in_process.records
        assert on_pool.streams == in_process.streams
        assert on_pool.runs == in_process.runs == {
            (SALESFORCE_SYNC, "completed"): 2, (M365_SYNC, "completed"): 1
        }  # fmt: skip
    finally:
        processes.stop_all()
        for url in databases:
            postgres_server.drop_database(url)


def _run_in_process(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    sandbox: dict[str, Any],
    config: Path,
    store_url: str,
) -> StoreState:
    """The same runs, in the same order, called in this process under the session's
    temporary Prefect backend, on a store of their own."""
    request.getfixturevalue("prefect_harness")  # started here: after the pool's server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sandbox["ca_bundle"])
    monkeypatch.setenv("CURL_CA_BUNDLE", sandbox["ca_bundle"])
    monkeypatch.setenv("KAMSYNC_STORE__URL", store_url)
    monkeypatch.setenv("KAMSYNC_REPORTS__LOCAL_DIR", str(config.parent / "in-process-reports"))
    for flow in (salesforce_sync, salesforce_sync, m365_sync):
        summary = flow(config_file=str(config))
        assert isinstance(summary, dict), f"{flow.name} in-process ended {summary}"
    return read_store_state(store_url)


def _deployments_yaml(config: Path) -> str:
    """`kamsync deployments yaml` for workers with this checkout and config (in-process: the
    command's code, without a second interpreter's start-up)."""
    arguments = ["deployments", "yaml", "--config", str(config)]
    arguments += ["--directory", str(PROJECT_ROOT), "--pool", POOL]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    return result.stdout


def _completed(api_url: str, processes: Processes, run_ids: list[str]) -> list[dict[str, Any]]:
    """The runs, once finished, each completed by a worker of the pool."""
    runs = wait_for_runs(api_url, run_ids, RUN_SECONDS)
    for run in runs:
        assert run["state_type"] == "COMPLETED", (
            f"{run['name']} ended {run['state_type']}: {run['state']['message']}\n"
            f"{run_logs(api_url, run['id'])}\n{processes.tails()}"
        )
        assert run["work_pool_name"] == POOL
        assert run["labels"].get("prefect.worker.name") in WORKERS, run["labels"]
    return runs
