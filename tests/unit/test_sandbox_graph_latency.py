"""Graph's answer time in the stand-in: a floor per request, one per $batch, and slow
requests to one mailbox held side by side in their slots, not queued."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from sandbox.graph.latency import pays_latency
from sandbox.graph.limits import LimitSettings
from tests.unit.test_sandbox_graph_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    GRAPH_SCOPE,
    TENANT_DOMAIN,
    TENANT_ID,
    seeded_app,
)

ALICE_INBOX = f"/v1.0/users/alice@{TENANT_DOMAIN}/mailFolders/inbox"
LIMITS = "/_sandbox/graph/limits"

Scenario = Callable[[httpx.AsyncClient], Awaitable[Any]]


def run_against(tmp_path: Path, latency_ms: int, scenario: Scenario) -> Any:
    """Run `scenario` with a signed-in async client of a stand-in answering in `latency_ms`."""
    app, store = seeded_app(tmp_path, limits=LimitSettings(latency_ms=latency_ms))

    async def main() -> Any:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://graph.test") as client:
            token = await client.post(
                f"/{TENANT_ID}/oauth2/v2.0/token",
                data={"grant_type": "client_credentials", "client_id": CLIENT_ID,
                      "client_secret": CLIENT_SECRET, "scope": GRAPH_SCOPE},
            )  # fmt: skip
            client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
            return await scenario(client)

    try:
        return asyncio.run(main())
    finally:
        store.close()


async def timed(request: Awaitable[httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = await request
    return response, time.perf_counter() - started


def batch(items: list[tuple[str, str]], *, sequential: bool = False) -> dict[str, Any]:
    """A $batch body of GETs (id, url); `sequential`: each item depends on the one before."""
    requests = []
    for number, (item_id, url) in enumerate(items):
        request: dict[str, Any] = {"id": item_id, "method": "GET", "url": url}
        if sequential and number:
            request["dependsOn"] = [items[number - 1][0]]
        requests.append(request)
    return {"requests": requests}


def test_a_graph_request_takes_at_least_the_latency(tmp_path: Path) -> None:
    async def scenario(client: httpx.AsyncClient) -> tuple[httpx.Response, float]:
        return await timed(client.get(ALICE_INBOX))

    answer, seconds = run_against(tmp_path, 100, scenario)
    assert answer.status_code == 200
    assert seconds >= 0.1


def test_the_latency_is_read_and_set_through_the_limits_endpoint(tmp_path: Path) -> None:
    async def scenario(client: httpx.AsyncClient) -> list[httpx.Response]:
        return [
            await client.get(LIMITS),
            await client.put(LIMITS, json={"latency_ms": 250}),
            await client.put(LIMITS, json={"latency_ms": -1}),
            await client.put(LIMITS, json={"latency_ms": 0}),
        ]

    initial, changed, refused, back = run_against(tmp_path, 40, scenario)
    assert initial.json()["latency_ms"] == 40
    assert changed.json()["latency_ms"] == 250
    assert refused.status_code == 400 and "latency_ms" in refused.json()["error"]
    assert back.json()["latency_ms"] == 0


def test_only_graph_api_requests_wait() -> None:
    def scope(path: str, **extra: Any) -> dict[str, Any]:
        return {"type": "http", "path": path, **extra}

    assert pays_latency(scope(ALICE_INBOX))
    assert pays_latency(scope("/v1.0/users"))
    assert not pays_latency(scope(f"/{TENANT_ID}/oauth2/v2.0/token"))
    assert not pays_latency(scope(LIMITS))
    assert not pays_latency(scope("/_sandbox/graph/faults"))
    assert not pays_latency(scope("/v1.0/$batch"))  # the batch waits for its items itself


def test_a_parallel_batch_costs_one_latency_not_one_per_item(tmp_path: Path) -> None:
    users = ["alice", "alice", "bob", "bob", "carol"]
    items = [(str(n), f"/users/{user}@{TENANT_DOMAIN}/todo/lists") for n, user in enumerate(users)]

    async def scenario(client: httpx.AsyncClient) -> tuple[httpx.Response, float]:
        return await timed(client.post("/v1.0/$batch", json=batch(items)))

    answer, seconds = run_against(tmp_path, 400, scenario)
    assert sorted(item["status"] for item in answer.json()["responses"]) == [200] * 5
    assert 0.4 <= seconds < 1.2  # five items one after another would take 2 s


def test_a_sequential_batch_costs_one_latency_too(tmp_path: Path) -> None:
    items = [(str(n), f"/users/alice@{TENANT_DOMAIN}/todo/lists") for n in range(5)]

    async def scenario(client: httpx.AsyncClient) -> tuple[httpx.Response, float]:
        return await timed(client.post("/v1.0/$batch", json=batch(items, sequential=True)))

    answer, seconds = run_against(tmp_path, 400, scenario)
    assert [item["status"] for item in answer.json()["responses"]] == [200] * 5
    assert 0.4 <= seconds < 1.2


def test_slow_requests_to_one_mailbox_overlap_and_hold_their_slots(tmp_path: Path) -> None:
    """Four slow requests are in flight together (a fifth finds every slot taken)."""

    async def scenario(client: httpx.AsyncClient) -> tuple[list[int], httpx.Response, int]:
        slow = [asyncio.create_task(client.get(ALICE_INBOX)) for _ in range(4)]
        while (await client.get(LIMITS)).json()["used"].get(f"alice@{TENANT_DOMAIN}", 0) < 4:
            await asyncio.sleep(0.01)
        fifth = await client.get(ALICE_INBOX)
        statuses = [answer.status_code for answer in await asyncio.gather(*slow)]
        return statuses, fifth, (await client.get(LIMITS)).json()["throttled"]

    statuses, fifth, throttled = run_against(tmp_path, 1000, scenario)
    assert statuses == [200] * 4
    assert fifth.status_code == 429
    assert "MailboxConcurrency" in fifth.json()["error"]["message"]
    assert throttled == 1  # the limits endpoint counts the 429s it gave
