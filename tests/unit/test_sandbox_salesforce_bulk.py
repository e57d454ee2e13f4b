"""Bulk API 2.0 query jobs through HTTP: job info shapes and states, CSV result
sets as Salesforce writes them, locator paging, abort/delete/list, and what Bulk
refuses that REST answers."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.ids import salesforce_id
from sandbox.salesforce.api_usage import DailyAllowance
from sandbox.salesforce.bulk_jobs import BulkQueryJobs
from sandbox.salesforce.errors import ApiError
from sandbox.salesforce.faults import FaultBook
from tests.unit.test_sandbox_salesforce_helpers import API, Org, make_org, record, user

KIM = salesforce_id("User", 1)
ACME = salesforce_id("Account", 1)
JOBS = f"{API}/jobs/query"


@pytest.fixture
def org(tmp_path: Path) -> Org:
    accounts = [
        record(
            "Account",
            1,
            Name='Acme "Power", Inc.',
            Key_Account__c=True,
            AnnualRevenue=12_500_000.0,
            Description="line one\nline two",
            NumberOfEmployees=120,
        ),
        *(record("Account", n, Name=f"Account {n}", Key_Account__c=False) for n in range(2, 6)),
        record("Account", 6, Name="Gone Ltd", Key_Account__c=False, IsDeleted=True),
    ]
    deals = [
        record(
            "Opportunity",
            1,
            Name="Acme renewal",
            AccountId=ACME,
            StageName="Prospecting",
            CloseDate="2026-06-30",
            Amount=None,
        )
    ]
    return make_org(
        tmp_path, {"User": [user(1, "Kim", "Kam")], "Account": accounts, "Opportunity": deals}
    )


def create(org: Org, soql: str, **options: Any) -> httpx.Response:
    body = {"operation": "query", "query": soql, **options}
    return org.client.post(JOBS, json=body, headers=org.headers)


def finished(org: Org, soql: str, **options: Any) -> str:
    """Create a job and poll it once; it is JobComplete by then."""
    response = create(org, soql, **options)
    assert response.status_code == 200, response.text
    job_id = str(response.json()["id"])
    assert org.client.get(f"{JOBS}/{job_id}", headers=org.headers).json()["state"] == "JobComplete"
    return job_id


def results(org: Org, job_id: str, **params: Any) -> httpx.Response:
    return org.client.get(f"{JOBS}/{job_id}/results", params=params, headers=org.headers)


def rows(response: httpx.Response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.text, newline="")))


def test_a_job_is_created_upload_complete_then_found_complete(org: Org) -> None:
    created = create(org, "SELECT Id, Name FROM Account")
    assert created.status_code == 200
    info = created.json()
    assert info["id"].startswith("750") and len(info["id"]) == 18
    assert {
        key: info[key] for key in info if key not in ("id", "createdDate", "systemModstamp")
    } == {
        "operation": "query",
        "object": "Account",
        "createdById": KIM,
        "state": "UploadComplete",
        "concurrencyMode": "Parallel",
        "contentType": "CSV",
        "apiVersion": 59.0,
        "lineEnding": "LF",
        "columnDelimiter": "COMMA",
    }
    status = org.client.get(f"{JOBS}/{info['id']}", headers=org.headers).json()
    assert (status["state"], status["numberRecordsProcessed"], status["jobType"]) == (
        "JobComplete",
        5,
        "V2Query",
    )
    assert status["retries"] == 0 and "totalProcessingTime" in status


def test_results_are_csv_as_salesforce_writes_it(org: Org) -> None:
    job_id = finished(
        org,
        "SELECT Name, Key_Account__c, AnnualRevenue, NumberOfEmployees, Description, "
        "CreatedDate, Industry FROM Account WHERE Id = '" + ACME + "'",
    )
    response = results(org, job_id)
    assert response.headers["content-type"].startswith("text/csv")
    assert (response.headers["Sforce-Locator"], response.headers["Sforce-NumberOfRecords"]) == (
        "null",
        "1",
    )
    header, row = response.text.split("\n", 1)
    assert header == (
        '"Name","Key_Account__c","AnnualRevenue","NumberOfEmployees","Description",'
        '"CreatedDate","Industry"'
    )
    assert row == (
        '"Acme ""Power"", Inc.","true","12500000.0","120","line one\nline two",'
        '"2026-01-05T09:00:00.000Z",\n'
    )


def test_parent_fields_and_formulas_become_dotted_columns(org: Org) -> None:
    job_id = finished(
        org,
        "SELECT Name, Account.Name, Account.Owner.Email, Account_Segment__c, Amount "
        "FROM Opportunity",
    )
    [deal] = rows(results(org, job_id))
    assert deal == {
        "Name": "Acme renewal",
        "Account.Name": 'Acme "Power", Inc.',
        "Account.Owner.Email": "",
        "Account_Segment__c": "Strategic",
        "Amount": "",
    }


def test_locators_page_through_result_sets_each_with_a_header(org: Org) -> None:
    job_id = finished(org, "SELECT Name FROM Account ORDER BY Name")
    pages, locator = [], ""
    while locator != "null":
        params = {"maxRecords": 2, **({"locator": locator} if locator else {})}
        response = results(org, job_id, **params)
        assert response.status_code == 200, response.text
        pages.append([row["Name"] for row in rows(response)])
        assert response.headers["Sforce-NumberOfRecords"] == str(len(pages[-1]))
        locator = response.headers["Sforce-Locator"]
    assert pages == [
        ["Account 2", "Account 3"],
        ["Account 4", "Account 5"],
        ['Acme "Power", Inc.'],
    ]
    second = results(org, job_id, maxRecords=2, locator="Mg")  # a locator can be read again
    assert [row["Name"] for row in rows(second)] == ["Account 4", "Account 5"]
    assert results(org, job_id, locator="bogus").status_code == 400
    assert results(org, job_id, maxRecords=0).status_code == 400


def test_query_all_jobs_include_deleted_records(org: Org) -> None:
    live = finished(org, "SELECT Name FROM Account WHERE Name LIKE 'G%'")
    everything = finished(
        org, "SELECT Name FROM Account WHERE Name LIKE 'G%'", operation="queryAll"
    )
    assert rows(results(org, live)) == []
    assert rows(results(org, everything)) == [{"Name": "Gone Ltd"}]


def test_delimiter_and_line_ending_follow_the_job(org: Org) -> None:
    job_id = finished(
        org,
        "SELECT Name, NumberOfEmployees FROM Account WHERE Id = '" + ACME + "'",
        columnDelimiter="PIPE",
        lineEnding="CRLF",
    )
    assert results(org, job_id).text == (
        '"Name"|"NumberOfEmployees"\r\n"Acme ""Power"", Inc."|"120"\r\n'
    )


def test_results_are_a_snapshot_taken_when_the_job_ran(org: Org) -> None:
    job_id = finished(org, "SELECT Name FROM Account WHERE Id = '" + ACME + "'")
    renamed = org.client.patch(
        f"{API}/sobjects/Account/{ACME}", json={"Name": "Renamed"}, headers=org.headers
    )
    assert renamed.status_code == 204
    assert rows(results(org, job_id)) == [{"Name": 'Acme "Power", Inc.'}]


@pytest.mark.parametrize(
    ("soql", "code", "text"),
    [
        (
            "SELECT Name, BillingAddress FROM Account",
            "API_ERROR",
            "Selecting compound data not supported in Bulk Query",
        ),
        (
            "SELECT Name, (SELECT Name FROM Opportunities) FROM Account",
            "API_ERROR",
            "Aggregate Relationships not supported in Bulk Query",
        ),
        ("SELECT Name FROM Account LIMIT 5 OFFSET 5", "API_ERROR", "OFFSET"),
        ("SELECT COUNT() FROM Account", "API_ERROR", "Aggregate functions"),
        ("SELECT Nmae FROM Account", "INVALID_FIELD", "No such column 'Nmae' on entity 'Account'"),
        ("SELECT Name FROM Acount", "INVALID_TYPE", "sObject type 'Acount' is not supported"),
    ],
)
def test_what_bulk_refuses_is_refused_when_the_job_is_created(
    org: Org, soql: str, code: str, text: str
) -> None:
    response = create(org, soql)
    assert response.status_code == 400
    [error] = response.json()
    assert error["errorCode"] == code and text in error["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"operation": "insert", "query": "SELECT Id FROM Account"},
        {"operation": "query"},
        {"operation": "query", "query": "SELECT Id FROM Account", "contentType": "JSON"},
        {"operation": "query", "query": "SELECT Id FROM Account", "columnDelimiter": "SPACE"},
    ],
)
def test_a_malformed_job_request_is_invalid(org: Org, body: dict[str, Any]) -> None:
    response = org.client.post(JOBS, json=body, headers=org.headers)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALIDJOB"


def test_abort_delete_and_list(org: Org) -> None:
    FaultBook(org.store).arm({"kind": "bulk_job_delay", "object": "Account", "seconds": 60})
    slow = create(org, "SELECT Id FROM Account").json()["id"]
    done = finished(org, "SELECT Id FROM Opportunity")
    assert org.client.get(f"{JOBS}/{slow}", headers=org.headers).json()["state"] == "InProgress"
    assert results(org, slow).status_code == 400
    aborted = org.client.patch(f"{JOBS}/{slow}", json={"state": "Aborted"}, headers=org.headers)
    assert aborted.json()["state"] == "Aborted"
    again = org.client.patch(f"{JOBS}/{done}", json={"state": "Aborted"}, headers=org.headers)
    assert again.status_code == 400 and again.json()[0]["errorCode"] == "INVALIDJOBSTATE"
    listed = org.client.get(JOBS, headers=org.headers).json()
    assert (listed["done"], listed["nextRecordsUrl"]) == (True, None)
    assert {job["id"]: job["state"] for job in listed["records"]} == {
        slow: "Aborted",
        done: "JobComplete",
    }
    assert org.client.delete(f"{JOBS}/{slow}", headers=org.headers).status_code == 204
    gone = org.client.get(f"{JOBS}/{slow}", headers=org.headers)
    assert gone.status_code == 404 and gone.json()[0]["errorCode"] == "NOT_FOUND"


def test_every_bulk_request_counts_as_an_api_call(org: Org) -> None:
    def used(response: httpx.Response) -> int:
        return int(response.headers["Sforce-Limit-Info"].split("=")[1].split("/")[0])

    created = create(org, "SELECT Id FROM Account")
    status = org.client.get(f"{JOBS}/{created.json()['id']}", headers=org.headers)
    page = results(org, created.json()["id"])
    assert [used(status) - used(created), used(page) - used(status)] == [1, 1]


def test_a_delayed_job_stays_in_progress_until_its_time(org: Org) -> None:
    jobs = BulkQueryJobs(org.store, org.clock)
    FaultBook(org.store).arm({"kind": "bulk_job_delay", "seconds": 30})
    info = jobs.create({"operation": "query", "query": "SELECT Id FROM Account"}, KIM, "v59.0")
    assert jobs.info(info["id"])["state"] == "InProgress"
    org.clock.now += timedelta(seconds=31)
    assert jobs.info(info["id"])["state"] == "JobComplete"


def test_the_daily_query_job_allowance_is_drawn_from(org: Org) -> None:
    allowance = DailyAllowance(org.store, "test_bulk_jobs", 1, org.clock)
    jobs = BulkQueryJobs(org.store, org.clock, allowance)
    request = {"operation": "query", "query": "SELECT Id FROM Account"}
    jobs.create(request, KIM, "v59.0")
    with pytest.raises(ApiError) as refused:
        jobs.create(request, KIM, "v59.0")
    assert (refused.value.status, refused.value.error_code) == (400, "LIMIT_EXCEEDED")
    assert "Max bulk v2 query jobs (1) per 24 hrs has been reached" in refused.value.message
