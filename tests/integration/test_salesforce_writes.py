"""Writes through sObject Collections in Composite: idempotent upserts, per-record errors."""

from __future__ import annotations

import pytest

from config.settings import Settings
from connectors.salesforce import SalesforceClient, update_records, upsert_records

pytestmark = pytest.mark.integration


def _tasks(client: SalesforceClient, key_prefix: str) -> list[dict[str, object]]:
    return client.sf.query_all(
        f"SELECT Id, Subject, Kamsync_Key__c FROM Task WHERE Kamsync_Key__c LIKE '{key_prefix}%'"
    )["records"]


def test_upserting_twice_by_kamsync_key_creates_once_and_costs_one_call_per_thousand(
    sandbox_settings: Settings,
) -> None:
    client = SalesforceClient(sandbox_settings.salesforce)
    records = [
        {"Kamsync_Key__c": f"meeting-{n:04d}", "Subject": f"QBR {n}", "Status": "Completed",
         "Priority": "Normal"}
        for n in range(450)
    ]  # fmt: skip
    calls_before = client.calls
    first = upsert_records(client, "Task", "Kamsync_Key__c", records)
    assert client.calls - calls_before == 1, "450 records: three collections, one composite"
    assert all(result.success and result.created for result in first)
    renamed = [{**record, "Subject": f"{record['Subject']} (moved)"} for record in records]
    second = upsert_records(client, "Task", "Kamsync_Key__c", renamed)
    assert all(result.success and result.created is False for result in second)
    assert [result.id for result in second] == [result.id for result in first]
    stored = _tasks(client, "meeting-")
    assert len(stored) == 450
    assert all(str(row["Subject"]).endswith("(moved)") for row in stored)


def test_a_bad_record_fails_alone_and_says_why(sandbox_settings: Settings) -> None:
    client = SalesforceClient(sandbox_settings.salesforce)
    records = [
        {"Kamsync_Key__c": "call-1", "Subject": "Call", "Status": "Not Started",
         "Priority": "Normal"},
        {"Kamsync_Key__c": "call-2", "Subject": "Call", "Status": "Not Started",
         "Priority": "Normal", "No_Such_Field__c": 1},
        {"Kamsync_Key__c": "call-3", "Subject": "Call", "Status": "Not Started",
         "Priority": "Normal"},
    ]  # fmt: skip
    results = upsert_records(client, "Task", "Kamsync_Key__c", records)
    assert [result.success for result in results] == [True, False, True]
    assert "No_Such_Field__c" in " ".join(results[1].errors)
    updated = update_records(client, "Task", [{"Id": results[0].id, "Subject": "Call back"}])
    assert updated[0].success
