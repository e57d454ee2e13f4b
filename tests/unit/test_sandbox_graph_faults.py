"""Fault injection: armed faults answer instead of Graph, `after` runs the request first,
batch-only faults, and token expiry."""

from __future__ import annotations

import pytest

from tests.unit.test_sandbox_graph_support import TENANT_DOMAIN, TestClient, authorized_client

FAULTS = "/_sandbox/graph/faults"
LISTS = f"/v1.0/users/alice@{TENANT_DOMAIN}/todo/lists"


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


def _names(client: TestClient) -> list[str]:
    return [doc["displayName"] for doc in client.get(LISTS).json()["value"]]


def test_a_fault_answers_the_next_matching_requests_then_is_spent(client: TestClient) -> None:
    armed = client.post(
        FAULTS, json={"method": "GET", "path": "/todo/lists$", "retry_after": 2, "times": 2}
    )
    assert armed.status_code == 201 and armed.json()["code"] == "TooManyRequests"
    assert client.get("/v1.0/users").status_code == 200  # other paths unaffected
    first, second, third = (client.get(LISTS) for _ in range(3))
    assert first.status_code == second.status_code == 429
    assert first.headers["Retry-After"] == "2"
    assert first.json()["error"]["code"] == "TooManyRequests"
    assert third.status_code == 200
    assert client.get(FAULTS).json() == {"faults": []}


def test_a_fault_without_retry_after_sends_no_header(client: TestClient) -> None:
    client.post(FAULTS, json={"path": "/todo/lists", "status": 503})
    answer = client.get(LISTS)
    assert answer.status_code == 503 and "Retry-After" not in answer.headers
    assert answer.json()["error"]["code"] == "ServiceUnavailable"


def test_a_fault_before_does_not_run_the_request(client: TestClient) -> None:
    client.post(FAULTS, json={"method": "POST", "path": "/todo/lists$"})
    assert client.post(LISTS, json={"displayName": "Before"}).status_code == 429
    assert "Before" not in _names(client)


def test_a_fault_after_runs_the_request_and_still_fails(client: TestClient) -> None:
    client.post(
        FAULTS, json={"method": "POST", "path": "/todo/lists$", "status": 504, "after": True}
    )
    assert client.post(LISTS, json={"displayName": "After"}).status_code == 504
    assert "After" in _names(client)


def test_in_batch_faults_hit_only_batch_items(client: TestClient) -> None:
    client.post(FAULTS, json={"path": "/todo/lists$", "in_batch": True, "retry_after": 1})
    assert client.get(LISTS).status_code == 200
    batch = {"requests": [{"id": "1", "method": "GET", "url": LISTS.removeprefix("/v1.0")}]}
    answer = client.post("/v1.0/$batch", json=batch).json()["responses"][0]
    assert answer["status"] == 429 and answer["headers"]["Retry-After"] == "1"
    again = client.post("/v1.0/$batch", json=batch).json()["responses"][0]
    assert again["status"] == 200


def test_delete_disarms_everything(client: TestClient) -> None:
    client.post(FAULTS, json={"path": ".", "times": 5})
    assert client.delete(FAULTS).status_code == 204
    assert client.get(LISTS).status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"status": 200}, {"times": 0}, {"path": "("}, {"colour": "red"}, {"after": 1}, []],
)
def test_bad_faults_answer_400(client: TestClient, body: object) -> None:
    answer = client.post(FAULTS, json=body)
    assert answer.status_code == 400 and answer.json()["error"]


def test_expired_tokens_answer_401_and_new_tokens_work(client: TestClient) -> None:
    assert client.post("/_sandbox/graph/tokens/expire").json()["expired"] >= 1
    refused = client.get(LISTS)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "InvalidAuthenticationToken"
    fresh = authorized_client(client.app)  # type: ignore[arg-type]
    assert fresh.get(LISTS).status_code == 200
