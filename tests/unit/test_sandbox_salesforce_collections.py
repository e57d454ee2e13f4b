"""sObject Collections on the stand-in: create, update, upsert, delete and retrieve
many records in one call, with one result per record in input order and
allOrNone rollback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.ids import salesforce_id
from tests.unit.test_sandbox_salesforce_helpers import API, Org, make_org, record, stored, user

COLLECTIONS = f"{API}/composite/sobjects"
ACME, GLOBEX = salesforce_id("Account", 1), salesforce_id("Account", 2)
ROLLED_BACK = {
    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "message": "Record rolled back because not all records were valid and the request was "
    "using AllOrNone header",
    "fields": [],
}


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    records = {
        "User": [user(1, "Kim", "Kam")],
        "Account": [
            record("Account", 1, Name="Acme Energy", External_Id__c="ACME-1"),
            record("Account", 2, Name="Globex", External_Id__c="GLX-2"),
            record("Account", 3, Name="Gone Ltd", IsDeleted=True),
        ],
        "Task": [
            record("Task", n, Subject=f"Twin {n}", Status="Open", Kamsync_Key__c="todo-7")
            for n in (1, 2)
        ],
    }
    org = make_org(tmp_path, records)
    yield org
    org.store.close()


def typed(sobject: str, **fields: Any) -> dict[str, Any]:
    return {"attributes": {"type": sobject}, **fields}


def send(org: Org, method: str, url: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = org.client.request(method, url, json=body, headers=org.headers)
    assert response.status_code == 200, response.text
    return list(response.json())


def names(org: Org) -> set[str]:
    return {row["Name"] for row in org.store.all("Account") if not row.get("IsDeleted")}


def test_create_answers_each_record_in_order(org: Org) -> None:
    results = send(
        org,
        "POST",
        COLLECTIONS,
        {
            "records": [
                typed("Account", Name="Initech"),
                typed("Account", Industry="Retail"),
                typed("Contact", LastName="Ng", AccountId=ACME),
            ]
        },
    )
    assert [result["success"] for result in results] == [True, False, True]
    assert results[1] == {
        "success": False,
        "errors": [
            {
                "statusCode": "REQUIRED_FIELD_MISSING",
                "message": "Required fields are missing: [Name]",
                "fields": ["Name"],
            }
        ],
    }
    assert results[0]["id"].startswith("001") and results[2]["id"].startswith("003")
    assert "Initech" in names(org) and org.store.count("Contact") == 1


def test_all_or_none_create_rolls_back_the_records_that_succeeded(org: Org) -> None:
    body = {
        "allOrNone": True,
        "records": [
            typed("Account", Name="Initech"),
            typed("Account", Name="Acme copy", External_Id__c="acme-1"),
        ],
    }
    results = send(org, "POST", COLLECTIONS, body)
    assert results[0] == {"success": False, "errors": [ROLLED_BACK]}
    assert results[1]["errors"][0]["statusCode"] == "DUPLICATE_VALUE"
    assert names(org) == {"Acme Energy", "Globex"}


def test_update_reports_bad_ids_per_record(org: Org) -> None:
    contact_id_for_an_account = salesforce_id("Contact", 9)
    results = send(
        org,
        "PATCH",
        COLLECTIONS,
        {
            "records": [
                typed("Account", id=ACME, Industry="Energy"),
                typed("Account", id=contact_id_for_an_account, Industry="Energy"),
                typed("Account", Industry="Energy"),
                typed("Account", id=salesforce_id("Account", 3), Industry="Energy"),
            ]
        },
    )
    assert results[0] == {"id": ACME, "success": True, "errors": []}
    assert [result["errors"][0]["statusCode"] for result in results[1:]] == [
        "MALFORMED_ID",
        "MISSING_ARGUMENT",
        "ENTITY_IS_DELETED",
    ]
    assert results[1]["errors"][0] == {
        "statusCode": "MALFORMED_ID",
        "message": f"Account ID: id value of incorrect type: {contact_id_for_an_account}",
        "fields": ["Id"],
    }
    assert stored(org, "Account", ACME)["Industry"] == "Energy"


def test_all_or_none_update_restores_the_records_it_changed(org: Org) -> None:
    before = stored(org, "Account", ACME)
    org.clock.now += timedelta(hours=1)
    results = send(
        org,
        "PATCH",
        COLLECTIONS,
        {
            "allOrNone": True,
            "records": [
                typed("Account", id=ACME, Name="Renamed"),
                typed("Account", id=GLOBEX, Name=None),
            ],
        },
    )
    assert results[0] == {"id": ACME, "success": False, "errors": [ROLLED_BACK]}
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert stored(org, "Account", ACME) == before


def test_upsert_creates_updates_and_flags_ambiguous_keys(org: Org) -> None:
    results = send(
        org,
        "PATCH",
        f"{COLLECTIONS}/Task/Kamsync_Key__c",
        {
            "records": [
                typed("Task", Kamsync_Key__c="todo-8", Subject="Call Acme"),
                typed("Task", Kamsync_Key__c="TODO-8", Subject="Call Acme today"),
                typed("Task", Kamsync_Key__c="todo-7", Subject="Ambiguous"),
                typed("Task", Subject="No key"),
            ]
        },
    )
    created = results[0]["id"]
    assert results[0] == {"id": created, "success": True, "errors": [], "created": True}
    assert results[1] == {"id": created, "success": True, "errors": [], "created": False}
    assert results[2]["errors"][0]["statusCode"] == "DUPLICATE_EXTERNAL_ID"
    assert results[3]["errors"][0]["statusCode"] == "MISSING_ARGUMENT"
    assert stored(org, "Task", created)["Subject"] == "Call Acme today"


def test_delete_takes_ids_in_the_query_string(org: Org) -> None:
    ids = f"{ACME},{salesforce_id('Account', 3)},not-an-id"
    response = org.client.delete(COLLECTIONS, params={"ids": ids}, headers=org.headers)
    results = response.json()
    assert results[0] == {"id": ACME, "success": True, "errors": []}
    assert [result["errors"][0]["statusCode"] for result in results[1:]] == [
        "ENTITY_IS_DELETED",
        "MALFORMED_ID",
    ]
    assert names(org) == {"Globex"}


def test_all_or_none_delete_deletes_nothing_when_one_id_fails(org: Org) -> None:
    params = {"ids": f"{ACME},{GLOBEX},{salesforce_id('Account', 3)}", "allOrNone": "true"}
    results = org.client.delete(COLLECTIONS, params=params, headers=org.headers).json()
    assert [result.get("id") for result in results[:2]] == [ACME, GLOBEX]
    assert names(org) == {"Acme Energy", "Globex"}


def test_retrieve_returns_records_in_id_order_with_null_for_missing(org: Org) -> None:
    ids = [GLOBEX, salesforce_id("Account", 3), ACME]
    by_get = org.client.get(
        f"{COLLECTIONS}/Account",
        params={"ids": ",".join(ids), "fields": "Name,External_Id__c"},
        headers=org.headers,
    ).json()
    assert [row and row["Name"] for row in by_get] == ["Globex", None, "Acme Energy"]
    assert by_get[0] == {
        "attributes": {"type": "Account", "url": f"{API}/sobjects/Account/{GLOBEX}"},
        "Name": "Globex",
        "External_Id__c": "GLX-2",
    }
    by_post = send(
        org, "POST", f"{COLLECTIONS}/Account", {"ids": ids, "fields": ["Name", "External_Id__c"]}
    )
    assert by_post == by_get


def test_more_than_200_records_are_refused_whole(org: Org) -> None:
    records = [typed("Account", Name=f"Account {n}") for n in range(201)]
    response = org.client.post(COLLECTIONS, json={"records": records}, headers=org.headers)
    assert (response.status_code, response.json()) == (
        400,
        [
            {
                "message": "record limit reached. cannot submit more than 200 records into "
                "this call",
                "errorCode": "EXCEEDED_ID_LIMIT",
            }
        ],
    )
    assert org.store.count("Account") == 3


def test_200_records_are_written_and_readable_by_query(org: Org) -> None:
    records = [typed("Account", Name=f"Batch {n:03d}", External_Id__c=f"B-{n}") for n in range(200)]
    results = send(org, "PATCH", f"{COLLECTIONS}/Account/External_Id__c", {"records": records})
    assert all(result["created"] for result in results)
    assert len({result["id"] for result in results}) == 200
    counted = org.query("SELECT COUNT() FROM Account WHERE Name LIKE 'Batch%'").json()
    assert counted["totalSize"] == 200


def broken_json(org: Org) -> httpx.Response:
    return org.client.post(COLLECTIONS, content=b"{", headers=org.headers)


def test_malformed_requests_are_json_parser_errors(org: Org) -> None:
    assert broken_json(org).json()[0]["errorCode"] == "JSON_PARSER_ERROR"
    untyped = org.client.post(COLLECTIONS, json={"records": [{"Name": "X"}]}, headers=org.headers)
    assert (untyped.status_code, untyped.json()[0]["errorCode"]) == (400, "JSON_PARSER_ERROR")
