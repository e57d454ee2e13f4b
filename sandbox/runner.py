"""`kamsync sandbox up`: both stand-ins on 127.0.0.1 over TLS, state kept on disk.

On start it prints ONE JSON line (see `handoff`) with the URLs, credentials,
CA bundle and a ready kamsync config, then serves until SIGINT/SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import secrets
import shutil
import signal
import socket
import sys
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TextIO

import uvicorn

from sandbox import graph, salesforce
from sandbox.graph.limits import LimitSettings
from sandbox.handoff import handoff_line, write_config
from sandbox.ids import graph_guid
from sandbox.network_faults import FaultableH11Protocol
from sandbox.seed import generate
from sandbox.state import DocStore
from sandbox.tls import ensure_graph_app_certificate, ensure_jwt_keys, ensure_tls

API_VERSION = "59.0"


class SandboxStartError(Exception):
    """The sandbox cannot start; the message is one line for the user."""


@dataclass(frozen=True)
class SandboxOptions:
    preset: str = "demo"
    state_dir: Path = Path(".kamsync/sandbox")
    reset: bool = False
    salesforce_port: int = 8443
    graph_port: int = 8444
    today: date | None = None
    #: Graph requests per mailbox per 10 minutes (Outlook's limit is 10,000).
    graph_budget: int = 10_000
    #: Milliseconds every Graph request takes to answer (real Graph: about 100).
    latency_ms: int = 0


@dataclass
class SandboxState:
    salesforce: DocStore
    graph: DocStore
    credentials: dict[str, str]
    org: dict[str, Any]


def open_state(options: SandboxOptions) -> SandboxState:
    """Open the state dir, seeding it on first start or with --reset."""
    state_dir = options.state_dir
    org_file = state_dir / "org.json"
    if options.reset and state_dir.exists():
        shutil.rmtree(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    if org_file.exists() and json.loads(org_file.read_text())["preset"] != options.preset:
        existing = json.loads(org_file.read_text())["preset"]
        raise SandboxStartError(
            f"{state_dir} holds the '{existing}' preset; pass --reset to reseed it as "
            f"'{options.preset}'"
        )
    sf_store = DocStore(state_dir / "salesforce.db")
    graph_store = DocStore(state_dir / "graph.db")
    if not org_file.exists():
        _seed(options, state_dir, sf_store, graph_store)
    return SandboxState(
        sf_store, graph_store, _credentials(state_dir, sf_store), json.loads(org_file.read_text())
    )


def _credentials(state_dir: Path, sf_store: DocStore) -> dict[str, str]:
    """The state dir's credentials, completed for state dirs made by older versions."""
    path = state_dir / "credentials.json"
    creds: dict[str, str] = json.loads(path.read_text())
    if "salesforce_username" not in creds:
        creds["salesforce_username"] = sf_store.all("User")[0]["Username"]
        creds["salesforce_password"] = secrets.token_urlsafe(16)
        path.write_text(json.dumps(creds, indent=2))
    return creds


def _seed(options: SandboxOptions, state_dir: Path, sf: DocStore, gr: DocStore) -> None:
    seed = generate(options.preset, options.today or date.today())
    salesforce.load_seed(sf, seed.salesforce)
    graph.load_seed(gr, seed.graph)
    credentials = {
        "salesforce_client_id": "3MVG9sandbox" + secrets.token_hex(12),
        "salesforce_client_secret": secrets.token_hex(32),
        "tenant_id": graph_guid("tenant", seed.graph.tenant_domain),
        "graph_client_id": graph_guid("app", secrets.token_hex(8)),
        "graph_client_secret": secrets.token_urlsafe(30),
        # The integration user signs in with these (JWT bearer, or the legacy password flow).
        "salesforce_username": seed.salesforce["User"][0]["Username"],
        "salesforce_password": secrets.token_urlsafe(16),
    }
    (state_dir / "credentials.json").write_text(json.dumps(credentials, indent=2))
    (state_dir / "credentials.json").chmod(0o600)
    (state_dir / "truth.json").write_text(json.dumps(seed.truth.to_json()))
    org = {
        "preset": seed.preset,
        "seeded_for": seed.today.isoformat(),
        "company": seed.company_name,
        "kam_emails": seed.kam_emails,
        "managers": [
            user["Email"]
            for user in seed.salesforce["User"]
            if "head" in (user.get("Title") or "").lower()
        ],
    }
    # Written last: its presence marks a completely seeded state dir.
    (state_dir / "org.json").write_text(json.dumps(org, indent=2))


