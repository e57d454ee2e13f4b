"""Pulls under the faults a real org throws: each ends with the mirror equal to the org."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

from config.settings import Settings
from connectors.errors import RetriableError
from connectors.salesforce import (
    SalesforceClient,
    objects_for,
    plan_pull,
    pull_object,
    upsert_records,
)
from flows.pull_salesforce import (
    ObjectPull,
    pull_salesforce,
    pull_salesforce_object,
    verify_salesforce,
)
from flows.runtime import Runtime
from tests.integration.stores import Runtimes, StoreUrls

pytestmark = pytest.mark.integration


@pytest.fixture
def control(sandbox: dict[str, Any], trust_sandbox: None) -> Iterator[str]:
    """The sandbox's test-control root; faults and limits are reset afterwards."""
    root = sandbox["salesforce"]["instance_url"] + "/_sandbox/salesforce"
    yield root
    requests.delete(f"{root}/faults", timeout=10)
    requests.put(f"{root}/limits", json={"daily_api_limit": 100_000, "used": 0}, timeout=10)


def _pull(runtime: Runtime, name: str) -> ObjectPull:
    """One object's pull and its check against the org, as a cycle runs them."""
    pulled = pull_salesforce_object.fn(runtime, _spec(runtime, name))
    return verify_salesforce.fn(runtime, [pulled])[0]


def _spec(runtime: Runtime, name: str) -> Any:
    return next(spec for spec in objects_for(runtime.settings) if spec.name == name)


def _fault(control: str, **fault: Any) -> None:
    requests.post(f"{control}/faults", json=fault, timeout=10).raise_for_status()


def test_query_timeouts_split_the_window_until_it_passes(
    sandbox_settings: Settings, control: str, store_url: str, runtimes: Runtimes
) -> None:
    runtime = runtimes.on(sandbox_settings, store_url)
    _fault(control, kind="query_timeout", object="Task", times=50, min_span_days=20)
    result = _pull(runtime, "Task")
    assert result.mode == "full"
    assert result.mirrored == result.in_org
    assert result.mirrored > 0
    assert result.repaired == 0


def test_bulk_pull_mirrors_the_same_records_as_rest(
    sandbox_settings: Settings, store_urls: StoreUrls, runtimes: Runtimes
) -> None:
    by_rest = runtimes.on(sandbox_settings, store_urls("rest"))
    by_bulk = runtimes.on(sandbox_settings, store_urls("bulk"), bulk_threshold=1)
    rest = _pull(by_rest, "Contact")
    bulk = _pull(by_bulk, "Contact")
    assert (rest.via, bulk.via) == ("rest", "bulk")
    assert bulk.mirrored == bulk.in_org == rest.mirrored
    assert _records(by_bulk) == _records(by_rest)


def _records(runtime: Runtime) -> list[dict[str, Any]]:
    """Mirrored Contacts as plain values (empty = None), in Id order."""
    frame = runtime.store.read_table("salesforce", "Contact").sort_values("Id")
    return [
        {str(key): (None if pd.isna(value) else value) for key, value in row.items()}
        for row in frame.to_dict("records")
    ]


def test_a_failed_bulk_job_falls_back_to_rest(
    sandbox_settings: Settings, control: str, store_url: str, runtimes: Runtimes
) -> None:
    runtime = runtimes.on(sandbox_settings, store_url, bulk_threshold=1)
    _fault(control, kind="bulk_job_failure", object="Contact", times=1)
    result = _pull(runtime, "Contact")
    assert result.via == "rest"
    assert result.mirrored == result.in_org


