"""The issue's reproductions, as a user runs them: a whole cycle (`kamsync run cycle`) while
Graph answers one 502 on the tenant's user list, one 500 on a delta read and refuses the
token inside `$batch` once. Each used to end the cycle with exit 1; now it completes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import start_sandbox

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def faulty_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A sandbox of this module's own: the cycle writes to it."""
    with start_sandbox(tmp_path_factory.mktemp("policy-cycle-sandbox")) as process:
        yield process.info


def _arm(sandbox: dict[str, Any], **fault: Any) -> None:
    url = sandbox["graph"]["graph_url"].rstrip("/") + "/_sandbox/graph/faults"
    requests.post(url, json=fault, verify=sandbox["ca_bundle"], timeout=10).raise_for_status()


def _armed(sandbox: dict[str, Any]) -> list[dict[str, Any]]:
    url = sandbox["graph"]["graph_url"].rstrip("/") + "/_sandbox/graph/faults"
    answer = requests.get(url, verify=sandbox["ca_bundle"], timeout=10)
    faults: list[dict[str, Any]] = answer.json()["faults"]
    return faults


def test_a_cycle_completes_through_a_5xx_and_a_token_refused_inside_a_batch(
    faulty_sandbox: dict[str, Any], tmp_path: Path
) -> None:
    sandbox = faulty_sandbox
    _arm(sandbox, method="GET", path="/users$", in_batch=False, status=502, times=1)
    _arm(sandbox, method="GET", path="/delta$", in_batch=False, status=500, times=1)
    _arm(sandbox, method="POST", path=r"/todo/lists/[^/]+/tasks$", in_batch=True, status=401,
         times=1)  # fmt: skip
    env = {**os.environ, "REQUESTS_CA_BUNDLE": sandbox["ca_bundle"],
           "KAMSYNC_REPORTS__LOCAL_DIR": str(tmp_path / "out")}  # fmt: skip
    command = [sys.executable, "-m", "flows.cli", "run", "cycle", "--config", sandbox["config"]]
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "consent" not in run.stdout + run.stderr
    assert _armed(sandbox) == []  # every fault was met, and got through
