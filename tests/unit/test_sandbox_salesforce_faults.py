"""Fault injection through the admin endpoints: each kind makes the next matching
request fail the way Salesforce does, as many times as asked, then stops."""

from __future__ import annotations

import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.exceptions import StarletteDeprecationWarning

from sandbox.ids import salesforce_id
from sandbox.salesforce.faults import FAULTS_PATH, FaultInjection
from tests.unit.test_sandbox_salesforce_helpers import API, NOW, Org, make_org, record, user

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

ACME = salesforce_id("Account", 1)
ANA = salesforce_id("Contact", 1)
TIMEOUT = [
    {"errorCode": "QUERY_TIMEOUT", "message": "Your query request was running for too long."}
]


@pytest.fixture
def org(tmp_path: Path) -> Org:
    """An org served behind the fault middleware, as the sandbox runs it."""
    org = make_org(
        tmp_path,
        {
            "User": [user(1, "Kim", "Kam")],
            "Account": [record("Account", 1, Name="Acme", Key_Account__c=False)],
            "Contact": [record("Contact", 1, LastName="Silva", AccountId=ACME)],
        },
    )
    org.client = TestClient(
        FaultInjection(org.client.app, org.store), base_url=str(org.client.base_url)
    )
    return org


def arm(org: Org, **fault: Any) -> dict[str, Any]:
    response = org.client.post(FAULTS_PATH, json=fault)
    assert response.status_code == 201, response.text
    return dict(response.json())


def armed(org: Org) -> list[dict[str, Any]]:
    return list(org.client.get(FAULTS_PATH).json()["faults"])


def stamp(days_ago: int) -> str:
    return (NOW - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_faults_are_armed_listed_and_cleared_without_a_login(org: Org) -> None:
    fault = arm(org, kind="query_timeout", object="Account", times=2)
    assert (fault["kind"], fault["times"], fault["object"]) == ("query_timeout", 2, "Account")
    assert [listed["id"] for listed in armed(org)] == [fault["id"]]
    assert org.client.delete(FAULTS_PATH).status_code == 204
    assert armed(org) == []


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "meteor_strike"},
        {"kind": "query_timeout", "times": 0},
        {"kind": "server_error", "status": 404},
        {"kind": "query_timeout", "min_span_days": "thirty"},
        {"kind": "unable_to_lock_row", "colour": "red"},
        {"kind": "bulk_job_delay"},
    ],
)
def test_a_body_that_is_not_a_fault_is_refused(org: Org, body: dict[str, Any]) -> None:
    response = org.client.post(FAULTS_PATH, json=body)
    assert response.status_code == 400
    assert "error" in response.json()
    assert armed(org) == []


def test_query_timeout_hits_the_next_query_on_its_object_only(org: Org) -> None:
    arm(org, kind="query_timeout", object="contact")
    assert org.query("SELECT Id FROM Account").status_code == 200
    timed_out = org.query("SELECT Id FROM Contact")
    assert (timed_out.status_code, timed_out.json()) == (400, TIMEOUT)
    assert org.query("SELECT Id FROM Contact").status_code == 200
    assert armed(org) == []


def test_query_timeout_with_a_span_spares_narrow_windows(org: Org) -> None:
    arm(org, kind="query_timeout", object="Account", min_span_days=30, times=5)

    def status(where: str) -> int:
        return org.query(f"SELECT Id FROM Account {where}").status_code

    assert status(f"WHERE SystemModstamp >= {stamp(90)}") == 400
    assert status("") == 400  # no lower bound: unbounded
    assert status(f"WHERE SystemModstamp >= {stamp(90)} AND SystemModstamp < {stamp(70)}") == 200
    assert status(f"WHERE LastModifiedDate > {stamp(20)}") == 200  # up to now: 20 days
    assert status("WHERE SystemModstamp = LAST_N_DAYS:7") == 200
    assert org.query("SELECT COUNT() FROM Account").status_code == 200  # nothing to split
    assert status("ORDER BY SystemModstamp LIMIT 1") == 200
    assert armed(org)[0]["times"] == 3


def test_bulk_job_failure_fails_the_next_job_on_the_object(org: Org) -> None:
    arm(org, kind="bulk_job_failure", object="Account", message="Retried more than 15 times")
    jobs = f"{API}/jobs/query"
    failing = org.client.post(
        jobs, json={"operation": "query", "query": "SELECT Id FROM Account"}, headers=org.headers
    ).json()["id"]
    info = org.client.get(f"{jobs}/{failing}", headers=org.headers).json()
    assert (info["state"], info["errorMessage"]) == ("Failed", "Retried more than 15 times")
    assert org.client.get(f"{jobs}/{failing}/results", headers=org.headers).status_code == 400
    healthy = org.client.post(
        jobs, json={"operation": "query", "query": "SELECT Id FROM Account"}, headers=org.headers
    ).json()["id"]
    assert org.client.get(f"{jobs}/{healthy}", headers=org.headers).json()["state"] == (
        "JobComplete"
    )


def test_server_error_answers_the_next_calls_with_salesforce_bodies(org: Org) -> None:
    arm(org, kind="server_error")
    busy = org.query("SELECT Id FROM Account")
    assert (busy.status_code, busy.json()[0]["errorCode"]) == (503, "SERVER_UNAVAILABLE")
    arm(org, kind="server_error", status=500, times=2)
    broken = [org.client.get(f"{API}/sobjects/Account/{ACME}", headers=org.headers) for _ in "ab"]
    assert [response.status_code for response in broken] == [500, 500]
    assert broken[0].json()[0]["errorCode"] == "UNKNOWN_EXCEPTION"
    assert "Please include this ErrorId" in broken[0].json()[0]["message"]
    assert org.query("SELECT Id FROM Account").status_code == 200


def test_unable_to_lock_row_hits_the_next_write_on_its_object(org: Org) -> None:
    arm(org, kind="unable_to_lock_row", object="Account")

    def rename(sobject: str, record_id: str, field: str) -> httpx.Response:
        return org.client.patch(
            f"{API}/sobjects/{sobject}/{record_id}", json={field: "New"}, headers=org.headers
        )

    assert org.client.get(f"{API}/sobjects/Account/{ACME}", headers=org.headers).status_code == 200
    assert rename("Contact", ANA, "LastName").status_code == 204
    locked = rename("Account", ACME, "Name")
    assert locked.status_code == 400
    [error] = locked.json()
    assert error["errorCode"] == "UNABLE_TO_LOCK_ROW"
    assert error["message"].startswith("unable to obtain exclusive access to this record")
    assert rename("Account", ACME, "Name").status_code == 204