def test_a_session_that_expires_between_pages_is_renewed(
    sandbox_settings: Settings, control: str, tmp_path: Path, runtimes: Runtimes
) -> None:
    # Pages from the client, no store: one backend is enough.
    store_url = f"sqlite:///{tmp_path / 'kamsync.db'}"
    runtime = runtimes.on(sandbox_settings, store_url, query_batch_size=200)
    client = runtime.salesforce
    plan = plan_pull(client.describe("OpportunityLineItem"), ["OpportunityId"])
    batches = pull_object(client, plan, None)
    first = next(batches)
    requests.post(f"{control}/tokens/expire", timeout=10).raise_for_status()
    rest = list(batches)
    ids = set(first.records["Id"]) | {row for batch in rest for row in batch.records["Id"]}
    assert rest, "more than one page"
    assert len(ids) == sum(len(batch.records) for batch in [first, *rest])
    assert len(ids) == client.count("SELECT COUNT() FROM OpportunityLineItem")


def test_the_daily_budget_stops_the_pull_and_the_next_run_completes_it(
    sandbox_settings: Settings, control: str, store_url: str, runtimes: Runtimes
) -> None:
    requests.put(f"{control}/limits", json={"daily_api_limit": 200, "used": 0}, timeout=10)
    runtime = runtimes.on(sandbox_settings, store_url, api_budget_share=0.05)  # 10 calls a day
    first = pull_salesforce(runtime)
    assert "budget" in {pull.mode for pull in first}
    assert runtime.salesforce.calls <= 10
    requests.put(f"{control}/limits", json={"daily_api_limit": 100_000, "used": 0}, timeout=10)
    rerun = runtimes.on(sandbox_settings, store_url)
    second = pull_salesforce(rerun)
    assert all(pull.mode in ("full", "incremental") for pull in second)
    assert all(pull.mirrored == pull.in_org for pull in second)


def test_request_limit_exceeded_is_a_clean_stop(
    sandbox_settings: Settings, control: str, store_url: str, runtimes: Runtimes
) -> None:
    requests.put(f"{control}/limits", json={"daily_api_limit": 1000, "used": 998}, timeout=10)
    runtime = runtimes.on(sandbox_settings, store_url, api_budget_share=1.0)
    result = _pull(runtime, "Account")
    assert result.mode == "budget"
    assert "resumes next run" in result.note


def _armed(control: str) -> list[dict[str, Any]]:
    """Faults still armed (a fault the client met is spent and gone)."""
    faults: list[dict[str, Any]] = requests.get(f"{control}/faults", timeout=10).json()["faults"]
    return faults


def _client(settings: Settings, **changes: Any) -> SalesforceClient:
    client = SalesforceClient(settings.salesforce.model_copy(update=changes))
    client.sleep = lambda seconds: None  # back-off waits play no part in what is checked
    return client


def test_server_errors_500_and_503_are_retried_until_the_org_answers(
    sandbox_settings: Settings, control: str
) -> None:
    client = _client(sandbox_settings)
    _fault(control, kind="server_error", status=503, times=2)
    _fault(control, kind="server_error", status=500, times=1)
    assert client.count("SELECT COUNT() FROM Account") > 0
    assert _armed(control) == []


def test_a_server_that_stays_down_ends_in_a_retriable_error_naming_the_call(
    sandbox_settings: Settings, control: str
) -> None:
    client = _client(sandbox_settings)
    _fault(control, kind="server_error", status=503, times=50)
    with pytest.raises(RetriableError, match=r"count of Account failed after 5 tries.*503"):
        client.count("SELECT COUNT() FROM Account")


def test_a_locked_row_fails_its_collection_alone_and_is_written_on_retry(
    sandbox_settings: Settings, control: str
) -> None:
    client = _client(sandbox_settings)
    # The Composite request itself passes; its Task collection sub-request is refused twice.
    _fault(control, kind="unable_to_lock_row", object="Task", times=2)
    records = [
        {"Kamsync_Key__c": f"policy-lock-{n}", "Subject": f"Call {n}", "Status": "Not Started",
         "Priority": "Normal"}
        for n in range(3)
    ]  # fmt: skip
    results = upsert_records(client, "Task", "Kamsync_Key__c", records)
    assert all(result.success for result in results), [result.errors for result in results]
    assert _armed(control) == []
    assert client.count(_tasks_keyed("policy-lock-")) == 3


