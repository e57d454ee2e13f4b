"""Whole cycles as a user runs them: `kamsync run cycle` and `kamsync verify` as child
processes against a copy of one seeded tiny sandbox, on one shared Prefect server.

Used by the crash-point and chaos tests and by `bench/soak.py`. A sandbox state is
seeded once (`seed_state`) and copied per case (`SandboxCopy`): a copy costs a few
milliseconds where seeding costs seconds, and every copy starts from the same org.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flows.crashpoints import CRASH_ENV
from flows.demo import SandboxProcess
from flows.serve import LocalPrefectServer
from tests.e2e.end_state import EndState, end_state

PRESET = "tiny"
#: The next run frees a killed run's lock at once (flows/crashed_runs.py); should it not,
#: the lock lapses after this (the default, 30 minutes, would stall the rerun).
LOCK_TIMEOUT_MINUTES = 0.03
CYCLE_TIMEOUT_SECONDS = 300


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prefect_server(home: Path) -> LocalPrefectServer:
    """A Prefect server of its own for the child processes (each would otherwise start a
    temporary one, ~15 s apiece): use as a context manager, then pass `.api_url`."""
    return LocalPrefectServer(home, free_port())


def seed_state(state_dir: Path) -> Path:
    """Seed a tiny sandbox state in `state_dir` (start the sandbox once, stop it)."""
    with SandboxProcess(state_dir, PRESET, True, 0, 0):
        pass
    return state_dir


@dataclass
class CycleRun:
    """What one `kamsync` child process did."""

    command: list[str]
    returncode: int
    output: str
    seconds: float

    @property
    def killed(self) -> bool:
        return self.returncode == -signal.SIGKILL

    def describe(self) -> str:
        return f"{' '.join(self.command[3:])} -> {self.returncode}\n{self.output[-3000:]}"


@dataclass
class SandboxCopy:
    """A running sandbox over a fresh copy of the seeded state, and a kamsync set up for it
    (its store and report folder inside the copy)."""

    seed: Path
    home: Path
    prefect_api_url: str
    extra_env: dict[str, str] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    _process: SandboxProcess | None = None

    def __enter__(self) -> SandboxCopy:
        if self.home.exists():
            shutil.rmtree(self.home)
        shutil.copytree(self.seed, self.home, ignore=shutil.ignore_patterns("sandbox.log"))
        self._process = SandboxProcess(self.home, PRESET, False, 0, 0)
        self.info = self._process.__enter__().info
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.stop()

    @property
    def config(self) -> str:
        return str(self.info["config"])

    @property
    def reports(self) -> Path:
        return self.home / "out"

    @property
    def report_date(self) -> str:
        """The day the org was seeded for: every run of a case reports on the same day."""
        return str(json.loads((self.home / "org.json").read_text())["seeded_for"])

    def env(self, crash_at: str | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "KAMSYNC_"))}
        env |= {
            "PREFECT_API_URL": self.prefect_api_url,
            "DO_NOT_TRACK": "1",
            "REQUESTS_CA_BUNDLE": self.info["ca_bundle"],
            "CURL_CA_BUNDLE": self.info["ca_bundle"],
            "KAMSYNC_REPORTS__LOCAL_DIR": str(self.reports),
            "KAMSYNC_RUNTIME__LOCK_TIMEOUT_MINUTES": str(LOCK_TIMEOUT_MINUTES),
            **self.extra_env,
        }
        if crash_at:
            env[CRASH_ENV] = crash_at
        return env

    def kamsync(self, *args: str, crash_at: str | None = None) -> CycleRun:
        command = [sys.executable, "-m", "flows.cli", *args]
        started = time.monotonic()
        done = subprocess.run(
            command,
            env=self.env(crash_at),
            capture_output=True,
            text=True,
            timeout=CYCLE_TIMEOUT_SECONDS,
            check=False,
        )
        seconds = time.monotonic() - started
        return CycleRun(command, done.returncode, done.stdout + done.stderr, seconds)

    def cycle(self, crash_at: str | None = None) -> CycleRun:
        """`kamsync run cycle` (killed at `crash_at` if given)."""
        return self.kamsync(*self.cycle_args(), crash_at=crash_at)

    def cycle_args(self) -> list[str]:
        return ["run", "cycle", "--config", self.config, "--report-date", self.report_date]

    def verify(self) -> CycleRun:
        return self.kamsync("verify", "--config", self.config)

    def end_state(self) -> EndState:
        return end_state(self.home, self.reports)


def run_to_completion(sandbox: SandboxCopy, attempts: int) -> list[CycleRun]:
    """Rerun the cycle until one exits 0 (at most `attempts` runs); every run, in order."""
    runs: list[CycleRun] = []
    while len(runs) < attempts:
        runs.append(sandbox.cycle())
        if runs[-1].returncode == 0:
            break
    return runs
