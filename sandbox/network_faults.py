"""Network faults both stand-ins inject: a connection reset and a read timeout.

An ASGI app cannot drop its own TCP connection, so the runner serves the apps
through `FaultableH11Protocol`, which puts the connection's transport in each
request's scope under `TRANSPORT`. `drop_connection` then aborts it with
SO_LINGER 0: the kernel sends an RST and the client gets no HTTP answer at
all: `requests.ConnectionError` ("Connection reset by peer" over plain TCP;
over TLS, without a close_notify, "RemoteDisconnected"). In-process
apps (tests through Starlette's TestClient) have no transport: there the
`ConnectionDropped` exception reaches the client instead. A fault on a request
the app dispatches into itself (a `$batch` item, a Composite subrequest) drops
the connection of the request that carries it.

    reset            drop the connection at once (after=True: run the request first)
    timeout          wait `delay_seconds`, then drop the connection without running
                     the request (after=True: run it at once, send its answer late)
"""

from __future__ import annotations

import asyncio
import contextvars
import socket
import struct
from typing import Any, NoReturn

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

#: Scope key holding the connection's asyncio transport (set by FaultableH11Protocol).
TRANSPORT = "sandbox.transport"
NETWORK_KINDS = ("reset", "timeout")
#: The same transport for requests the app dispatches into itself (`$batch` items,
#: Composite subrequests), whose scopes may not carry `TRANSPORT`.
_CURRENT: contextvars.ContextVar[Any] = contextvars.ContextVar("sandbox_transport", default=None)


class ConnectionDropped(Exception):
    """The request's connection was dropped on purpose; nothing more may be sent."""


async def drop_connection(scope: Scope) -> NoReturn:
    """Reset the request's TCP connection (RST, no answer), then stop the request."""
    transport: Any = scope.get(TRANSPORT) or _CURRENT.get()
    if transport is not None and not transport.is_closing():
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
        # Let the server see the connection lost, so it sends nothing (not even a 500).
        for _ in range(3):
            await asyncio.sleep(0)
    raise ConnectionDropped("the sandbox dropped this connection (network fault)")


async def _discard(message: Message) -> None:
    return None


async def network_fault(
    kind: str,
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    *,
    delay_seconds: float = 0.0,
    after: bool = False,
) -> None:
    """Answer the request with the network fault `kind` (see the module docstring)."""
    if kind == "reset":
        if after:
            await app(scope, receive, _discard)
        await drop_connection(scope)
    if not after:
        await asyncio.sleep(delay_seconds)
        await drop_connection(scope)
    held: list[Message] = []

    async def hold(message: Message) -> None:
        held.append(message)

    await app(scope, receive, hold)
    await asyncio.sleep(delay_seconds)
    for message in held:
        await send(message)


class FaultableH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, exposing each connection's transport to the app so
    network faults can drop it; a dropped request ends quietly (no 500, no log)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        inner = self.app

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            scope[TRANSPORT] = self.transport
            _CURRENT.set(self.transport)
            try:
                await inner(scope, receive, send)
            except ConnectionDropped:
                return

        self.app = app
