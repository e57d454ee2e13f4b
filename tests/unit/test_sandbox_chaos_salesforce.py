"""The Salesforce stand-in's chaos kinds: each answers Salesforce's own error, only on
the calls it fits (queries, writes, Bulk jobs), before the call runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sandbox.ids import salesforce_id
from sandbox.network_faults import ConnectionDropped
from sandbox.salesforce.api_context import SUBREQUEST
from sandbox.salesforce.chaos import KINDS, SalesforceChaos
from tests.unit.test_sandbox_salesforce_helpers import API, Org, login, make_org, record, user

CHAOS = "/_sandbox/salesforce/chaos"
ACME = salesforce_id("Account", 1)


@pytest.fixture
def org(tmp_path: Path) -> Org:
    return make_org(
        tmp_path,
        {
            "User": [user(1, "Kim", "Kam")],
            "Account": [record("Account", 1, Name="Acme", Key_Account__c=False)],
        },
    )


def chaos(org: Org, kinds: list[str], rate: float = 1.0, **more: Any) -> None:
    answer = org.client.post(CHAOS, json={"rate": rate, "seed": 11, "kinds": kinds, **more})
    assert answer.status_code == 200, answer.text


def injected(org: Org) -> dict[str, int]:
    return dict(org.client.get(CHAOS).json()["injected"])


def read_acme(org: Org) -> Any:
    return org.client.get(f"{API}/sobjects/Account/{ACME}", headers=org.headers)


def create_account(org: Org, name: str) -> Any:
    return org.client.post(f"{API}/sobjects/Account", json={"Name": name}, headers=org.headers)


def accounts_named(org: Org, name: str) -> int:
    return len(org.records(f"SELECT Id FROM Account WHERE Name = '{name}'"))


def test_chaos_is_off_until_asked_and_off_again_after_delete(org: Org) -> None:
    assert org.client.get(CHAOS).json() == {
        "rate": 0.0,
        "seed": None,
        "kinds": [],
        "timeout_seconds": None,
        "injected": dict.fromkeys(KINDS, 0),
    }
    chaos(org, ["server_error"])
    assert read_acme(org).status_code in (500, 503)
    assert org.client.delete(CHAOS).status_code == 204
    assert read_acme(org).status_code == 200
    assert injected(org)["server_error"] == 1
    assert org.client.post(CHAOS, json={"rate": 0.5, "kinds": ["throttle"]}).status_code == 400


def test_server_errors_answer_500_and_503_with_salesforce_bodies(org: Org) -> None:
    chaos(org, ["server_error"])
    answers = [read_acme(org) for _ in range(20)]
    codes = {(answer.status_code, answer.json()[0]["errorCode"]) for answer in answers}
    assert codes == {(500, "UNKNOWN_EXCEPTION"), (503, "SERVER_UNAVAILABLE")}


def test_session_expired_ends_the_session_but_not_the_login(org: Org) -> None:
    chaos(org, ["session_expired"])
    refused = read_acme(org)
    assert refused.status_code == 401
    assert refused.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]
    fresh = login(org.client)  # the token endpoint is never hit
    org.client.delete(CHAOS)
    assert read_acme(org).status_code == 401
    assert org.client.get(f"{API}/sobjects/Account/{ACME}", headers=fresh).status_code == 200


def test_query_timeout_hits_only_queries(org: Org) -> None:
    chaos(org, ["query_timeout"])
    assert read_acme(org).status_code == 200
    error = org.error("SELECT Id FROM Account")
    assert error["errorCode"] == "QUERY_TIMEOUT"
    assert injected(org)["query_timeout"] == 1


def test_unable_to_lock_row_hits_only_writes_before_they_run(org: Org) -> None:
    chaos(org, ["unable_to_lock_row"])
    assert org.query("SELECT Id FROM Account").status_code == 200
    locked = create_account(org, "Locked Ltd")
    assert locked.status_code == 400 and locked.json()[0]["errorCode"] == "UNABLE_TO_LOCK_ROW"
    org.client.delete(CHAOS)
    assert accounts_named(org, "Locked Ltd") == 0


def test_bulk_job_failed_makes_the_next_query_job_fail(org: Org) -> None:
    chaos(org, ["bulk_job_failed"])
    assert org.query("SELECT Id FROM Account").status_code == 200
    jobs = f"{API}/jobs/query"
    created = org.client.post(
        jobs, json={"operation": "query", "query": "SELECT Id FROM Account"}, headers=org.headers
    )
    assert created.status_code == 200, created.text
    info = org.client.get(f"{jobs}/{created.json()['id']}", headers=org.headers).json()
    assert info["state"] == "Failed" and info["errorMessage"]
    assert injected(org)["bulk_job_failed"] == 1


@pytest.mark.parametrize("kind", ["reset", "timeout"])
def test_network_kinds_drop_the_call_without_running_it(org: Org, kind: str) -> None:
    chaos(org, [kind], timeout_seconds=0.05)
    with pytest.raises(ConnectionDropped):
        create_account(org, "Dropped Ltd")
    org.client.delete(CHAOS)
    assert accounts_named(org, "Dropped Ltd") == 0


def test_rate_zero_hits_nothing(org: Org) -> None:
    chaos(org, list(KINDS), rate=0)
    assert all(read_acme(org).status_code == 200 for _ in range(20))
    assert sum(injected(org).values()) == 0


def composite(org: Org, *subrequests: dict[str, Any]) -> Any:
    body = {"allOrNone": False, "compositeRequest": list(subrequests)}
    return org.client.post(f"{API}/composite", json=body, headers=org.headers)


def test_composite_subrequests_get_only_per_subrequest_kinds(org: Org) -> None:
    chaos(org, ["query_timeout"])
    query = f"{API}/query?q=SELECT+Id+FROM+Account"
    answer = composite(
        org,
        {"method": "POST", "url": f"{API}/sobjects/Account", "referenceId": "made",
         "body": {"Name": "Kept Ltd"}},
        {"method": "GET", "url": query, "referenceId": "found"},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    made, found = answer.json()["compositeResponse"]
    assert made["httpStatusCode"] == 201
    assert (found["httpStatusCode"], found["body"][0]["errorCode"]) == (400, "QUERY_TIMEOUT")
    org.client.delete(CHAOS)
    assert accounts_named(org, "Kept Ltd") == 1


def test_a_network_kind_hits_a_composite_request_whole_before_it_runs(org: Org) -> None:
    chaos(org, ["reset"])
    with pytest.raises(ConnectionDropped):
        composite(
            org,
            {"method": "POST", "url": f"{API}/sobjects/Account", "referenceId": "made",
             "body": {"Name": "Never Ltd"}},
        )  # fmt: skip
    org.client.delete(CHAOS)
    assert accounts_named(org, "Never Ltd") == 0
    assert injected(org)["reset"] == 1


@pytest.mark.parametrize("kind", ["reset", "timeout", "server_error", "session_expired"])
def test_whole_call_kinds_never_hit_a_subrequest(org: Org, kind: str) -> None:
    switch = SalesforceChaos(org.client.app, store=org.store, tokens=None)  # type: ignore[arg-type]
    subrequest = {"method": "GET", "path": f"{API}/sobjects/Account/{ACME}", SUBREQUEST: True}
    assert not switch.applies(kind, subrequest)
    assert switch.applies(kind, {**subrequest, SUBREQUEST: False})
