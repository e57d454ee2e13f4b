"""sObject REST on the stand-in: create, read, update and delete with the
bookkeeping and computed fields Salesforce maintains, and its write errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.ids import salesforce_id
from tests.unit.test_sandbox_salesforce_helpers import API, Org, make_org, record, user

KIM = salesforce_id("User", 1)
ACME = salesforce_id("Account", 1)
ANA = salesforce_id("Contact", 1)
RENEWAL = salesforce_id("Opportunity", 1)
NOW_TEXT = "2026-05-14T12:00:00.000+0000"


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    records = {
        "User": [user(1, "Kim", "Kam")],
        "Account": [record("Account", 1, Name="Acme Energy", OwnerId=KIM)],
        "Contact": [record("Contact", 1, LastName="Silva", AccountId=ACME)],
        "Opportunity": [
            record(
                "Opportunity",
                1,
                Name="Acme renewal",
                AccountId=ACME,
                StageName="Proposal",
                CloseDate="2026-06-30",
                IsClosed=False,
                IsWon=False,
            )
        ],
        "Case": [
            record(
                "Case",
                1,
                CaseNumber="00001041",
                Subject="Late delivery",
                Status="New",
                AccountId=ACME,
            )
        ],
    }
    org = make_org(tmp_path, records)
    yield org
    org.store.close()


def create(org: Org, sobject: str, body: dict[str, Any]) -> httpx.Response:
    return org.client.post(f"{API}/sobjects/{sobject}/", json=body, headers=org.headers)


def created_id(org: Org, sobject: str, body: dict[str, Any]) -> str:
    response = create(org, sobject, body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def get(org: Org, sobject: str, record_id: str, **params: str) -> dict[str, Any]:
    response = org.client.get(
        f"{API}/sobjects/{sobject}/{record_id}", params=params, headers=org.headers
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def patch(org: Org, sobject: str, record_id: str, body: dict[str, Any]) -> httpx.Response:
    return org.client.patch(f"{API}/sobjects/{sobject}/{record_id}", json=body, headers=org.headers)


def error_of(response: httpx.Response, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.text
    [error] = response.json()
    return dict(error)


def test_create_answers_201_and_the_record_reads_back_with_bookkeeping(org: Org) -> None:
    response = create(org, "Account", {"Name": "Northwind", "AnnualRevenue": 2_500_000})
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True and body["errors"] == []
    assert body["id"].startswith("001") and len(body["id"]) == 18
    account = get(org, "Account", body["id"])
    assert account["attributes"] == {
        "type": "Account",
        "url": f"{API}/sobjects/Account/{body['id']}",
    }
    assert (account["Name"], account["AnnualRevenue"]) == ("Northwind", 2_500_000.0)
    assert account["CreatedDate"] == account["LastModifiedDate"] == NOW_TEXT
    assert account["SystemModstamp"] == NOW_TEXT
    assert account["OwnerId"] == account["CreatedById"] == KIM
    assert (account["IsDeleted"], account["Key_Account__c"]) == (False, False)


def test_new_ids_never_reuse_seeded_ones(org: Org) -> None:
    new_ids = {created_id(org, "Account", {"Name": f"New {n}"}) for n in range(3)}
    assert len(new_ids) == 3 and ACME not in new_ids


def test_get_with_fields_and_a_fifteen_character_id(org: Org) -> None:
    account = get(org, "Account", ACME[:15], fields="name,OwnerId")
    assert list(account) == ["attributes", "Name", "OwnerId"]
    response = org.client.get(
        f"{API}/sobjects/Account/{ACME}", params={"fields": "Revenue"}, headers=org.headers
    )
    assert error_of(response)["message"].startswith("No such column 'Revenue' on entity 'Account'")


def test_update_answers_204_and_stamps_the_modification(org: Org) -> None:
    org.clock.now += timedelta(hours=1)
    response = patch(org, "Account", ACME, {"Industry": "Energy", "Website": "acme.example"})
    assert (response.status_code, response.content) == (204, b"")
    account = get(org, "Account", ACME)
    assert (account["Industry"], account["Website"]) == ("Energy", "acme.example")
    assert account["LastModifiedDate"] == "2026-05-14T13:00:00.000+0000"
    assert account["CreatedDate"] == "2026-01-05T09:00:00.000+0000"


def test_datetimes_are_stored_in_utc(org: Org) -> None:
    event_id = created_id(
        org,
        "Event",
        {
            "Subject": "QBR",
            "WhatId": ACME,
            "StartDateTime": "2026-05-20T10:00:00+02:00",
            "EndDateTime": "2026-05-20T11:30:00+02:00",
        },
    )
    event = get(org, "Event", event_id)
    assert event["StartDateTime"] == "2026-05-20T08:00:00.000+0000"
    assert (event["ActivityDate"], event["DurationInMinutes"]) == ("2026-05-20", 90)
    assert event["AccountId"] == ACME


def test_contact_and_user_names_are_computed(org: Org) -> None:
    contact_id = created_id(org, "Contact", {"FirstName": "Ben", "LastName": "Okafor"})
    assert get(org, "Contact", contact_id)["Name"] == "Ben Okafor"
    patch(org, "Contact", contact_id, {"FirstName": "Benedict"})
    assert get(org, "Contact", contact_id)["Name"] == "Benedict Okafor"


@pytest.mark.parametrize(
    ("stage", "closed", "won"),
    [("Closed Won", True, True), ("Closed Lost", True, False), ("Negotiation", False, False)],
)
def test_opportunity_flags_follow_the_stage(org: Org, stage: str, closed: bool, won: bool) -> None:
    patch(org, "Opportunity", RENEWAL, {"StageName": stage, "Amount": 1000, "Probability": 40})
    opportunity = get(org, "Opportunity", RENEWAL)
    assert (opportunity["IsClosed"], opportunity["IsWon"]) == (closed, won)
    assert opportunity["ExpectedRevenue"] == 400.0


def test_task_defaults_closure_and_account_from_its_what(org: Org) -> None:
    task_id = created_id(org, "Task", {"Subject": "Send contract", "WhatId": RENEWAL})
    task = get(org, "Task", task_id)
    assert (task["Status"], task["Priority"], task["IsClosed"]) == ("Not Started", "Normal", False)
    assert task["AccountId"] == ACME
    patch(org, "Task", task_id, {"Status": "Completed"})
    assert get(org, "Task", task_id)["IsClosed"] is True


def test_cases_close_with_a_date_and_new_cases_get_the_next_number(org: Org) -> None:
    case_id = salesforce_id("Case", 1)
    patch(org, "Case", case_id, {"Status": "Closed"})
    case = get(org, "Case", case_id)
    assert (case["IsClosed"], case["ClosedDate"]) == (True, NOW_TEXT)
    new_case = get(org, "Case", created_id(org, "Case", {"Subject": "Invoice query"}))
    assert (new_case["CaseNumber"], new_case["Status"]) == ("00001042", "New")


def test_delete_is_soft_and_only_query_all_still_sees_the_record(org: Org) -> None:
    response = org.client.delete(f"{API}/sobjects/Account/{ACME}", headers=org.headers)
    assert response.status_code == 204
    gone = org.client.get(f"{API}/sobjects/Account/{ACME}", headers=org.headers)
    assert error_of(gone, 404) == {"message": "entity is deleted", "errorCode": "ENTITY_IS_DELETED"}
    soql = f"SELECT Id, IsDeleted FROM Account WHERE Id = '{ACME}'"
    assert org.records(soql) == []
    assert org.records(soql, all_rows=True)[0]["IsDeleted"] is True


@pytest.mark.parametrize(
    ("sobject", "body", "expected"),
    [
        (
            "Account",
            {"Name": "X", "Revenue": 1},
            {
                "message": "No such column 'Revenue' on sobject of type Account",
                "errorCode": "INVALID_FIELD",
            },
        ),
        (
            "Opportunity",
            {"Name": "X", "StageName": "Prospecting", "CloseDate": "2026-07-01", "IsWon": True},
            {
                "message": "Unable to create/update fields: IsWon. Please check the security "
                "settings of this field and verify that it is read/write for your profile "
                "or permission set.",
                "errorCode": "INVALID_FIELD_FOR_INSERT_UPDATE",
                "fields": ["IsWon"],
            },
        ),
        (
            "Opportunity",
            {"Amount": 5},
            {
                "message": "Required fields are missing: [Name, StageName, CloseDate]",
                "errorCode": "REQUIRED_FIELD_MISSING",
                "fields": ["Name", "StageName", "CloseDate"],
            },
        ),
        (
            "Contact",
            {"LastName": "X", "AccountId": salesforce_id("Account", 99)},
            {
                "message": "invalid cross reference id",
                "errorCode": "INVALID_CROSS_REFERENCE_KEY",
                "fields": ["AccountId"],
            },
        ),
    ],
)
def test_invalid_creates_are_refused_with_salesforce_errors(
    org: Org, sobject: str, body: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert error_of(create(org, sobject, body)) == expected


def test_values_of_the_wrong_type_are_json_parser_errors(org: Org) -> None:
    bad_date = patch(org, "Opportunity", RENEWAL, {"CloseDate": "31/12/2026"})
    assert error_of(bad_date)["errorCode"] == "JSON_PARSER_ERROR"
    bad_flag = patch(org, "Account", ACME, {"Key_Account__c": "yes"})
    assert error_of(bad_flag)["errorCode"] == "JSON_PARSER_ERROR"
    clearing = patch(org, "Account", ACME, {"Name": None})
    assert error_of(clearing)["errorCode"] == "REQUIRED_FIELD_MISSING"


def test_unknown_objects_and_ids_are_not_found(org: Org) -> None:
    unknown_object = org.client.get(f"{API}/sobjects/Widget/{ACME}", headers=org.headers)
    assert error_of(unknown_object, 404)["errorCode"] == "NOT_FOUND"
    missing = salesforce_id("Account", 500)
    unknown_id = org.client.get(f"{API}/sobjects/Account/{missing}", headers=org.headers)
    assert error_of(unknown_id, 404) == {
        "message": f"Provided external ID field does not exist or is not accessible: {missing}",
        "errorCode": "NOT_FOUND",
    }


def test_describe_lists_fields_from_the_schema(org: Org) -> None:
    describe = org.client.get(f"{API}/sobjects/Task/describe", headers=org.headers).json()
    fields = {field["name"]: field for field in describe["fields"]}
    assert describe["keyPrefix"] == "00T"
    assert fields["WhatId"]["referenceTo"] == ["Account", "Opportunity", "Case", "Contract"]
    assert fields["WhatId"]["relationshipName"] == "What"
    assert fields["IsClosed"]["updateable"] is False
    everything = org.client.get(f"{API}/sobjects/", headers=org.headers).json()
    assert "Opportunity" in {entry["name"] for entry in everything["sobjects"]}


def test_a_required_parent_is_set_on_create_and_fixed_afterwards(org: Org) -> None:
    body = {"OpportunityId": RENEWAL, "Quantity": 2, "UnitPrice": 500}
    line_id = created_id(org, "OpportunityLineItem", body)
    assert get(org, "OpportunityLineItem", line_id)["OpportunityId"] == RENEWAL
    moved = patch(org, "OpportunityLineItem", line_id, {"OpportunityId": RENEWAL})
    assert error_of(moved)["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    orphan = create(org, "OpportunityLineItem", {"Quantity": 1})
    assert error_of(orphan)["fields"] == ["OpportunityId"]


def test_a_multi_select_picklist_is_written_as_one_string(org: Org) -> None:
    patch(org, "Account", ACME, {"Product_Interests__c": "Solar;Storage"})
    assert get(org, "Account", ACME)["Product_Interests__c"] == "Solar;Storage"