def _tasks_keyed(prefix: str) -> str:
    return f"SELECT COUNT() FROM Task WHERE Kamsync_Key__c LIKE '{prefix}%'"


def test_a_session_that_expires_mid_run_is_renewed_once(
    sandbox_settings: Settings, control: str
) -> None:
    client = _client(sandbox_settings)
    renewals: list[int] = []
    renew = client.renew

    def counted_renew() -> None:
        renewals.append(1)
        renew()

    client.renew = counted_renew  # type: ignore[method-assign]
    before = client.count("SELECT COUNT() FROM Contact")
    requests.post(f"{control}/tokens/expire", timeout=10).raise_for_status()
    assert client.count("SELECT COUNT() FROM Contact") == before
    assert client.count("SELECT COUNT() FROM Account") > 0
    assert renewals == [1]


def test_a_failed_bulk_job_says_why_and_rest_reads_the_window(
    sandbox_settings: Settings, control: str
) -> None:
    client = _client(sandbox_settings)
    _fault(control, kind="bulk_job_failure", object="Contact", message="InvalidBatch: too big")
    plan = plan_pull(client.describe("Contact"), ["AccountId"])
    reasons: list[str] = []
    batches = list(pull_object(client, plan, None, bulk_threshold=1, on_fallback=reasons.append))
    assert {batch.via for batch in batches} == {"rest"}
    assert sum(len(batch.records) for batch in batches) == client.count(
        "SELECT COUNT() FROM Contact"
    )
    assert len(reasons) == 1 and "InvalidBatch: too big" in reasons[0]
    assert "REST" in reasons[0]


def test_a_query_timeout_in_one_composite_sub_request_leaves_the_others_and_the_pull_completes(
    sandbox_settings: Settings, control: str, tmp_path: Path, runtimes: Runtimes
) -> None:
    runtime = runtimes.on(sandbox_settings, f"sqlite:///{tmp_path / 'kamsync.db'}")
    pull_salesforce(runtime)  # full: the next run is incremental and reads first pages ahead
    _fault(control, kind="query_timeout", object="Task", times=1)
    rerun = runtimes.on(sandbox_settings, f"sqlite:///{tmp_path / 'kamsync.db'}")
    pulls = pull_salesforce(rerun)
    assert _armed(control) == [], "the Task query ahead of the pulls timed out"
    assert {pull.mode for pull in pulls} == {"incremental"}
    assert all(pull.mirrored == pull.in_org for pull in pulls)


def test_a_connection_reset_is_retried(sandbox_settings: Settings, control: str) -> None:
    client = _client(sandbox_settings)
    _fault(control, kind="reset", method="GET", path="/query/?$", times=2)
    assert client.count("SELECT COUNT() FROM Account") > 0
    assert _armed(control) == []


def test_a_read_timeout_is_retried(sandbox_settings: Settings, control: str) -> None:
    client = _client(sandbox_settings, timeout_seconds=1.0)
    _fault(control, kind="timeout", method="GET", path="/query/?$", delay_seconds=3, times=1)
    assert client.count("SELECT COUNT() FROM Account") > 0
    assert _armed(control) == []


def test_a_write_whose_answer_was_lost_is_retried_without_a_duplicate(
    sandbox_settings: Settings, control: str
) -> None:
    client = _client(sandbox_settings)
    # The Composite upsert runs, then the connection drops before the answer.
    _fault(control, kind="reset", method="POST", path="/composite$", after=True, times=1)
    records = [
        {"Kamsync_Key__c": f"policy-reset-{n}", "Subject": f"Visit {n}", "Status": "Completed",
         "Priority": "Normal"}
        for n in range(4)
    ]  # fmt: skip
    results = upsert_records(client, "Task", "Kamsync_Key__c", records)
    assert all(result.success for result in results)
    assert _armed(control) == []
    assert client.count(_tasks_keyed("policy-reset-")) == 4
