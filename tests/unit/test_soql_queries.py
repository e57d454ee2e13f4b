"""SOQL over HTTP against a small hand-made org: result shapes, WHERE semantics,
ordering, aggregates, deleted rows and Salesforce-shaped errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.ids import salesforce_id
from tests.unit.test_sandbox_salesforce_helpers import API, Org, make_org, record, user

KIM, LEE = salesforce_id("User", 1), salesforce_id("User", 2)
ACME, BOREALIS, COBALT, DELTA = (salesforce_id("Account", n) for n in range(1, 5))
ANA, BEN, ORPHAN = (salesforce_id("Contact", n) for n in range(1, 4))
RENEWAL, EXPANSION, PILOT = (salesforce_id("Opportunity", n) for n in range(1, 4))


def org_records() -> dict[str, list[dict[str, Any]]]:
    accounts = [
        record(
            "Account",
            1,
            Name="Acme Energy",
            Industry="Energy",
            AnnualRevenue=5_000_000.0,
            OwnerId=KIM,
            Key_Account__c=True,
            ParentId=None,
            CreatedDate="2026-03-01T08:30:00.000+0000",
        ),
        record(
            "Account",
            2,
            Name="Borealis Retail",
            Industry="Retail",
            AnnualRevenue=750_000.0,
            OwnerId=LEE,
            Key_Account__c=False,
            ParentId=ACME,
            CreatedDate="2026-03-01T07:30:00.000+0000",
        ),
        record(
            "Account",
            3,
            Name="cobalt labs",
            Industry=None,
            AnnualRevenue=None,
            OwnerId=KIM,
            Key_Account__c=False,
            ParentId=None,
            CreatedDate="2026-05-14T00:30:00.000+0000",
        ),
        record(
            "Account",
            4,
            Name="Delta 100% Foods",
            Industry="Retail",
            OwnerId=KIM,
            Key_Account__c=False,
            IsDeleted=True,
        ),
    ]
    contacts = [
        record("Contact", 1, FirstName="Ana", LastName="Silva", AccountId=ACME),
        record("Contact", 2, FirstName="Ben", LastName="Okafor", AccountId=BOREALIS),
        record("Contact", 3, FirstName="Orphan", LastName="Zed", AccountId=None),
    ]
    opportunities = [
        record(
            "Opportunity",
            1,
            AccountId=ACME,
            Name="Acme renewal",
            StageName="Closed Won",
            Amount=120_000.0,
            CloseDate="2026-05-10",
            IsClosed=True,
            IsWon=True,
        ),
        record(
            "Opportunity",
            2,
            AccountId=ACME,
            Name="Acme expansion",
            StageName="Negotiation",
            Amount=80_000.0,
            CloseDate="2026-06-20",
            IsClosed=False,
            IsWon=False,
        ),
        record(
            "Opportunity",
            3,
            AccountId=BOREALIS,
            Name="Borealis pilot",
            StageName="Prospecting",
            Amount=None,
            CloseDate="2026-05-14",
            IsClosed=False,
            IsWon=False,
        ),
    ]
    tasks = [
        record("Task", 1, Subject="Send contract", WhatId=RENEWAL, WhoId=ANA, OwnerId=KIM),
        record("Task", 2, Subject="Quarterly review", WhatId=BOREALIS, OwnerId=LEE),
        record("Task", 3, Subject="Tidy inbox", WhatId=None, OwnerId=KIM),
    ]
    users = [user(1, "Kim", "Kam"), user(2, "Lee", "Sales")]
    return {
        "User": users,
        "Account": accounts,
        "Contact": contacts,
        "Opportunity": opportunities,
        "Task": tasks,
    }


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    """One org for the whole module: these tests only read."""
    org = make_org(tmp_path_factory.mktemp("org"), org_records())
    yield org
    org.store.close()


def names(org: Org, soql: str, **options: Any) -> list[str]:
    return [row["Name"] for row in org.records(soql, **options)]


def test_records_carry_attributes_then_only_the_selected_fields_in_order(org: Org) -> None:
    [acme] = org.records("SELECT Name, Id FROM Account WHERE Name = 'Acme Energy'")
    assert list(acme) == ["attributes", "Name", "Id"]
    assert acme["attributes"] == {"type": "Account", "url": f"{API}/sobjects/Account/{ACME}"}


def test_object_and_field_names_are_case_insensitive_and_answered_canonically(org: Org) -> None:
    rows = org.records("select name from account where name = 'ACME ENERGY'")
    assert rows == [{"attributes": rows[0]["attributes"], "Name": "Acme Energy"}]
    assert rows[0]["attributes"]["type"] == "Account"


def test_parent_paths_come_back_nested_and_null_without_a_parent(org: Org) -> None:
    rows = org.records(
        "SELECT LastName, Account.Name, Account.Owner.Email FROM Contact ORDER BY LastName"
    )
    ben, ana, orphan = rows
    assert ana["Account"]["attributes"]["type"] == "Account"
    assert ana["Account"]["Name"] == "Acme Energy"
    assert ana["Account"]["Owner"]["Email"] == "kim.kam@example.com"
    assert ana["Account"]["Owner"]["attributes"]["url"] == f"{API}/sobjects/User/{KIM}"
    assert ben["Account"]["Owner"]["Email"] == "lee.sales@example.com"
    assert orphan["Account"] is None


def test_polymorphic_what_answers_through_the_name_entity(org: Org) -> None:
    rows = org.records("SELECT Subject, What.Name, What.Type FROM Task ORDER BY Subject")
    review, send, tidy = rows
    assert send["What"] == {
        "attributes": {"type": "Name", "url": f"{API}/sobjects/Opportunity/{RENEWAL}"},
        "Name": "Acme renewal",
        "Type": "Opportunity",
    }
    assert review["What"]["Type"] == "Account"
    assert tidy["What"] is None
    assert org.error("SELECT What.Industry FROM Task")["errorCode"] == "INVALID_FIELD"


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Industry = 'retail'", {"Borealis Retail"}),
        ("Industry != 'Retail'", {"Acme Energy", "cobalt labs"}),
        ("Industry <> 'Retail'", {"Acme Energy", "cobalt labs"}),
        ("Industry = null", {"cobalt labs"}),
        ("AnnualRevenue > 1000000", {"Acme Energy"}),
        ("AnnualRevenue <= 750000", {"Borealis Retail"}),
        ("Industry IN ('Energy', 'RETAIL')", {"Acme Energy", "Borealis Retail"}),
        ("Industry NOT IN ('Energy')", {"Borealis Retail"}),
        ("Name LIKE 'acme%'", {"Acme Energy"}),
        ("Name LIKE '_orealis%'", {"Borealis Retail"}),
        ("NOT Name LIKE '%Retail'", {"Acme Energy", "cobalt labs"}),
        ("(Industry = 'Energy' OR Industry = null) AND Key_Account__c = true", {"Acme Energy"}),
        ("Key_Account__c = false", {"Borealis Retail", "cobalt labs"}),
        ("Owner.LastName = 'Kam'", {"Acme Energy", "cobalt labs"}),
        ("Parent.Name = 'Acme Energy'", {"Borealis Retail"}),
        ("ParentId = null", {"Acme Energy", "cobalt labs"}),
        (f"Id = '{BOREALIS[:15]}'", {"Borealis Retail"}),
        (f"OwnerId IN ('{LEE}')", {"Borealis Retail"}),
    ],
)
def test_where_clauses_select_the_records_salesforce_would(
    org: Org, where: str, expected: set[str]
) -> None:
    assert set(names(org, f"SELECT Name FROM Account WHERE {where}")) == expected


def test_like_escapes_match_a_literal_percent(org: Org) -> None:
    soql = "SELECT Name FROM Account WHERE Name LIKE '%100\\%%'"
    assert names(org, soql, all_rows=True) == ["Delta 100% Foods"]


def test_datetime_filters_compare_instants_across_offsets(org: Org) -> None:
    later = "SELECT Name FROM Account WHERE CreatedDate > 2026-03-01T09:00:00+01:00"
    assert set(names(org, later)) == {"Acme Energy", "cobalt labs"}
    exact = "SELECT Name FROM Account WHERE CreatedDate = 2026-03-01T09:30:00.000+0100"
    assert names(org, exact) == ["Acme Energy"]


@pytest.mark.parametrize(
    ("soql", "expected"),
    [
        (
            "SELECT Name FROM Opportunity WHERE CloseDate = THIS_MONTH",
            {"Acme renewal", "Borealis pilot"},
        ),
        ("SELECT Name FROM Opportunity WHERE CloseDate = NEXT_N_DAYS:40", {"Acme expansion"}),
        ("SELECT Name FROM Opportunity WHERE CloseDate < TODAY", {"Acme renewal"}),
        (
            "SELECT Name FROM Opportunity WHERE CloseDate = LAST_N_DAYS:7",
            {"Acme renewal", "Borealis pilot"},
        ),
        ("SELECT Name FROM Opportunity WHERE CloseDate > THIS_QUARTER", set()),
        (
            "SELECT Name FROM Opportunity WHERE CloseDate >= 2026-05-14",
            {"Acme expansion", "Borealis pilot"},
        ),
        ("SELECT Name FROM Account WHERE CreatedDate = TODAY", {"cobalt labs"}),
        ("SELECT Name FROM Account WHERE CreatedDate = YESTERDAY", set()),
        ("SELECT Name FROM Account WHERE CreatedDate < THIS_YEAR", set()),
    ],
)
def test_date_and_relative_date_literals(org: Org, soql: str, expected: set[str]) -> None:
    assert set(names(org, soql)) == expected


@pytest.mark.parametrize(
    ("where", "expected_type", "quotes"),
    [
        ("CreatedDate > 2026-03-01", "dateTime", "should not be"),
        ("Industry = 5", "string", "should be"),
        ("AnnualRevenue = '5'", "double", "should not be"),
    ],
)
def test_a_literal_of_the_wrong_type_is_refused(
    org: Org, where: str, expected_type: str, quotes: str
) -> None:
    error = org.error(f"SELECT Id FROM Account WHERE {where}")
    assert error["errorCode"] == "INVALID_FIELD"
    field = where.split()[0]
    assert error["message"].endswith(
        f"value of filter criterion for field '{field}' must be of type {expected_type} "
        f"and {quotes} enclosed in quotes"
    )


def test_semi_and_anti_joins(org: Org) -> None:
    open_deals = "SELECT AccountId FROM Opportunity WHERE IsClosed = false"
    assert set(names(org, f"SELECT Name FROM Account WHERE Id IN ({open_deals})")) == {
        "Acme Energy",
        "Borealis Retail",
    }
    without = "SELECT Name FROM Account WHERE Id NOT IN (SELECT AccountId FROM Opportunity)"
    assert names(org, without) == ["cobalt labs"]
    error = org.error("SELECT Id FROM Account WHERE Id IN (SELECT Name FROM Opportunity)")
    assert error["errorCode"] == "MALFORMED_QUERY"


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ("Name", ["Acme Energy", "Borealis Retail", "cobalt labs"]),
        ("Industry, Name DESC", ["cobalt labs", "Acme Energy", "Borealis Retail"]),
        ("Industry DESC", ["Borealis Retail", "Acme Energy", "cobalt labs"]),
        ("Industry NULLS LAST", ["Acme Energy", "Borealis Retail", "cobalt labs"]),
        ("Industry DESC NULLS FIRST", ["cobalt labs", "Borealis Retail", "Acme Energy"]),
        ("Owner.LastName DESC, AnnualRevenue", ["Borealis Retail", "cobalt labs", "Acme Energy"]),
    ],
)
def test_order_by(org: Org, order_by: str, expected: list[str]) -> None:
    assert names(org, f"SELECT Name FROM Account ORDER BY {order_by}") == expected


def test_limit_and_offset_apply_after_ordering(org: Org) -> None:
    response = org.query("SELECT Name FROM Account ORDER BY Name LIMIT 1 OFFSET 1")
    body = response.json()
    assert (body["totalSize"], body["done"]) == (1, True)
    assert [row["Name"] for row in body["records"]] == ["Borealis Retail"]
    assert org.error("SELECT Id FROM Account OFFSET 2001")["errorCode"] == (
        "NUMBER_OUTSIDE_VALID_RANGE"
    )


def test_count_and_aggregate_functions(org: Org) -> None:
    counted = org.query("SELECT COUNT() FROM Account WHERE Industry != null").json()
    assert counted == {"totalSize": 2, "done": True, "records": []}
    [result] = org.records(
        "SELECT COUNT(Id), COUNT(Industry) industries, SUM(AnnualRevenue), MAX(CreatedDate) "
        "FROM Account"
    )
    assert result == {
        "attributes": {"type": "AggregateResult"},
        "expr0": 3,
        "industries": 2,
        "expr1": 5_750_000.0,
        "expr2": "2026-05-14T00:30:00.000+0000",
    }
    error = org.error("SELECT Name, COUNT(Id) FROM Account")
    assert "Field must be grouped or aggregated: Name" in error["message"]


def test_query_hides_deleted_records_and_query_all_shows_them(org: Org) -> None:
    assert "Delta 100% Foods" not in names(org, "SELECT Name FROM Account")
    deleted = "SELECT Name, IsDeleted FROM Account WHERE IsDeleted = true"
    assert org.records(deleted) == []
    [delta] = org.records(deleted, all_rows=True)
    assert (delta["Name"], delta["IsDeleted"]) == ("Delta 100% Foods", True)


@pytest.mark.parametrize(
    ("soql", "code", "text"),
    [
        ("SELECT Id FROM Acount", "INVALID_TYPE", "sObject type 'Acount' is not supported."),
        (
            "SELECT Id, Revenue FROM Account",
            "INVALID_FIELD",
            "No such column 'Revenue' on entity 'Account'.",
        ),
        (
            "SELECT Id FROM Account WHERE Boss.Name = 'x'",
            "INVALID_FIELD",
            "Didn't understand relationship 'Boss' in field path.",
        ),
        ("SELECT Id FROM Account WHERE Id = 'abc'", "MALFORMED_QUERY", "invalid ID field: abc"),
        ("SELECT Id, Name, name FROM Account", "MALFORMED_QUERY", "duplicate field selected: Name"),
        (
            "SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry",
            "MALFORMED_QUERY",
            "GROUP BY is not supported",
        ),
    ],
)
def test_errors_have_salesforce_codes_and_a_caret_excerpt(
    org: Org, soql: str, code: str, text: str
) -> None:
    error = org.error(soql)
    assert error["errorCode"] == code
    excerpt, caret, position, message = error["message"].lstrip("\n").split("\n", 3)
    assert excerpt == soql
    assert position == f"ERROR at Row:1:Column:{len(caret)}"
    assert message.startswith(text)


def test_a_query_without_text_is_malformed(org: Org) -> None:
    response = org.client.get(f"{API}/query/", headers=org.headers)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "MALFORMED_QUERY"
