"""Pulls under the faults a real org throws: each ends with the mirror equal to the org."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

from config.settings import Settings
from connectors.salesforce import objects_for, plan_pull, pull_object
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
    assert result.mirrored == result.in_org > 0
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
        {key: (None if pd.isna(value) else value) for key, value in row.items()}
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
