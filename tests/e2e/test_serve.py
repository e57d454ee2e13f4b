"""`kamsync serve` as a sales-ops engineer starts it: a local Prefect server, every
deployment with its schedule, a run from the form, a run from the schedule, Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.e2e


def _api(info: dict[str, Any], method: str, path: str, body: Any = None) -> Any:
    answer = requests.request(method, f"{info['api_url']}{path}", json=body, timeout=30)
    answer.raise_for_status()
    return answer.json() if answer.content else None


def _wait_for_completed_run(
    info: dict[str, Any], deployment_id: str, *, run_id: str | None = None, scheduled: bool = False
) -> dict[str, Any]:
    """The deployment's first completed run (that one, or one its schedule started)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        runs = [
            run
            for run in _api(info, "POST", "/flow_runs/filter",
                            {"flow_runs": {"deployment_id": {"any_": [deployment_id]}}})
            if (run_id is None or run["id"] == run_id) and (not scheduled or run["auto_scheduled"])
        ]  # fmt: skip
        done = [run for run in runs if run["state_type"] == "COMPLETED"]
        if done:
            return done[0]
        failed = [run for run in runs if run["state_type"] in ("FAILED", "CRASHED")]
        assert not failed, failed[0]["state"]
        time.sleep(2)
    pytest.fail("no run completed within 180 s")


def test_serve_lists_every_deployment_with_its_schedule(served: Any) -> None:
    info, _, _ = served
    assert info["ui_url"] + "/api" == info["api_url"]
    listed = {entry["name"]: entry for entry in info["deployments"]}
    assert set(listed) == {"kam-cycle", "salesforce-sync", "m365-sync"}
    assert listed["salesforce-sync"]["timezone"] == "Europe/Berlin"
    deployments = _api(info, "POST", "/deployments/filter", {})
    by_name = {d["name"]: d for d in deployments}
    assert set(by_name) == set(listed)
    schedule = by_name["kam-cycle"]["schedules"][0]
    assert schedule["schedule"]["cron"] == "0 7 * * 1-5"
    assert schedule["active"] is False
    assert by_name["kam-cycle"]["concurrency_limit"] == 1 or by_name["kam-cycle"].get(
        "global_concurrency_limit"
    )
    assert requests.get(info["ui_url"], timeout=10).ok, "the UI is served"


def test_a_run_started_with_parameters_completes(served: Any) -> None:
    info, _, _ = served
    cycle = _api(info, "GET", "/deployments/name/kam-cycle/kam-cycle")
    run = _api(info, "POST", f"/deployments/{cycle['id']}/create_flow_run",
               {"parameters": {"dry_run": True}})  # fmt: skip
    done = _wait_for_completed_run(info, cycle["id"], run_id=run["id"])
    assert done["parameters"]["dry_run"] is True
    assert "secret" not in json.dumps(done["parameters"]).lower()


def test_a_scheduled_run_completes(served: Any) -> None:
    info, _, _ = served
    sync = _api(info, "GET", "/deployments/name/salesforce-sync/salesforce-sync")
    done = _wait_for_completed_run(info, sync["id"], scheduled=True)
    assert done["auto_scheduled"] is True


def test_sigterm_stops_serve_and_its_server(served: Any) -> None:
    info, process, _ = served
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) is not None
    port = info["api_url"].rsplit(":", 1)[1].split("/")[0]
    leftovers = subprocess.run(
        ["pgrep", "-f", f"prefect server start --host 127.0.0.1 --port {port}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert leftovers.stdout == "", "no Prefect server left running"
    with pytest.raises(requests.ConnectionError):
        requests.get(info["api_url"] + "/health", timeout=5)
