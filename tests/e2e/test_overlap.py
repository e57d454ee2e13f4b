"""Two cycles started together on one store, as a new user would start them by mistake,
while Graph throttles the writes: no To Do task exists twice, one digest goes out."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from config.loader import load_settings
from connectors.m365 import GraphClient, default_list_id, linked_tasks, read_messages
from tests.conftest import start_sandbox

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def throttled_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with start_sandbox(tmp_path_factory.mktemp("overlap-sandbox")) as process:
        yield process.info


def _arm(sandbox: dict[str, Any], fault: dict[str, Any]) -> None:
    url = sandbox["graph"]["graph_url"].rstrip("/") + "/_sandbox/graph/faults"
    requests.post(url, json=fault, verify=sandbox["ca_bundle"], timeout=10).raise_for_status()


def test_two_cycles_started_together_write_everything_once(
    throttled_sandbox: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = throttled_sandbox
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sandbox["ca_bundle"])
    # As in the report: two in-batch To Do creates and two sendMail calls answer 429.
    _arm(sandbox, {"method": "POST", "path": r"/todo/lists/[^/]+/tasks$", "in_batch": True,
                   "status": 429, "retry_after": 3, "times": 2})  # fmt: skip
    _arm(sandbox, {"method": "POST", "path": r"/sendMail$", "status": 429, "retry_after": 3,
                   "times": 2})  # fmt: skip
    env = {**os.environ, "REQUESTS_CA_BUNDLE": sandbox["ca_bundle"],
           "KAMSYNC_REPORTS__LOCAL_DIR": str(tmp_path / "out")}  # fmt: skip
    command = [sys.executable, "-m", "flows.cli", "run", "cycle", "--config", sandbox["config"]]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    runs = [subprocess.Popen(command, env=env, **pipes) for _ in range(2)]
    outcomes = [(run.wait(timeout=600), *run.communicate()) for run in runs]

    completed = [out for code, out, _ in outcomes if code == 0]
    refused = [err for code, _, err in outcomes if code != 0]
    assert len(completed) == 1, outcomes
    assert len(refused) == 1 and "is held by run #" in refused[0], outcomes
    assert "since" in refused[0]

    settings = load_settings(sandbox["config"])
    graph = GraphClient(settings.m365)
    for kam in settings.m365.mailboxes:
        tasks = linked_tasks(graph, kam, default_list_id(graph, kam))
        twice = [key for key, n in Counter(tasks["external_id"]).items() if n > 1]
        assert not twice, f"{kam} has To Do tasks twice: {twice}"
    sent = [
        subject
        for batch in read_messages(graph, settings.reports.sender, "sentitems", None, timedelta(1))
        for subject in batch.messages["subject"]
        if "key accounts:" in subject and "overdue" in subject  # the digest's subject
    ]
    assert len(sent) == 1, sent
