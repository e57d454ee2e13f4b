"""`kamsync demo`: the sandbox as a child process, for as long as the demo runs."""

from __future__ import annotations

import json
import selectors
import subprocess
import sys
from pathlib import Path
from typing import Any

STARTUP_SECONDS = 180.0


class SandboxUnavailable(Exception):
    """The sandbox did not start; the message is one line for the user."""


class SandboxProcess:
    """`kamsync sandbox up` in the background; `info` is its JSON handoff line."""

    def __init__(
        self,
        state_dir: Path,
        preset: str,
        reset: bool,
        salesforce_port: int,
        graph_port: int,
        *,
        startup_seconds: float = STARTUP_SECONDS,
    ) -> None:
        self.state_dir = state_dir
        self.startup_seconds = startup_seconds
        self.command = [
            sys.executable, "-m", "flows.cli", "sandbox", "up", "--preset", preset,
            "--state-dir", str(state_dir), "--salesforce-port", str(salesforce_port),
            "--graph-port", str(graph_port), *(["--reset"] if reset else []),
        ]  # fmt: skip
        self.info: dict[str, Any] = {}
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> SandboxProcess:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with (self.state_dir / "sandbox.log").open("w") as log:
            self._process = subprocess.Popen(
                self.command, stdout=subprocess.PIPE, stderr=log, text=True
            )
        line = self._first_line(self._process)
        if not line:
            self.stop()
            raise SandboxUnavailable(self._failure_reason())
        self.info = json.loads(line)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def _first_line(self, process: subprocess.Popen[str]) -> str:
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout=self.startup_seconds):
                return ""
        return process.stdout.readline().strip()

    def _failure_reason(self) -> str:
        lines = (self.state_dir / "sandbox.log").read_text().strip().splitlines()
        reason = lines[-1] if lines else f"no answer within {self.startup_seconds:.0f} s"
        return f"the sandbox did not start: {reason.removeprefix('kamsync: sandbox not started: ')}"
