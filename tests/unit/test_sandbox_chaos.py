"""The chaos switch: its settings, its seeded draws, and the Graph stand-in's kinds,
each hitting only the requests it fits, before they run."""

from __future__ import annotations

from typing import Any

import pytest

import sandbox.graph.chaos as graph_chaos
from sandbox.chaos import ChaosSwitch, parse_settings
from sandbox.faults_core import FaultError
from sandbox.graph.chaos import KINDS
from sandbox.network_faults import ConnectionDropped
from tests.unit.test_sandbox_graph_support import TENANT_DOMAIN, TestClient, authorized_client

CHAOS = "/_sandbox/graph/chaos"
LISTS = f"/v1.0/users/alice@{TENANT_DOMAIN}/todo/lists"


def switch_on(**settings: Any) -> ChaosSwitch:
    switch = ChaosSwitch(("a", "b", "c"))
    switch.turn_on(parse_settings(settings, switch.known))
    return switch


def hits(switch: ChaosSwitch, requests: int) -> list[str | None]:
    drawn = (switch.draw(lambda kind: True) for _ in range(requests))
    return [hit.kind if hit else None for hit in drawn]


def test_the_same_seed_and_requests_give_the_same_faults() -> None:
    first = hits(switch_on(rate=0.3, seed=7), 300)
    assert first == hits(switch_on(rate=0.3, seed=7), 300)
    assert first != hits(switch_on(rate=0.3, seed=8), 300)


def test_the_rate_sets_how_many_requests_are_hit() -> None:
    drawn = hits(switch_on(rate=0.2, seed=1), 2000)
    share = sum(kind is not None for kind in drawn) / len(drawn)
    assert 0.15 < share < 0.25
    assert {kind for kind in drawn if kind} == {"a", "b", "c"}
    assert hits(switch_on(rate=0, seed=1), 200) == [None] * 200


def test_only_kinds_that_apply_are_drawn_and_counted() -> None:
    switch = switch_on(rate=1, seed=3, kinds=["a", "b"])
    drawn = [switch.draw(lambda kind: kind == "b") for _ in range(20)]
    assert {hit.kind for hit in drawn if hit} == {"b"}
    assert switch.draw(lambda kind: False) is None
    assert switch.report()["injected"] == {"a": 0, "b": 20, "c": 0}


def test_a_request_no_kind_fits_does_not_shift_the_sequence() -> None:
    plain, skipping = switch_on(rate=0.5, seed=4), switch_on(rate=0.5, seed=4)
    skipping.draw(lambda kind: False)
    plain.draw(lambda kind: True)
    assert hits(plain, 50) == hits(skipping, 50)


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"seed": 1},
        {"rate": 1.5},
        {"rate": True},
        {"rate": 0.1, "seed": "x"},
        {"rate": 0.1, "kinds": []},
        {"rate": 0.1, "kinds": ["meteor"]},
        {"rate": 0.1, "timeout_seconds": 0},
        {"rate": 0.1, "colour": "red"},
    ],
)
def test_bad_settings_are_refused(body: Any) -> None:
    with pytest.raises(FaultError):
        parse_settings(body, ("a", "b"))


def chaos(client: TestClient, kinds: list[str], rate: float = 1.0, **more: Any) -> dict[str, Any]:
    answer = client.post(CHAOS, json={"rate": rate, "seed": 7, "kinds": kinds, **more})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_the_admin_endpoint_turns_chaos_on_reports_and_turns_it_off(
    graph_client: TestClient,
) -> None:
    assert graph_client.get(CHAOS).json()["rate"] == 0.0
    shown = chaos(graph_client, ["throttle_retry_after"])
    assert shown == {
        "rate": 1.0,
        "seed": 7,
        "kinds": ["throttle_retry_after"],
        "timeout_seconds": 3.0,
        "injected": dict.fromkeys(KINDS, 0),
    }
    throttled = graph_client.get("/v1.0/users")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    assert throttled.json()["error"]["code"] == "TooManyRequests"
    assert graph_client.get(CHAOS).json()["injected"]["throttle_retry_after"] == 1
    assert graph_client.delete(CHAOS).status_code == 204
    assert graph_client.get("/v1.0/users").status_code == 200
    after = graph_client.get(CHAOS).json()
    assert after["rate"] == 0.0 and after["injected"]["throttle_retry_after"] == 1
    assert graph_client.post(CHAOS, json={"rate": 2}).status_code == 400


