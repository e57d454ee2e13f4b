"""How a failing cycle looks from the terminal: a report folder kamsync cannot write stops
it before it writes anything, and a service failure is one line, not Prefect's traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from connectors.store import Store

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).parents[2]


def run_cycle(
    sandbox: dict[str, Any], tmp_path: Path, *options: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """`kamsync run cycle` against the sandbox, with a store and Prefect home of its own."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    environment |= {"REQUESTS_CA_BUNDLE": sandbox["ca_bundle"],
                    "PREFECT_HOME": str(tmp_path / "prefect"),
                    "KAMSYNC_STORE__URL": f"sqlite:///{tmp_path / 'kamsync.db'}",
                    "KAMSYNC_REPORTS__LOCAL_DIR": str(tmp_path / "out")} | env  # fmt: skip
    command = [sys.executable, "-m", "flows.cli", "run", "cycle", "--config",
               sandbox["config"], *options]  # fmt: skip
    return subprocess.run(command, env=environment, cwd=ROOT, capture_output=True, text=True,
                          timeout=600)  # fmt: skip


def test_unwritable_report_folder_stops_the_cycle_before_any_write(
    sandbox: dict[str, Any], tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"  # root writes anywhere: a folder under a file cannot be
    blocker.write_text("")
    result = run_cycle(sandbox, tmp_path, KAMSYNC_REPORTS__LOCAL_DIR=str(blocker / "out"))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "[reports] local_dir" in result.stderr and str(blocker / "out") in result.stderr
    with Store(f"sqlite:///{tmp_path / 'kamsync.db'}") as store:
        assert store.runs().empty
        assert sum(store.outbox_counts().values()) == 0


def test_service_failure_prints_one_line_without_prefect_traceback(
    sandbox: dict[str, Any], tmp_path: Path
) -> None:
    result = run_cycle(sandbox, tmp_path, KAMSYNC_SALESFORCE__CLIENT_SECRET="not-the-secret")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "Finished in state" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "client_secret" in lines[0], result.stderr
    assert "not-the-secret" not in result.stderr

    verbose = run_cycle(sandbox, tmp_path, "--verbose",
                        KAMSYNC_SALESFORCE__CLIENT_SECRET="not-the-secret")  # fmt: skip
    assert verbose.returncode == 1
    assert "Traceback" in verbose.stderr and lines[0] in verbose.stderr
