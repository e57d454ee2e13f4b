"""sObject Rows by External ID on the stand-in: upsert (201 created / 200 updated),
read and delete by an external id, 300 for a value several records hold, and
external ids kept unique on every write."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.ids import salesforce_id
from tests.unit.test_sandbox_salesforce_helpers import API, Org, make_org, record, user

ACME = salesforce_id("Account", 1)
TWINS = [salesforce_id("Task", 1), salesforce_id("Task", 2)]


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    records = {
        "User": [user(1, "Kim", "Kam")],
        "Account": [record("Account", 1, Name="Acme Energy", External_Id__c="ACME-1")],
        # a value two records hold (data loaded before the field was made unique)
        "Task": [
            record("Task", n, Subject=f"Twin {n}", Status="Open", Kamsync_Key__c="todo-7")
            for n in (1, 2)
        ],
    }
    org = make_org(tmp_path, records)
    yield org
    org.store.close()


def upsert(org: Org, path: str, body: dict[str, Any]) -> httpx.Response:
    return org.client.patch(f"{API}/sobjects/{path}", json=body, headers=org.headers)


def get(org: Org, path: str) -> httpx.Response:
    return org.client.get(f"{API}/sobjects/{path}", headers=org.headers)


def test_an_unknown_value_creates_the_record_with_that_external_id(org: Org) -> None:
    response = upsert(org, "Account/External_Id__c/NW-9", {"Name": "Northwind"})
    assert response.status_code == 201
    body = response.json()
    assert body == {"id": body["id"], "success": True, "errors": [], "created": True}
    assert response.headers["Location"] == f"{API}/sobjects/Account/{body['id']}"
    created = get(org, "Account/External_Id__c/NW-9").json()
    assert (created["Id"], created["Name"], created["External_Id__c"]) == (
        body["id"],
        "Northwind",
        "NW-9",
    )


def test_a_known_value_updates_its_record_matching_without_case(org: Org) -> None:
    org.clock.now += timedelta(hours=1)
    response = upsert(org, "account/external_id__c/acme-1", {"Industry": "Energy"})
    assert (response.status_code, response.json()) == (
        200,
        {"id": ACME, "success": True, "errors": [], "created": False},
    )
    account = get(org, f"Account/{ACME}").json()
    assert (account["Industry"], account["External_Id__c"]) == ("Energy", "ACME-1")
    assert account["LastModifiedDate"] == "2026-05-14T13:00:00.000+0000"
    assert org.store.count("Account") == 1


def test_a_value_several_records_hold_answers_300_with_their_urls(org: Org) -> None:
    expected = [f"{API}/sobjects/Task/{task_id}" for task_id in TWINS]
    changed = upsert(org, "Task/Kamsync_Key__c/todo-7", {"Status": "Completed"})
    assert (changed.status_code, changed.json()) == (300, expected)
    read = get(org, "Task/Kamsync_Key__c/TODO-7")
    assert (read.status_code, read.json()) == (300, expected)
    assert {task["Status"] for task in org.store.all("Task")} == {"Open"}


@pytest.mark.parametrize("field", ["Name", "No_Such_Field__c"])
def test_only_external_id_fields_address_records(org: Org, field: str) -> None:
    response = upsert(org, f"Account/{field}/Acme Energy", {"Industry": "Energy"})
    assert (response.status_code, response.json()) == (
        404,
        [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}],
    )


def test_the_url_key_may_not_be_repeated_in_the_body(org: Org) -> None:
    response = upsert(org, "Account/External_Id__c/NW-9", {"Name": "X", "External_Id__c": "NW-9"})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_FIELD"
    assert org.store.count("Account") == 1


def test_external_ids_stay_unique_on_create_and_update(org: Org) -> None:
    duplicate = org.client.post(
        f"{API}/sobjects/Account",
        json={"Name": "Acme copy", "External_Id__c": "acme-1"},
        headers=org.headers,
    )
    assert (duplicate.status_code, duplicate.json()) == (
        400,
        [
            {
                "message": "duplicate value found: External_Id__c duplicates value on record "
                f"with id: {ACME}",
                "errorCode": "DUPLICATE_VALUE",
                "fields": [],
            }
        ],
    )
    other = upsert(org, "Account/External_Id__c/NW-9", {"Name": "Northwind"}).json()["id"]
    clash = org.client.patch(
        f"{API}/sobjects/Account/{other}", json={"External_Id__c": "ACME-1"}, headers=org.headers
    )
    assert clash.json()[0]["errorCode"] == "DUPLICATE_VALUE"


def test_delete_by_external_id_frees_the_value(org: Org) -> None:
    deleted = org.client.delete(
        f"{API}/sobjects/Account/External_Id__c/ACME-1", headers=org.headers
    )
    assert deleted.status_code == 204
    assert get(org, "Account/External_Id__c/ACME-1").status_code == 404
    recreated = upsert(org, "Account/External_Id__c/ACME-1", {"Name": "Acme again"})
    assert recreated.status_code == 201 and recreated.json()["id"] != ACME


def test_read_by_external_id_honours_fields(org: Org) -> None:
    account = get(org, "Account/External_Id__c/ACME-1?fields=Name").json()
    assert account == {
        "attributes": {"type": "Account", "url": f"{API}/sobjects/Account/{ACME}"},
        "Name": "Acme Energy",
    }