def bind(port: int, option: str) -> socket.socket:
    """A listening socket on 127.0.0.1 (port 0: any free port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit it: without, Nagle + delayed ACK stall each answer ~40 ms.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as exc:
        sock.close()
        raise SandboxStartError(
            f"port {port} ({option}) is not free: {exc.strerror}; "
            f"stop what uses it or pass {option} 0"
        ) from None
    sock.listen(128)
    return sock


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the runner (two servers, one loop)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def run(options: SandboxOptions, out: TextIO = sys.stdout) -> None:
    """Start both stand-ins, print the handoff line, serve until interrupted."""
    state = open_state(options)
    # Millions of seeded documents never die: keep the collector from re-walking them.
    gc.collect()
    gc.freeze()
    tls = ensure_tls(options.state_dir)
    jwt_keys = ensure_jwt_keys(options.state_dir)
    graph_cert = ensure_graph_app_certificate(options.state_dir)
    sf_sock = bind(options.salesforce_port, "--salesforce-port")
    graph_sock = bind(options.graph_port, "--graph-port")
    creds = state.credentials
    apps = [
        (
            salesforce.create_app(
                state.salesforce,
                client_id=creds["salesforce_client_id"],
                client_secret=creds["salesforce_client_secret"],
                jwt_certificate_pem=jwt_keys.certificate_pem,
                user_password=creds["salesforce_password"],
            ),
            sf_sock,
        ),
        (
            graph.create_app(
                state.graph,
                tenant_id=creds["tenant_id"],
                client_id=creds["graph_client_id"],
                client_secret=creds["graph_client_secret"],
                limits=LimitSettings(budget=options.graph_budget, latency_ms=options.latency_ms),
                client_certificate_pem=graph_cert.certificate_pem,
            ),
            graph_sock,
        ),
    ]
    servers = [
        (
            _QuietServer(
                uvicorn.Config(
                    app,
                    http=FaultableH11Protocol,  # lets reset/timeout faults drop connections
                    ssl_certfile=str(tls.cert_chain),
                    ssl_keyfile=str(tls.private_key),
                    log_level="warning",
                    lifespan="off",
                    timeout_graceful_shutdown=2,
                )
            ),
            sock,
        )
        for app, sock in apps
    ]
    sf_url = f"https://127.0.0.1:{sf_sock.getsockname()[1]}"
    graph_url = f"https://127.0.0.1:{graph_sock.getsockname()[1]}"
    config_file = write_config(
        options.state_dir, state.org, creds, sf_url, graph_url, tls.ca_bundle
    )
    line = handoff_line(
        creds,
        sf_url,
        graph_url,
        API_VERSION,
        tls.ca_bundle,
        config_file,
        jwt_keys.private_key,
        graph_cert,
    )
    asyncio.run(_serve_all(servers, line, out))


async def _serve_all(
    servers: Sequence[tuple[uvicorn.Server, socket.socket]], line: str, out: TextIO
) -> None:
    loop = asyncio.get_running_loop()

    def stop() -> None:
        for server, _ in servers:
            server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    tasks = [asyncio.create_task(server.serve(sockets=[sock])) for server, sock in servers]
    while not all(server.started for server, _ in servers):
        if any(task.done() for task in tasks):
            stop()
            break
        await asyncio.sleep(0.02)
    else:
        out.write(line + "\n")
        out.flush()
    await asyncio.gather(*tasks)
