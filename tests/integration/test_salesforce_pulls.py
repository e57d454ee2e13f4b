"""Pulls as the cycle runs them: incremental, deletes, repairs, formulas — nothing lost."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from simple_salesforce import Salesforce

from config.loader import load_settings
from config.settings import Settings
from connectors.salesforce import ObjectSpec, objects_for, plan_pull, pull_object
from flows.pull_salesforce import (
    ObjectPull,
    pull_salesforce,
    pull_salesforce_object,
    verify_salesforce,
)
from flows.runtime import Runtime
from tests.conftest import start_sandbox
from tests.integration.stores import Runtimes, StoreUrls

pytestmark = pytest.mark.integration


@pytest.fixture
def runtime(sandbox_settings: Settings, store_url: str, runtimes: Runtimes) -> Runtime:
    return runtimes.on(sandbox_settings, store_url)


@pytest.fixture
def own_runtime(
    store_url: str, runtimes: Runtimes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Runtime]:
    """A runtime on a tiny sandbox of its own, for a test whose org change the next pull's
    overlap window must not find beside another (its run on the other store backend, say)."""
    with start_sandbox(tmp_path / "sandbox") as process:
        for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
            monkeypatch.setenv(name, process.info["ca_bundle"])
        yield runtimes.on(load_settings(process.info["config"]), store_url)


def _pull(runtime: Runtime, name: str) -> ObjectPull:
    """One object's pull and its check against the org, as a cycle runs them."""
    pulled = pull_salesforce_object.fn(runtime, _spec(runtime, name))
    return verify_salesforce.fn(runtime, [pulled])[0]


def _spec(runtime: Runtime, name: str) -> ObjectSpec:
    return next(spec for spec in objects_for(runtime.settings) if spec.name == name)


def _org(runtime: Runtime) -> Salesforce:
    client = runtime.salesforce
    return Salesforce(
        instance_url=client.instance_url,
        session_id=client._session.access_token,
        version=runtime.settings.salesforce.api_version,
    )


def _live_ids(runtime: Runtime, name: str) -> set[str]:
    return set(runtime.store.read_table("salesforce", name)["Id"])


def test_first_pull_is_full_and_complete_then_only_changes_are_read(runtime: Runtime) -> None:
    first = _pull(runtime, "Contact")
    assert first.mode == "full"
    assert first.mirrored == first.in_org == first.pulled
    _org(runtime).Contact.create({"LastName": "Newcomer", "Email": "new@client.example"})
    second = _pull(runtime, "Contact")
    assert second.mode == "incremental"
    assert 1 <= second.pulled < first.pulled
    assert second.mirrored == second.in_org == first.mirrored + 1


def test_a_record_deleted_in_the_org_leaves_the_mirror(own_runtime: Runtime) -> None:
    runtime = own_runtime
    _pull(runtime, "Case")
    victim = sorted(_live_ids(runtime, "Case"))[0]
    _org(runtime).Case.delete(victim)
    result = _pull(runtime, "Case")
    assert result.deleted == 1
    assert victim not in _live_ids(runtime, "Case")
    assert result.mirrored == result.in_org
    again = _pull(runtime, "Case")  # its overlap window reads the deleted row once more
    assert again.deleted == 0, "a deletion is counted once"
    assert victim not in _live_ids(runtime, "Case")


def _oldest(runtime: Runtime, name: str) -> str:
    """A record no overlap window re-reads (the least recently modified)."""
    table = runtime.store.read_table("salesforce", name)
    return str(table.sort_values("SystemModstamp")["Id"].iloc[0])


def _make_check_due(runtime: Runtime, name: str) -> None:
    runtime.store.mark_deleted(
        "salesforce", name, [], watermark=(f"salesforce:{name}:ids-checked", "2000-01-01")
    )


def test_a_record_the_pulls_missed_is_found_by_the_count_check(runtime: Runtime) -> None:
    _pull(runtime, "Contract")
    missed = _oldest(runtime, "Contract")
    runtime.store.mark_deleted("salesforce", "Contract", [missed])
    result = _pull(runtime, "Contract")
    assert result.repaired == 1
    assert missed in _live_ids(runtime, "Contract")
    assert result.mirrored == result.in_org


