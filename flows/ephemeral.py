"""Prefect's temporary server, started by kamsync so that it dies with kamsync.

Without `PREFECT_API_URL`, Prefect starts a temporary API server (uvicorn) as a child
and stops it at exit (atexit). A process killed with SIGKILL (the OOM killer) runs no
atexit hook, and the server stayed up for ever. Here the server is the same
`SubprocessASGIServer`, but its child asks the kernel for a death signal
(`prctl(PR_SET_PDEATHSIG, SIGTERM)`) before it starts, and it is started from the
main thread (the signal follows the thread that forked it). Prefect's own clients
then find it running and use it.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
from typing import Any

from prefect.server.api.server import SubprocessASGIServer

PR_SET_PDEATHSIG = 1


class DyingWithParentServer(SubprocessASGIServer):
    """`SubprocessASGIServer` whose process gets SIGTERM when kamsync's process dies."""

    def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
        # Prefect's own command (prefect 3.x), plus the death signal.
        import prefect
        from prefect.settings import get_current_settings

        server_env = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
                      "PREFECT__SERVER_FINAL": "1"}  # fmt: skip
        command = [sys.executable, "-m", "uvicorn",
                   "--app-dir", str(prefect.__module_path__.parent),
                   "--factory", "prefect.server.api.server:create_app",
                   "--host", "127.0.0.1", "--port", str(self.port),
                   "--log-level", "error", "--lifespan", "on"]  # fmt: skip
        prefect_settings = get_current_settings().to_environment_variables(exclude_unset=True)
        environment = {**os.environ, **server_env, **prefect_settings}
        parent = os.getpid()
        return subprocess.Popen(
            command, env=environment, preexec_fn=lambda: die_with_parent(parent)
        )


def die_with_parent(parent: int) -> None:
    """In a forked child: ask for SIGTERM when the parent dies; exit if it already has."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        os._exit(70)  # no safe server without it: better none than an orphan
    if os.getppid() != parent:
        os._exit(0)


def start_temporary_server() -> SubprocessASGIServer | None:
    """Start Prefect's temporary server the dying-with-us way, when one is needed: no
    `PREFECT_API_URL`, on Linux, from the main thread. None when Prefect's own applies."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_ALLOW_EPHEMERAL_MODE

    if PREFECT_API_URL.value() or not PREFECT_SERVER_ALLOW_EPHEMERAL_MODE.value():
        return None
    if not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        return None
    server = DyingWithParentServer()  # registered as the instance Prefect's clients use
    server.start()
    return server
