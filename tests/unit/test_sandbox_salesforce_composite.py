"""The Composite resource on the stand-in: subrequests in order with @{reference}
chaining, allOrNone rollback with PROCESSING_HALTED, sObject Collections and
queries inside, and request-level validation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.ids import salesforce_id
from tests.unit.test_sandbox_salesforce_helpers import API, Org, make_org, record, stored, user

ACME = salesforce_id("Account", 1)
HALTED = {
    "errorCode": "PROCESSING_HALTED",
    "message": "The transaction was rolled back since another operation in the same "
    "transaction failed.",
}


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    records = {
        "User": [user(1, "Kim", "Kam")],
        "Account": [record("Account", 1, Name="Acme Energy", External_Id__c="ACME-1")],
    }
    org = make_org(tmp_path, records)
    yield org
    org.store.close()


def sub(method: str, url: str, reference_id: str, body: Any = None) -> dict[str, Any]:
    request = {"method": method, "url": f"{API}{url}", "referenceId": reference_id}
    return request if body is None else {**request, "body": body}


def composite(org: Org, *subrequests: dict[str, Any], all_or_none: bool = False) -> list[dict]:
    response = org.client.post(
        f"{API}/composite",
        json={"allOrNone": all_or_none, "compositeRequest": list(subrequests)},
        headers=org.headers,
    )
    assert response.status_code == 200, response.text
    return list(response.json()["compositeResponse"])


def live_names(org: Org, sobject: str, field: str = "Name") -> list[str]:
    return sorted(row[field] for row in org.store.all(sobject) if not row.get("IsDeleted"))


def test_later_subrequests_use_earlier_results(org: Org) -> None:
    results = composite(
        org,
        sub("POST", "/sobjects/Account", "newAccount", {"Name": "Northwind"}),
        sub("GET", "/sobjects/Account/@{newAccount.id}?fields=Name", "accountRead"),
        sub(
            "POST",
            "/sobjects/Contact",
            "newContact",
            {
                "LastName": "Ng",
                "AccountId": "@{newAccount.id}",
                "Title": "Buyer at @{accountRead.Name}",
            },
        ),
        sub("GET", "/query?q=SELECT Id, AccountId FROM Contact WHERE Title LIKE 'Buyer%'", "found"),
        sub(
            "POST",
            "/composite/sobjects",
            "tasks",
            {
                "records": [
                    {
                        "attributes": {"type": "Task"},
                        "Subject": "Call",
                        "WhoId": "@{found.records[0].Id}",
                    }
                ]
            },
        ),
    )
    new_account = results[0]["body"]["id"]
    assert [result["httpStatusCode"] for result in results] == [201, 200, 201, 200, 200]
    assert results[0]["httpHeaders"] == {"Location": f"{API}/sobjects/Account/{new_account}"}
    assert [result["referenceId"] for result in results] == [
        "newAccount",
        "accountRead",
        "newContact",
        "found",
        "tasks",
    ]
    contact = stored(org, "Contact", results[2]["body"]["id"])
    assert (contact["AccountId"], contact["Title"]) == (new_account, "Buyer at Northwind")
    task = stored(org, "Task", results[4]["body"][0]["id"])
    assert (task["WhoId"], task["AccountId"]) == (contact["Id"], new_account)


def test_all_or_none_rolls_back_earlier_writes_and_halts_the_rest(org: Org) -> None:
    results = composite(
        org,
        sub("POST", "/sobjects/Account", "first", {"Name": "Northwind"}),
        sub("PATCH", f"/sobjects/Account/{ACME}", "rename", {"Name": "Acme Renamed"}),
        sub("POST", "/sobjects/Contact", "bad", {"FirstName": "No last name"}),
        sub("POST", "/sobjects/Account", "after", {"Name": "Initech"}),
        all_or_none=True,
    )
    assert [result["httpStatusCode"] for result in results] == [400, 400, 400, 400]
    assert results[0]["body"] == results[1]["body"] == results[3]["body"] == [HALTED]
    assert results[2]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert live_names(org, "Account") == ["Acme Energy"]
    assert org.store.count("Contact") == 0


def test_without_all_or_none_only_dependent_subrequests_fail(org: Org) -> None:
    results = composite(
        org,
        sub("POST", "/sobjects/Account", "bad", {"Industry": "Retail"}),
        sub("POST", "/sobjects/Contact", "dependent", {"LastName": "Ng", "AccountId": "@{bad.id}"}),
        sub("POST", "/sobjects/Account", "independent", {"Name": "Initech"}),
    )
    assert [result["httpStatusCode"] for result in results] == [400, 400, 201]
    halted = results[1]["body"][0]
    assert halted["errorCode"] == "PROCESSING_HALTED"
    assert halted["message"].startswith(
        "Invalid reference specified. No value for bad.id found in bad."
    )
    assert live_names(org, "Account") == ["Acme Energy", "Initech"]


def test_a_collection_with_a_failed_record_fails_an_all_or_none_composite(org: Org) -> None:
    records = [
        {"attributes": {"type": "Account"}, "Name": "Northwind"},
        {"attributes": {"type": "Account"}, "Name": "Acme copy", "External_Id__c": "acme-1"},
    ]
    results = composite(
        org,
        sub("POST", "/composite/sobjects", "accounts", {"allOrNone": False, "records": records}),
        sub("POST", "/sobjects/Contact", "contact", {"LastName": "Ng"}),
        all_or_none=True,
    )
    collection = results[0]
    assert collection["httpStatusCode"] == 200
    assert [item["success"] for item in collection["body"]] == [True, False]
    assert results[1] == {
        "body": [HALTED],
        "httpHeaders": {},
        "httpStatusCode": 400,
        "referenceId": "contact",
    }
    assert live_names(org, "Account") == ["Acme Energy"]


def test_upserts_and_updates_answer_as_on_their_own(org: Org) -> None:
    results = composite(
        org,
        sub("PATCH", "/sobjects/Account/External_Id__c/ACME-1", "upsert", {"Industry": "Energy"}),
        sub("PATCH", f"/sobjects/Account/{ACME}", "update", {"Phone": "555-0100"}),
        sub("GET", "/limits", "notServed"),
    )
    assert results[0]["body"] == {"id": ACME, "success": True, "errors": [], "created": False}
    assert (results[1]["httpStatusCode"], results[1]["body"]) == (204, None)
    assert results[2]["httpStatusCode"] == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"compositeRequest": [{"method": "GET", "url": f"{API}/sobjects/Account"}]},
            "'referenceId' is a required field.",
        ),
        ({"allOrNone": True}, "'compositeRequest' is a required field."),
    ],
)
def test_malformed_requests_are_refused_whole(org: Org, body: dict, message: str) -> None:
    response = org.client.post(f"{API}/composite", json=body, headers=org.headers)
    assert (response.status_code, response.json()) == (
        400,
        [{"message": message, "errorCode": "JSON_PARSER_ERROR"}],
    )


def test_more_than_25_subrequests_are_refused_before_any_runs(org: Org) -> None:
    subrequests = [
        sub("POST", "/sobjects/Account", f"account{n}", {"Name": f"Account {n}"}) for n in range(26)
    ]
    response = org.client.post(
        f"{API}/composite", json={"compositeRequest": subrequests}, headers=org.headers
    )
    assert response.status_code == 400
    assert org.store.count("Account") == 1
