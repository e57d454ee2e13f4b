"""Reset and timeout faults of both fault books, in-process: the app drops the request
(ConnectionDropped stands for the dropped TCP connection) before running it, or after
with `after`, and a timeout answers late; a reset inside a `$batch` drops the batch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sandbox.ids import salesforce_id
from sandbox.network_faults import ConnectionDropped
from tests.unit.test_sandbox_graph_support import TENANT_DOMAIN, TestClient
from tests.unit.test_sandbox_salesforce_helpers import API, Org, make_org, record, user

GRAPH_FAULTS = "/_sandbox/graph/faults"
SF_FAULTS = "/_sandbox/salesforce/faults"
LISTS = f"/v1.0/users/alice@{TENANT_DOMAIN}/todo/lists"


def graph_arm(client: TestClient, **fault: Any) -> None:
    answer = client.post(GRAPH_FAULTS, json=fault)
    assert answer.status_code == 201, answer.text


def list_names(client: TestClient) -> list[str]:
    return [doc["displayName"] for doc in client.get(LISTS).json()["value"]]


def test_a_graph_reset_drops_the_request_once(graph_client: TestClient) -> None:
    graph_arm(graph_client, method="GET", path="/users$", network="reset")
    with pytest.raises(ConnectionDropped):
        graph_client.get("/v1.0/users")
    assert graph_client.get("/v1.0/users").status_code == 200
    assert graph_client.get(GRAPH_FAULTS).json() == {"faults": []}


@pytest.mark.parametrize(("network", "after"), [("reset", False), ("timeout", False)])
def test_a_graph_network_fault_runs_nothing(
    graph_client: TestClient, network: str, after: bool
) -> None:
    extra = {"delay_seconds": 0.05} if network == "timeout" else {}
    graph_arm(graph_client, method="POST", path="/todo/lists$", network=network, **extra)
    with pytest.raises(ConnectionDropped):
        graph_client.post(LISTS, json={"displayName": "Lost"})
    assert "Lost" not in list_names(graph_client)


def test_a_graph_reset_after_keeps_the_write(graph_client: TestClient) -> None:
    graph_arm(graph_client, method="POST", path="/todo/lists$", network="reset", after=True)
    with pytest.raises(ConnectionDropped):
        graph_client.post(LISTS, json={"displayName": "Written"})
    assert "Written" in list_names(graph_client)


def test_a_graph_timeout_after_answers_late_with_the_real_answer(graph_client: TestClient) -> None:
    graph_arm(
        graph_client,
        method="POST",
        path="/todo/lists$",
        network="timeout",
        delay_seconds=0.05,
        after=True,
    )
    answer = graph_client.post(LISTS, json={"displayName": "Late"})
    assert answer.status_code == 201 and answer.json()["displayName"] == "Late"
    assert "Late" in list_names(graph_client)


def test_a_reset_on_a_batch_item_drops_the_batch_there(graph_client: TestClient) -> None:
    renewals = next(
        doc for doc in graph_client.get(LISTS).json()["value"] if doc["displayName"] == "Renewals"
    )
    graph_arm(graph_client, method="PATCH", in_batch=True, network="reset")
    json_header = {"Content-Type": "application/json"}
    path = LISTS.removeprefix("/v1.0")
    batch = {
        "requests": [
            {"id": "1", "method": "POST", "url": path, "headers": json_header,
             "body": {"displayName": "Before"}},
            {"id": "2", "method": "PATCH", "url": f"{path}/{renewals['id']}",
             "headers": json_header, "body": {"displayName": "Renamed"}},
            {"id": "3", "method": "POST", "url": path, "headers": json_header,
             "body": {"displayName": "After"}},
        ]
    }  # fmt: skip
    with pytest.raises(ConnectionDropped):
        graph_client.post("/v1.0/$batch", json=batch)
    names = list_names(graph_client)
    assert "Before" in names and "Renewals" in names
    assert "Renamed" not in names and "After" not in names


@pytest.mark.parametrize(
    "body",
    [
        {"network": "flood"},
        {"network": "reset", "status": 500},
        {"network": "reset", "delay_seconds": 1},
        {"network": "timeout", "delay_seconds": -1},
        {"network": "timeout", "delay_seconds": "long"},
        {"delay_seconds": 2},
    ],
)
def test_bad_graph_network_faults_answer_400(graph_client: TestClient, body: object) -> None:
    answer = graph_client.post(GRAPH_FAULTS, json=body)
    assert answer.status_code == 400 and answer.json()["error"]


@pytest.fixture
def org(tmp_path: Path) -> Org:
    return make_org(
        tmp_path,
        {
            "User": [user(1, "Kim", "Kam")],
            "Account": [record("Account", 1, Name="Acme", Key_Account__c=False)],
        },
    )


def sf_arm(org: Org, **fault: Any) -> dict[str, Any]:
    answer = org.client.post(SF_FAULTS, json=fault)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def create_account(org: Org, name: str) -> Any:
    return org.client.post(f"{API}/sobjects/Account", json={"Name": name}, headers=org.headers)


def accounts_named(org: Org, name: str) -> int:
    return len(org.records(f"SELECT Id FROM Account WHERE Name = '{name}'"))


def test_a_salesforce_reset_drops_the_matching_call_once(org: Org) -> None:
    fault = sf_arm(org, kind="reset", method="GET", path="/query/?$")
    assert fault["times"] == 1
    acme = salesforce_id("Account", 1)
    assert org.client.get(f"{API}/sobjects/Account/{acme}", headers=org.headers).status_code == 200
    with pytest.raises(ConnectionDropped):
        org.query("SELECT Id FROM Account")
    assert org.records("SELECT Id FROM Account") != []


def test_a_salesforce_timeout_runs_nothing(org: Org) -> None:
    fault = sf_arm(org, kind="timeout", method="POST", delay_seconds=0.05)
    assert fault["delay_seconds"] == 0.05
    with pytest.raises(ConnectionDropped):
        create_account(org, "Lost Ltd")
    assert accounts_named(org, "Lost Ltd") == 0


def test_a_salesforce_timeout_after_answers_late_with_the_real_answer(org: Org) -> None:
    sf_arm(org, kind="timeout", method="POST", delay_seconds=0.05, after=True)
    answer = create_account(org, "Late Ltd")
    assert answer.status_code == 201 and answer.json()["success"] is True
    assert accounts_named(org, "Late Ltd") == 1


def test_a_salesforce_reset_after_keeps_the_write(org: Org) -> None:
    sf_arm(org, kind="reset", path="/sobjects/Account$", after=True)
    with pytest.raises(ConnectionDropped):
        create_account(org, "Written Ltd")
    assert accounts_named(org, "Written Ltd") == 1


def test_a_timeout_without_a_delay_waits_five_seconds_by_default(org: Org) -> None:
    assert sf_arm(org, kind="timeout")["delay_seconds"] == 5


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "reset", "path": "("},
        {"kind": "reset", "delay_seconds": 1},
        {"kind": "timeout", "delay_seconds": -1},
        {"kind": "timeout", "after": "yes"},
        {"kind": "timeout", "object": "Account"},
    ],
)
def test_bad_salesforce_network_faults_answer_400(org: Org, body: dict[str, Any]) -> None:
    answer = org.client.post(SF_FAULTS, json=body)
    assert answer.status_code == 400 and answer.json()["error"]
