"""Network faults of the running stand-ins, seen by a plain `requests` client: a reset
is a ConnectionError with no answer, a timeout a ReadTimeout with nothing written, and
the chaos switch injects them (and the services' own errors) at the rate asked."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.integration

Call = Callable[..., requests.Response]


class Stand:
    """One stand-in: its base URL, admin prefix and an authorized call."""

    def __init__(self, base: str, admin: str, token: str, api: str) -> None:
        self.base, self.admin, self.api = base, admin, api
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return requests.request(method, self.base + path, headers=self.headers, **kwargs)

    def admin_call(self, method: str, what: str, **kwargs: Any) -> requests.Response:
        return requests.request(method, f"{self.base}{self.admin}/{what}", timeout=30, **kwargs)

    def disarm(self) -> None:
        assert self.admin_call("DELETE", "faults").status_code == 204
        assert self.admin_call("DELETE", "chaos").status_code == 204


@pytest.fixture
def graph(sandbox: dict[str, Any], trust_sandbox: None) -> Iterator[Stand]:
    info = sandbox["graph"]
    base = info["graph_url"].rstrip("/")
    token = requests.post(
        f"{info['authority_url'].rstrip('/')}/{info['tenant_id']}/oauth2/v2.0/token",
        data={"grant_type": "client_credentials", "client_id": info["client_id"],
              "client_secret": info["client_secret"], "scope": f"{base}/.default"},
        timeout=30,
    ).json()["access_token"]  # fmt: skip
    stand = Stand(base, "/_sandbox/graph", token, "/v1.0")
    yield stand
    stand.disarm()


@pytest.fixture
def salesforce(sandbox: dict[str, Any], trust_sandbox: None) -> Iterator[Stand]:
    info = sandbox["salesforce"]
    base = info["instance_url"].rstrip("/")
    token = requests.post(
        f"{info['login_url'].rstrip('/')}/services/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": info["client_id"],
              "client_secret": info["client_secret"]},
        timeout=30,
    ).json()["access_token"]  # fmt: skip
    stand = Stand(base, "/_sandbox/salesforce", token, f"/services/data/v{info['api_version']}")
    yield stand
    stand.disarm()


def arm(stand: Stand, fault: dict[str, Any]) -> None:
    answer = stand.admin_call("POST", "faults", json=fault)
    assert answer.status_code == 201, answer.text


def graph_lists_path(graph: Stand) -> str:
    user = graph.call("GET", "/v1.0/users").json()["value"][0]["userPrincipalName"]
    return f"/v1.0/users/{user}/todo/lists"


def list_names(graph: Stand, lists: str) -> set[str]:
    return {doc["displayName"] for doc in graph.call("GET", lists).json()["value"]}


def task_subjects(salesforce: Stand, subject: str) -> int:
    soql = f"SELECT Id FROM Task WHERE Subject = '{subject}'"
    answer = salesforce.call("GET", f"{salesforce.api}/query", params={"q": soql})
    assert answer.status_code == 200, answer.text
    return int(answer.json()["totalSize"])


def wait_past(seconds: float) -> None:
    """Let a delayed fault's server side run out before looking at what was written."""
    time.sleep(seconds + 0.5)


def test_a_graph_reset_drops_the_connection_without_an_answer(graph: Stand) -> None:
    arm(graph, {"method": "GET", "path": "/users$", "network": "reset"})
    with pytest.raises(requests.ConnectionError):
        graph.call("GET", "/v1.0/users")
    assert graph.call("GET", "/v1.0/users").status_code == 200  # spent after one hit


def test_a_reset_inside_a_batch_drops_the_whole_batch(graph: Stand) -> None:
    lists = graph_lists_path(graph)
    arm(graph, {"path": "/todo/lists$", "in_batch": True, "network": "reset"})
    batch = {"requests": [{"id": "1", "method": "GET", "url": lists.removeprefix("/v1.0")}]}
    with pytest.raises(requests.ConnectionError):
        graph.call("POST", "/v1.0/$batch", json=batch)
    assert graph.call("POST", "/v1.0/$batch", json=batch).json()["responses"][0]["status"] == 200


def test_a_graph_timeout_is_a_read_timeout_and_writes_nothing(graph: Stand) -> None:
    lists, name = graph_lists_path(graph), f"timeout-{uuid.uuid4().hex[:8]}"
    arm(graph, {"method": "POST", "path": "/todo/lists$", "network": "timeout", "delay_seconds": 2})
    with pytest.raises(requests.ReadTimeout):
        graph.call("POST", lists, json={"displayName": name}, timeout=1)
    wait_past(2)
    assert name not in list_names(graph, lists)


def test_a_graph_timeout_after_the_write_keeps_the_write(graph: Stand) -> None:
    lists, name = graph_lists_path(graph), f"late-{uuid.uuid4().hex[:8]}"
    arm(graph, {"method": "POST", "path": "/todo/lists$", "network": "timeout",
                "delay_seconds": 2, "after": True})  # fmt: skip
    with pytest.raises(requests.ReadTimeout):
        graph.call("POST", lists, json={"displayName": name}, timeout=1)
    assert name in list_names(graph, lists)