def test_drift_the_counts_hide_is_found_by_the_periodic_id_check(runtime: Runtime) -> None:
    """One record missed and one deleted longer ago than getDeleted reaches: counts agree."""
    _pull(runtime, "Contract")
    store = runtime.store
    missed = _oldest(runtime, "Contract")
    store.mark_deleted("salesforce", "Contract", [missed])
    ghost = store.read_table("salesforce", "Contract").iloc[[0]].assign(Id="800Kz0000GHOST0001AAA")
    store.upsert_records("salesforce", "Contract", ghost)
    _make_check_due(runtime, "Contract")
    result = _pull(runtime, "Contract")
    assert result.repaired == 2
    assert missed in _live_ids(runtime, "Contract")
    assert "800Kz0000GHOST0001AAA" not in _live_ids(runtime, "Contract")
    assert result.mirrored == result.in_org


def test_a_formula_change_reaches_the_mirror_at_the_periodic_check(runtime: Runtime) -> None:
    _pull(runtime, "Opportunity")
    opportunities = runtime.store.read_table("salesforce", "Opportunity")
    target = opportunities[opportunities["Account_Segment__c"] != "Strategic"].iloc[0]
    _org(runtime).Account.update(target["AccountId"], {"Key_Account__c": True})
    # The Opportunity's SystemModstamp did not move: an incremental read cannot see it ...
    _pull(runtime, "Opportunity")
    # ... the periodic check (made due here) re-reads formula fields.
    runtime.store.mark_deleted(
        "salesforce",
        "Opportunity",
        [],
        watermark=("salesforce:Opportunity:ids-checked", "2000-01-01"),
    )
    result = _pull(runtime, "Opportunity")
    assert result.repaired >= 1
    mirrored = runtime.store.read_table("salesforce", "Opportunity").set_index("Id")
    assert mirrored.loc[target["Id"], "Account_Segment__c"] == "Strategic"


def test_records_modified_during_a_pull_are_right_after_the_next_run(
    sandbox_settings: Settings, store_url: str, runtimes: Runtimes
) -> None:
    runtime = runtimes.on(sandbox_settings, store_url, query_batch_size=200)
    org = _org(runtime)
    spec = _spec(runtime, "OpportunityLineItem")
    plan = plan_pull(runtime.salesforce.describe(spec.name), spec.fields)
    batches = pull_object(runtime.salesforce, plan, None)
    first = next(batches)
    runtime.store.upsert_records("salesforce", spec.name, first.records)
    already_read = str(first.records["Id"].iloc[0])
    org.OpportunityLineItem.update(already_read, {"Quantity": 777})
    rest = list(batches)
    stream = f"salesforce:{spec.name}"
    for batch in rest:
        assert batch.watermark is not None
        runtime.store.upsert_records(
            "salesforce", spec.name, batch.records, watermark=(stream, batch.watermark)
        )
    assert rest, "the object spans several pages"
    _pull(runtime, spec.name)
    mirrored = runtime.store.read_table("salesforce", spec.name).set_index("Id")
    assert mirrored.loc[already_read, "Quantity"] == 777
    assert len(mirrored) == runtime.salesforce.count(f"SELECT COUNT() FROM {spec.name}")


def test_objects_pulled_at_once_mirror_and_count_as_one_at_a_time(
    sandbox_settings: Settings, store_urls: StoreUrls, runtimes: Runtimes
) -> None:
    """`[runtime] max_workers` objects at a time: the same mirror, and each object's API
    calls its own (the client is shared by the threads)."""
    pulls = {}
    for workers in (1, 4):
        options = sandbox_settings.runtime.model_copy(update={"max_workers": workers})
        settings = sandbox_settings.model_copy(update={"runtime": options})
        pulls[workers] = pull_salesforce(runtimes.on(settings, store_urls(f"workers-{workers}")))
    one_at_a_time, at_once = pulls[1], pulls[4]
    assert [pull.object_name for pull in at_once] == [pull.object_name for pull in one_at_a_time]
    assert [(p.mode, p.mirrored, p.in_org, p.api_calls) for p in at_once] == [
        (p.mode, p.mirrored, p.in_org, p.api_calls) for p in one_at_a_time
    ]
    assert all(pull.mirrored == pull.in_org for pull in at_once)