def test_chaos_leaves_admin_and_token_endpoints_alone(graph_client: TestClient) -> None:
    chaos(graph_client, list(KINDS))
    assert graph_client.get("/_sandbox/graph/faults").status_code == 200
    assert authorized_client(graph_client.app).headers["Authorization"]  # type: ignore[arg-type]
    assert sum(graph_client.get(CHAOS).json()["injected"].values()) == 0


def test_throttle_and_server_errors_answer_graph_bodies(graph_client: TestClient) -> None:
    chaos(graph_client, ["throttle"])
    throttled = graph_client.get("/v1.0/users")
    assert throttled.status_code == 429 and "Retry-After" not in throttled.headers
    chaos(graph_client, ["server_error"])
    failed = [graph_client.get("/v1.0/users") for _ in range(30)]
    assert {answer.status_code for answer in failed} == {500, 502, 503, 504}
    unavailable = next(answer for answer in failed if answer.status_code == 503)
    assert "Retry-After" not in unavailable.headers
    assert unavailable.json()["error"]["code"] == "ServiceUnavailable"


def test_a_fault_hits_before_the_request_runs(graph_client: TestClient) -> None:
    chaos(graph_client, ["server_error"])
    assert graph_client.post(LISTS, json={"displayName": "Never"}).status_code >= 500
    graph_client.delete(CHAOS)
    assert "Never" not in [doc["displayName"] for doc in graph_client.get(LISTS).json()["value"]]


def test_token_expired_ends_every_token_until_a_new_one_is_fetched(
    graph_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(graph_chaos, "FRESH_TOKEN_SECONDS", 0.0)
    chaos(graph_client, ["token_expired"])
    refused = graph_client.get("/v1.0/users")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "InvalidAuthenticationToken"
    graph_client.delete(CHAOS)
    assert graph_client.get("/v1.0/users").status_code == 401  # the old token stays expired
    fresh = authorized_client(graph_client.app)  # type: ignore[arg-type]
    assert fresh.get("/v1.0/users").status_code == 200


def test_a_token_just_issued_is_never_expired_by_chaos(graph_client: TestClient) -> None:
    """Entra tokens live for an hour: a renewed token is not refused again seconds later."""
    fresh = authorized_client(graph_client.app)  # type: ignore[arg-type]
    chaos(graph_client, ["token_expired"])
    answer = fresh.get("/v1.0/users")
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
    graph_client.delete(CHAOS)
    assert fresh.get("/v1.0/users").status_code == 200


def test_batch_item_faults_hit_items_not_the_batch(graph_client: TestClient) -> None:
    chaos(graph_client, ["batch_item"])
    assert graph_client.get(LISTS).status_code == 200
    url = LISTS.removeprefix("/v1.0")
    batch = {"requests": [{"id": str(n), "method": "GET", "url": url} for n in range(12)]}
    answer = graph_client.post("/v1.0/$batch", json=batch)
    assert answer.status_code == 200
    statuses = {item["status"] for item in answer.json()["responses"]}
    assert statuses <= {429, 503, 401} and 429 in statuses
    throttled = next(item for item in answer.json()["responses"] if item["status"] == 429)
    assert throttled["headers"]["Retry-After"] == "1"


def test_delta_gone_hits_only_delta_requests(graph_client: TestClient) -> None:
    chaos(graph_client, ["delta_gone"])
    assert graph_client.get(LISTS).status_code == 200
    for delta in (f"{LISTS}/delta", f"{LISTS}/microsoft.graph.delta()"):
        gone = graph_client.get(delta)
        assert gone.status_code == 410
        assert gone.json()["error"]["code"] == "SyncStateNotFound"
        assert "sync state generation is not found" in gone.json()["error"]["message"]


@pytest.mark.parametrize("kind", ["reset", "timeout"])
def test_network_kinds_drop_the_request_without_running_it(
    graph_client: TestClient, kind: str
) -> None:
    chaos(graph_client, [kind], timeout_seconds=0.05)
    with pytest.raises(ConnectionDropped):
        graph_client.post(LISTS, json={"displayName": "Dropped"})
    graph_client.delete(CHAOS)
    assert "Dropped" not in [doc["displayName"] for doc in graph_client.get(LISTS).json()["value"]]
    assert graph_client.get(CHAOS).json()["injected"][kind] == 1


def test_the_same_seed_replays_the_same_answers(graph_client: TestClient) -> None:
    def run() -> list[int]:
        chaos(graph_client, ["throttle", "server_error"], rate=0.5)
        return [graph_client.get("/v1.0/users").status_code for _ in range(40)]

    first = run()
    assert first == run()
    assert 200 in first and 429 in first
