"""`kamsync sandbox up --latency-ms N`: every Graph request takes N ms, as real Graph's do."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

from flows.demo import SandboxProcess

pytestmark = pytest.mark.integration


def test_the_graph_stand_in_answers_in_the_latency_given_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    process = SandboxProcess(tmp_path / "sandbox", "tiny", True, 0, 0)
    process.command += ["--latency-ms", "150"]
    with process as sandbox:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", sandbox.info["ca_bundle"])
        graph = sandbox.info["graph"]
        base = graph["graph_url"].rstrip("/")
        limits = requests.get(f"{base}/_sandbox/graph/limits", timeout=10).json()
        assert limits["latency_ms"] == 150
        token = requests.post(
            f"{graph['authority_url'].rstrip('/')}/{graph['tenant_id']}/oauth2/v2.0/token",
            data={"grant_type": "client_credentials", "client_id": graph["client_id"],
                  "client_secret": graph["client_secret"], "scope": f"{base}/.default"},
            timeout=10,
        ).json()["access_token"]  # fmt: skip
        started = time.perf_counter()
        users = requests.get(
            f"{base}/v1.0/users", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert users.status_code == 200
        assert time.perf_counter() - started >= 0.15
