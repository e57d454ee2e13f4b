"""What a cycle leaves on disk holds CRM data: the mirror database, the workbooks under
out/ and Prefect's database are readable by their user alone (0600)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).parents[2]


def modes(paths: list[Path]) -> dict[str, str]:
    return {str(path): oct(stat.S_IMODE(path.stat().st_mode)) for path in paths}


def test_cycle_creates_its_files_for_its_user_only(sandbox: dict[str, Any], tmp_path: Path) -> None:
    prefect_home, out = tmp_path / "prefect", tmp_path / "out"
    store = tmp_path / "state" / "kamsync.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env |= {"REQUESTS_CA_BUNDLE": sandbox["ca_bundle"], "PREFECT_HOME": str(prefect_home),
            "KAMSYNC_STORE__URL": f"sqlite:///{store}",
            "KAMSYNC_REPORTS__LOCAL_DIR": str(out)}  # fmt: skip
    command = [sys.executable, "-m", "flows.cli", "run", "cycle", "--dry-run",
               "--config", sandbox["config"]]  # fmt: skip
    # Started with the usual umask (022), whatever the one pytest runs under.
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True,
                            timeout=600, preexec_fn=lambda: os.umask(0o022))  # fmt: skip
    assert result.returncode == 0, result.stderr
    files = [store, *out.glob("*.xlsx"), prefect_home / "prefect.db"]
    assert len(files) == 3, files
    assert modes(files) == {str(path): "0o600" for path in files}
