"""Parent-to-child subqueries over REST: each parent record carries its children as
a nested query result (or null), filtered, ordered and limited per parent, with
relationship names derived from the schema as Salesforce names them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.ids import salesforce_id
from tests.unit.test_sandbox_salesforce_helpers import API, Org, make_org, record, user

KIM = salesforce_id("User", 1)
ACME, BOREALIS = salesforce_id("Account", 1), salesforce_id("Account", 2)
ANA, BEN, CARLA = (salesforce_id("Contact", n) for n in range(1, 4))
RENEWAL = salesforce_id("Opportunity", 1)
EXTRA_ACCOUNTS = 240


def org_records() -> dict[str, list[dict[str, Any]]]:
    accounts = [
        record("Account", 1, Name="Acme Energy", Key_Account__c=True),
        record("Account", 2, Name="Borealis Retail", Key_Account__c=False),
        *(
            record("Account", n, Name=f"Zeta {n:03d}", Key_Account__c=False)
            for n in range(3, 3 + EXTRA_ACCOUNTS)
        ),
    ]
    contacts = [
        record("Contact", 1, FirstName="Ana", LastName="Silva", AccountId=ACME, OwnerId=KIM),
        record("Contact", 2, FirstName="Ben", LastName="Okafor", AccountId=ACME, OwnerId=KIM),
        record("Contact", 3, FirstName="Carla", LastName="Berg", AccountId=ACME, IsDeleted=True),
        *(
            record("Contact", n + 1000, LastName=f"Zeta contact {n}", AccountId=account["Id"])
            for n, account in enumerate(accounts[2:])
        ),
    ]
    opportunities = [
        record(
            "Opportunity",
            1,
            Name="Acme renewal",
            AccountId=ACME,
            StageName="Negotiation",
            CloseDate="2026-06-30",
        )
    ]
    tasks = [
        record("Task", 1, Subject="Call Ana", WhatId=ACME, WhoId=ANA, AccountId=ACME),
        # Filed on the opportunity: it is Acme's activity (AccountId), but not in Acme's
        # Tasks, which follow WhatId only.
        record("Task", 2, Subject="Send quote", WhatId=RENEWAL, WhoId=BEN, AccountId=ACME),
    ]
    return {
        "User": [user(1, "Kim", "Kam")],
        "Account": accounts,
        "Contact": contacts,
        "Opportunity": opportunities,
        "Task": tasks,
    }


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    org = make_org(tmp_path_factory.mktemp("org"), org_records())
    yield org
    org.store.close()


def by_name(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["Name"]: row for row in rows}


def test_children_come_back_as_a_nested_query_result_or_null(org: Org) -> None:
    rows = by_name(
        org.records(
            "SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName) FROM Account "
            "WHERE Name IN ('Acme Energy', 'Borealis Retail')"
        )
    )
    contacts = rows["Acme Energy"]["Contacts"]
    assert (contacts["totalSize"], contacts["done"]) == (2, True)
    assert [child["LastName"] for child in contacts["records"]] == ["Okafor", "Silva"]
    assert contacts["records"][0]["attributes"] == {
        "type": "Contact",
        "url": f"{API}/sobjects/Contact/{BEN}",
    }
    assert rows["Borealis Retail"]["Contacts"] is None
    assert list(rows["Acme Energy"]) == ["attributes", "Name", "Contacts"]


def test_child_where_order_limit_and_parent_paths_apply_per_parent(org: Org) -> None:
    [acme] = org.records(
        "SELECT Name, (SELECT FirstName, Owner.Email FROM Contacts WHERE FirstName LIKE 'A%' "
        "OR FirstName = 'Ben' ORDER BY FirstName DESC LIMIT 1) FROM Account "
        "WHERE Name = 'Acme Energy'"
    )
    [ben] = acme["Contacts"]["records"]
    assert ben["FirstName"] == "Ben"
    assert ben["Owner"]["Email"] == "kim.kam@example.com"


def test_deleted_children_show_only_in_query_all(org: Org) -> None:
    soql = "SELECT Name, (SELECT LastName FROM Contacts) FROM Account WHERE Name = 'Acme Energy'"
    [live] = org.records(soql)
    [everything] = org.records(soql, all_rows=True)
    assert live["Contacts"]["totalSize"] == 2
    assert {child["LastName"] for child in everything["Contacts"]["records"]} == {
        "Silva",
        "Okafor",
        "Berg",
    }


def test_polymorphic_references_name_tasks_on_every_parent_they_reach(org: Org) -> None:
    [acme] = org.records(
        "SELECT Name, (SELECT Subject FROM Tasks), (SELECT Name FROM Opportunities) "
        "FROM Account WHERE Name = 'Acme Energy'"
    )
    assert [task["Subject"] for task in acme["Tasks"]["records"]] == ["Call Ana"]
    assert [deal["Name"] for deal in acme["Opportunities"]["records"]] == ["Acme renewal"]
    [ben] = org.records(
        "SELECT LastName, (SELECT Subject FROM Tasks) FROM Contact WHERE Id = " + f"'{BEN}'"
    )
    assert [task["Subject"] for task in ben["Tasks"]["records"]] == ["Send quote"]


def test_later_pages_carry_their_children_too(org: Org) -> None:
    soql = "SELECT Name, (SELECT LastName FROM Contacts) FROM Account ORDER BY Name"
    first = org.query(soql, batch_size=200).json()
    second = org.client.get(first["nextRecordsUrl"], headers=org.headers).json()
    last = second["records"][-1]
    assert last["Name"] == f"Zeta {2 + EXTRA_ACCOUNTS:03d}"
    assert last["Contacts"]["records"][0]["LastName"] == f"Zeta contact {EXTRA_ACCOUNTS - 1}"


@pytest.mark.parametrize(
    ("soql", "code", "text"),
    [
        (
            "SELECT Name, (SELECT LastName FROM Contactz) FROM Account",
            "INVALID_TYPE",
            "Didn't understand relationship 'Contactz' in FROM part of query call.",
        ),
        (
            "SELECT Name, (SELECT Name FROM Accounts) FROM Contact",
            "INVALID_TYPE",
            "Didn't understand relationship 'Accounts' in FROM part of query call.",
        ),
        (
            "SELECT Name, (SELECT Salary FROM Contacts) FROM Account",
            "INVALID_FIELD",
            "No such column 'Salary' on entity 'Contact'.",
        ),
        (
            "SELECT Name, (SELECT COUNT() FROM Contacts) FROM Account",
            "MALFORMED_QUERY",
            "Aggregate functions in child relationship subqueries is not supported",
        ),
        (
            "SELECT COUNT(Id), (SELECT LastName FROM Contacts) FROM Account",
            "MALFORMED_QUERY",
            "Field must be grouped or aggregated: Contacts",
        ),
    ],
)
def test_bad_child_subqueries_are_refused_like_salesforce(
    org: Org, soql: str, code: str, text: str
) -> None:
    error = org.error(soql)
    assert error["errorCode"] == code
    assert text in error["message"]
