"""How long the stand-in takes to answer: Graph's latency, which the stand-in would otherwise hide.

Real Graph answers a request in about 100 ms; the stand-in answers in
microseconds, so a client that waits on one request at a time looks as fast as
one that keeps several in flight. `latency_ms` (`kamsync sandbox up
--latency-ms`, or `PUT /_sandbox/graph/limits`) makes every Graph API request
(`/v1.0/...`) wait that long before it is served; the token endpoint and the
`/_sandbox/` control endpoints do not wait. The wait is an asyncio sleep, so
other requests go on meanwhile, and it happens inside the per-mailbox limits
(sandbox/graph/limits.py): a slow request holds its concurrency slot for as
long as it takes, as on Graph. A throttled or refused request answers at once.

A `$batch` costs one latency, not one per item: a parallel batch takes it
while its items hold their slots (Graph runs them side by side). A sequential
one (`dependsOn`) costs one too, though Graph runs its items one after
another; a fuller model would add each item's service time.

This module is the whole latency model: one fixed delay per request for now.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.graph.limits import LimitSettings

#: Scope key set by `$batch` on an item whose latency the batch itself has taken.
LATENCY_PAID = "sandbox.graph.latency_paid"
_BATCH_PATH = "/v1.0/$batch"


async def wait_latency(settings: LimitSettings) -> None:
    """Wait the configured latency without blocking the event loop."""
    if settings.latency_ms > 0:
        await asyncio.sleep(settings.latency_ms / 1000)


def pays_latency(scope: Scope) -> bool:
    """A Graph API request that waits here: under /v1.0, and not a `$batch` (the batch
    waits itself, see sandbox/graph/batch.py) nor one of its items."""
    if scope["type"] != "http" or scope.get(LATENCY_PAID):
        return False
    path: str = scope["path"]
    return path.startswith("/v1.0/") and path != _BATCH_PATH


class LatencyMiddleware:
    """Delays each Graph API request by the configured latency before serving it.

    It sits inside `LimitsMiddleware`, so the mailbox's concurrency slot is held meanwhile.
    """

    def __init__(self, app: ASGIApp, settings: LimitSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if pays_latency(scope):
            await wait_latency(self.settings)
        await self.app(scope, receive, send)
