"""`kamsync serve` against the tiny sandbox, shared by the end-to-end tests that need it.

One serve process is started on first use and handed to every module that asks while it
runs; a test that stops it (test_serve's SIGTERM test) only costs the next module a
fresh start, whatever order the modules run in.
"""

from __future__ import annotations

import json
import os
import selectors
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.cycle_fixtures import clean_cycle, clean_end_state, cycle_seed  # noqa: F401

#: What the `served` fixture hands a test: serve's JSON line, its process, its folder.
Served = tuple[dict[str, Any], subprocess.Popen[str], Path]

STARTUP_SECONDS = 150

SCHEDULES = """
[schedules.salesforce-sync]
cron = "* * * * *"
timezone = "Europe/Berlin"
[schedules.m365-sync]
cron = "*/15 8-18 * * 1-5"
active = false
[schedules.kam-cycle]
cron = "0 7 * * 1-5"
active = false
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def first_line(process: subprocess.Popen[str], seconds: float) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=seconds):
            return ""
    return process.stdout.readline()


class ServeProcesses:
    """Starts `kamsync serve` on the sandbox when none runs; stops what it started."""

    def __init__(self, sandbox: dict[str, Any], folders: pytest.TempPathFactory) -> None:
        self.sandbox = sandbox
        self.folders = folders
        self.started: list[subprocess.Popen[str]] = []
        self.current: Served | None = None

    def running(self) -> Served:
        if self.current is None or self.current[1].poll() is not None:
            self.current = self.start()
        return self.current

    def start(self) -> Served:
        home = self.folders.mktemp("serve")
        config = home / "kamsync.toml"
        config.write_text(Path(self.sandbox["config"]).read_text() + SCHEDULES)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
        env |= {"REQUESTS_CA_BUNDLE": self.sandbox["ca_bundle"],
                "KAMSYNC_STORE__URL": f"sqlite:///{home / 'store.db'}",
                "KAMSYNC_REPORTS__LOCAL_DIR": str(home / "out")}  # fmt: skip
        command = [sys.executable, "-m", "flows.cli", "serve", "--config", str(config),
                   "--state-dir", str(home / "state"), "--port", str(free_port())]  # fmt: skip
        with (home / "serve.log").open("w") as log:
            process = subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, stderr=log, text=True
            )
        self.started.append(process)
        line = first_line(process, STARTUP_SECONDS)
        if not line:
            process.kill()
            log_tail = (home / "serve.log").read_text()[-2000:]
            pytest.fail(f"no JSON line from kamsync serve: {log_tail}")
        return json.loads(line), process, home

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                # SIGTERM stops serve's Prefect server too; SIGKILL would orphan it.
                process.terminate()
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            if process.stdout is not None:
                process.stdout.close()


@pytest.fixture(scope="session")
def serve_processes(
    sandbox: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServeProcesses]:
    processes = ServeProcesses(sandbox, tmp_path_factory)
    try:
        yield processes
    finally:
        processes.stop_all()


@pytest.fixture(scope="module")
def served(serve_processes: ServeProcesses) -> Served:
    """`kamsync serve` running on the tiny sandbox: (its JSON line, its process, its folder)."""
    return serve_processes.running()
