"""`kamsync serve`: every deployment served from one long-running process.

With no `PREFECT_API_URL` it starts a Prefect server of its own (its own
PREFECT_HOME under the state folder, bound to 127.0.0.1), waits until the server
answers, and stops it on exit; with one, it serves against that server. SIGINT and
SIGTERM stop it cleanly: the served runs end, then the server, with no process left;
a SIGKILL of kamsync stops the server through its death signal (flows/ephemeral.py).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

import requests

from flows.ephemeral import die_with_parent

STARTUP_SECONDS = 90.0


class ServeError(Exception):
    """The local Prefect server could not be started; the message is one line for the user."""


class LocalPrefectServer:
    """`prefect server start` as a child process with a PREFECT_HOME of its own."""

    def __init__(self, home: Path, port: int) -> None:
        self.home = home
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    def __enter__(self) -> LocalPrefectServer:
        if not port_is_free(self.port):
            raise ServeError(
                f"port {self.port} is taken; pass --port N or set PREFECT_API_URL to a server"
            )
        self.home.mkdir(parents=True, exist_ok=True)
        self.home.chmod(0o700)  # its database holds run parameters, logs and results
        # The UI is told where its API is: `--port` alone would leave it asking port 4200.
        env = {**os.environ, "PREFECT_HOME": str(self.home.resolve()),
               "PREFECT_SERVER_UI_API_URL": self.api_url,
               "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}  # fmt: skip
        env.pop("PREFECT_API_URL", None)
        command = [sys.executable, "-m", "prefect", "server", "start",
                   "--host", "127.0.0.1", "--port", str(self.port)]  # fmt: skip
        with (self.home / "server.log").open("wb") as log:
            # A session of its own: a Ctrl-C in the terminal reaches kamsync, which then
            # stops the server after the served runs, not both at once. A death signal:
            # if kamsync is killed outright (SIGKILL), the server stops too.
            parent = os.getpid()
            self._process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=lambda: die_with_parent(parent),
            )  # fmt: skip
        self._wait_until_healthy()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop the server and every process it started."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def _wait_until_healthy(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServeError(f"the Prefect server exited; see {self.home / 'server.log'}")
            if server_is_healthy(self.api_url):
                return
            time.sleep(0.5)
        self.stop()
        raise ServeError(f"the Prefect server did not answer within {STARTUP_SECONDS:.0f} s")


def server_is_healthy(api_url: str) -> bool:
    """Whether a Prefect API answers its health check."""
    try:
        return requests.get(f"{api_url}/health", timeout=2).ok
    except requests.RequestException:
        return False


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def ui_url_of(api_url: str) -> str:
    """The UI beside an API URL (`.../api` → `...`), or PREFECT_UI_URL when set."""
    return os.environ.get("PREFECT_UI_URL") or api_url.removesuffix("/").removesuffix("/api")


def serve_line(api_url: str, deployments: list[dict[str, Any]]) -> str:
    """The one JSON line `kamsync serve` prints first."""
    return json.dumps({"ui_url": ui_url_of(api_url), "api_url": api_url,
                       "deployments": deployments})  # fmt: skip


def stop_on_sigterm() -> None:
    """Make SIGTERM stop serving the way Ctrl-C does."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