def test_a_salesforce_reset_drops_the_connection(salesforce: Stand) -> None:
    arm(salesforce, {"kind": "reset", "method": "GET", "path": "/query$"})
    query = {"q": "SELECT Id FROM Account LIMIT 1"}
    with pytest.raises(requests.ConnectionError):
        salesforce.call("GET", f"{salesforce.api}/query", params=query)
    assert salesforce.call("GET", f"{salesforce.api}/query", params=query).status_code == 200


def test_a_salesforce_timeout_is_a_read_timeout_and_writes_nothing(salesforce: Stand) -> None:
    subject = f"timeout-{uuid.uuid4().hex[:8]}"
    arm(salesforce, {"kind": "timeout", "method": "POST", "path": "/sobjects/Task$",
                     "delay_seconds": 2})  # fmt: skip
    with pytest.raises(requests.ReadTimeout):
        salesforce.call(
            "POST", f"{salesforce.api}/sobjects/Task", json={"Subject": subject}, timeout=1
        )
    wait_past(2)
    assert task_subjects(salesforce, subject) == 0
    created = salesforce.call("POST", f"{salesforce.api}/sobjects/Task", json={"Subject": subject})
    assert created.status_code == 201, created.text
    assert task_subjects(salesforce, subject) == 1


def test_a_reset_on_a_composite_subrequest_drops_the_composite(salesforce: Stand) -> None:
    subject = f"composite-{uuid.uuid4().hex[:8]}"
    arm(salesforce, {"kind": "reset", "method": "POST", "path": "/sobjects/Task$"})
    subrequest = {"method": "POST", "url": f"{salesforce.api}/sobjects/Task",
                  "referenceId": "task", "body": {"Subject": subject}}  # fmt: skip
    with pytest.raises(requests.ConnectionError):
        salesforce.call(
            "POST", f"{salesforce.api}/composite", json={"compositeRequest": [subrequest]}
        )
    assert task_subjects(salesforce, subject) == 0


def chaos_on(stand: Stand, kinds: list[str], rate: float = 1.0, **more: Any) -> None:
    settings = {"rate": rate, "seed": 7, "kinds": kinds, **more}
    answer = stand.admin_call("POST", "chaos", json=settings)
    assert answer.status_code == 200, answer.text


def test_graph_chaos_at_rate_one_answers_its_one_kind_until_turned_off(graph: Stand) -> None:
    chaos_on(graph, ["throttle_retry_after"])
    throttled = [graph.call("GET", "/v1.0/users") for _ in range(3)]
    assert {answer.status_code for answer in throttled} == {429}
    assert throttled[0].headers["Retry-After"] == "1"
    shown = graph.admin_call("GET", "chaos").json()
    assert (shown["rate"], shown["seed"], shown["kinds"]) == (1.0, 7, ["throttle_retry_after"])
    assert shown["injected"]["throttle_retry_after"] == 3
    assert graph.admin_call("DELETE", "chaos").status_code == 204
    assert graph.call("GET", "/v1.0/users").status_code == 200


def test_chaos_resets_and_timeouts_reach_the_client_as_network_errors(
    graph: Stand, salesforce: Stand
) -> None:
    chaos_on(graph, ["reset"])
    with pytest.raises(requests.ConnectionError):
        graph.call("GET", "/v1.0/users")
    subject = f"chaos-{uuid.uuid4().hex[:8]}"
    chaos_on(salesforce, ["timeout"], timeout_seconds=2)
    with pytest.raises(requests.ReadTimeout):
        salesforce.call(
            "POST", f"{salesforce.api}/sobjects/Task", json={"Subject": subject}, timeout=1
        )
    salesforce.admin_call("DELETE", "chaos")
    wait_past(2)
    assert task_subjects(salesforce, subject) == 0
    assert salesforce.admin_call("GET", "chaos").json()["injected"]["timeout"] == 1


def test_salesforce_chaos_answers_query_timeout_on_queries_only(salesforce: Stand) -> None:
    chaos_on(salesforce, ["query_timeout"])
    timed_out = salesforce.call(
        "GET", f"{salesforce.api}/query", params={"q": "SELECT Id FROM Account"}
    )
    assert timed_out.status_code == 400 and timed_out.json()[0]["errorCode"] == "QUERY_TIMEOUT"
    assert salesforce.call("GET", f"{salesforce.api}/sobjects").status_code == 200


def test_chaos_at_rate_zero_injects_nothing(graph: Stand, salesforce: Stand) -> None:
    for stand, path in ((graph, "/v1.0/users"), (salesforce, f"{salesforce.api}/sobjects")):
        answer = stand.admin_call("POST", "chaos", json={"rate": 0, "seed": 1})
        assert answer.status_code == 200 and len(answer.json()["kinds"]) > 5
        assert all(stand.call("GET", path).status_code == 200 for _ in range(10))
        assert sum(stand.admin_call("GET", "chaos").json()["injected"].values()) == 0
