"""A cycle under random faults from both stand-ins ends, after reruns, as a clean run does.

Both stand-ins' chaos switches hit 10 % of API requests (fixed seed, every kind: 429
with and without Retry-After, 5xx, connection resets, read timeouts, token expiry,
`$batch` item failures, delta 410; on Salesforce also QUERY_TIMEOUT, UNABLE_TO_LOCK_ROW
and failed Bulk jobs). The cycle is rerun until it completes (a fault kamsync cannot
absorb may fail a run; the next one resumes), at most six runs. Then chaos goes off,
`kamsync verify` finds nothing off, and the end state equals a clean run's on the seed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.cycle_fixtures import verify_exit_code
from tests.e2e.cycle_runs import CycleRun, SandboxCopy, run_to_completion
from tests.e2e.end_state import EndState, differences

pytestmark = pytest.mark.e2e

RATE = 0.1
SEED = 7
MAX_RUNS = 6
#: The stand-ins hold a "timeout" fault this long; kamsync's clients give up sooner.
FAULT_TIMEOUT_SECONDS = 3
CLIENT_TIMEOUT_SECONDS = "2"


def chaos_urls(info: dict[str, Any]) -> list[str]:
    return [
        f"{info['graph']['graph_url'].rstrip('/')}/_sandbox/graph/chaos",
        f"{info['salesforce']['instance_url'].rstrip('/')}/_sandbox/salesforce/chaos",
    ]


def chaos(method: str, url: str, ca_bundle: str, body: dict[str, Any] | None = None) -> Any:
    answer = requests.request(method, url, json=body, verify=ca_bundle, timeout=30)
    answer.raise_for_status()
    return answer.json() if answer.content else None


def runs_told(runs: list[CycleRun]) -> str:
    return "\n".join(f"run {n}: exit {run.returncode}\n{run.output[-1500:]}"
                     for n, run in enumerate(runs, 1))  # fmt: skip


def test_a_cycle_under_chaos_completes_and_ends_as_a_clean_run(
    cycle_seed: tuple[Path, str], clean_end_state: EndState, tmp_path: Path
) -> None:
    seed, api_url = cycle_seed
    client_timeouts = {
        "KAMSYNC_M365__TIMEOUT_SECONDS": CLIENT_TIMEOUT_SECONDS,
        "KAMSYNC_SALESFORCE__TIMEOUT_SECONDS": CLIENT_TIMEOUT_SECONDS,
    }
    with SandboxCopy(seed, tmp_path / "state", api_url, extra_env=client_timeouts) as sandbox:
        ca_bundle, urls = sandbox.info["ca_bundle"], chaos_urls(sandbox.info)
        setting = {"rate": RATE, "seed": SEED, "timeout_seconds": FAULT_TIMEOUT_SECONDS}
        for url in urls:
            chaos("POST", url, ca_bundle, setting)
        runs = run_to_completion(sandbox, attempts=MAX_RUNS)
        injected = {url.rsplit("/", 2)[-2]: chaos("GET", url, ca_bundle)["injected"]
                    for url in urls}  # fmt: skip
        for url in urls:
            chaos("DELETE", url, ca_bundle)
        told = f"faults injected: {injected}\n{runs_told(runs)}"
        assert sum(n for kinds in injected.values() for n in kinds.values()) > 0, told
        assert runs[-1].returncode == 0, told
        code, output = verify_exit_code(sandbox)
        assert code == 0, f"{output}\n{told}"
        assert differences(clean_end_state, sandbox.end_state()) == [], told
