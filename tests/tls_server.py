"""A stand-in app served over HTTPS in a thread, for tests of the real client libraries.

uvicorn runs with a throwaway trustme CA; `ca_bundle` holds the system roots
plus that CA, to be set as REQUESTS_CA_BUNDLE. Close clients before leaving
the block: uvicorn waits for open keep-alive connections when it stops.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import trustme
import uvicorn
from starlette.applications import Starlette

SYSTEM_ROOTS = Path("/etc/ssl/certs/ca-certificates.crt")
START_SECONDS = 10.0


@dataclass(frozen=True)
class TlsServer:
    url: str
    ca_bundle: Path


@contextmanager
def serve_over_tls(app: Starlette, directory: Path) -> Iterator[TlsServer]:
    """Serve `app` on a free 127.0.0.1 port over TLS until the block ends."""
    ca = trustme.CA()
    server_pem = directory / "server.pem"
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(server_pem))
    bundle = directory / "ca-bundle.pem"
    bundle.write_bytes(SYSTEM_ROOTS.read_bytes() + b"\n" + ca.cert_pem.bytes())
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", lifespan="off",
        ssl_certfile=str(server_pem),
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_SECONDS
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield TlsServer(f"https://127.0.0.1:{port}", bundle)
    finally:
        server.should_exit = True
        thread.join(timeout=START_SECONDS)
        if thread.is_alive():
            raise RuntimeError("uvicorn did not stop")
