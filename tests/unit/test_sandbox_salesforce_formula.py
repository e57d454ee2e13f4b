"""Formula fields: Opportunity.Account_Segment__c is computed from its Account when
read, follows the Account's changes while the Opportunity's SystemModstamp stays
put, and can be filtered and sorted on; plus the formula language itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox.ids import salesforce_id
from sandbox.salesforce.formulas import compile_formula
from sandbox.salesforce.soql_ast import FieldPath
from tests.unit.test_sandbox_salesforce_helpers import API, Org, make_org, record, user

ACME, BOREALIS, COBALT = (salesforce_id("Account", n) for n in range(1, 4))
ACME_DEAL, BOREALIS_DEAL, COBALT_DEAL, LOOSE_DEAL = (
    salesforce_id("Opportunity", n) for n in range(1, 5)
)
STAMP = "2026-01-05T09:00:00.000+0000"


def deal(number: int, name: str, account_id: str | None) -> dict[str, Any]:
    return record(
        "Opportunity",
        number,
        Name=name,
        AccountId=account_id,
        StageName="Prospecting",
        CloseDate="2026-06-30",
    )


@pytest.fixture
def org(tmp_path: Path) -> Org:
    accounts = [
        record("Account", 1, Name="Acme", Key_Account__c=True, AnnualRevenue=1_000.0),
        record("Account", 2, Name="Borealis", Key_Account__c=False, AnnualRevenue=75_000_000.0),
        record("Account", 3, Name="Cobalt", Key_Account__c=False, AnnualRevenue=6_000_000.0),
    ]
    deals = [
        deal(1, "Acme deal", ACME),
        deal(2, "Borealis deal", BOREALIS),
        deal(3, "Cobalt deal", COBALT),
        deal(4, "Loose deal", None),
    ]
    line_item = record(
        "OpportunityLineItem", 1, OpportunityId=BOREALIS_DEAL, Quantity=2.0, UnitPrice=10.0
    )
    return make_org(
        tmp_path,
        {
            "User": [user(1, "Kim", "Kam")],
            "Account": accounts,
            "Opportunity": deals,
            "OpportunityLineItem": [line_item],
        },
    )


def segments(org: Org, soql: str) -> list[tuple[str, str]]:
    return [(row["Name"], row["Account_Segment__c"]) for row in org.records(soql)]


def test_the_segment_is_computed_from_the_account(org: Org) -> None:
    assert segments(org, "SELECT Name, Account_Segment__c FROM Opportunity ORDER BY Name") == [
        ("Acme deal", "Strategic"),
        ("Borealis deal", "Enterprise"),
        ("Cobalt deal", "Mid-Market"),
        ("Loose deal", "SMB"),
    ]
    [item] = org.records("SELECT Opportunity.Account_Segment__c FROM OpportunityLineItem")
    assert item["Opportunity"]["Account_Segment__c"] == "Enterprise"


def test_it_follows_the_account_while_the_opportunity_stamp_stays(org: Org) -> None:
    org.clock.now += timedelta(hours=1)
    response = org.client.patch(
        f"{API}/sobjects/Account/{COBALT}", json={"AnnualRevenue": 100.0}, headers=org.headers
    )
    assert response.status_code == 204, response.text
    [cobalt] = org.records(
        f"SELECT Account_Segment__c, SystemModstamp FROM Opportunity WHERE Id = '{COBALT_DEAL}'"
    )
    assert (cobalt["Account_Segment__c"], cobalt["SystemModstamp"]) == ("SMB", STAMP)
    shown = org.client.get(f"{API}/sobjects/Opportunity/{COBALT_DEAL}", headers=org.headers)
    assert shown.json()["Account_Segment__c"] == "SMB"


def test_filtering_and_ordering_by_the_formula(org: Org) -> None:
    strategic = "SELECT Name FROM Opportunity WHERE Account_Segment__c = 'strategic'"
    assert [row["Name"] for row in org.records(strategic)] == ["Acme deal"]
    ordered = "SELECT Name, Account_Segment__c FROM Opportunity ORDER BY Account_Segment__c DESC"
    assert [segment for _, segment in segments(org, ordered)] == [
        "Strategic",
        "SMB",
        "Mid-Market",
        "Enterprise",
    ]


def test_the_formula_cannot_be_written(org: Org) -> None:
    response = org.client.patch(
        f"{API}/sobjects/Opportunity/{ACME_DEAL}",
        json={"Account_Segment__c": "SMB"},
        headers=org.headers,
    )
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def read_dotted(path: FieldPath) -> Callable[[dict[str, Any]], Any]:
    """Reads a path from a flat dict keyed by dotted paths (stands in for the store)."""
    return lambda record: record.get(path.dotted())


@pytest.mark.parametrize(
    ("formula", "fields", "expected"),
    [
        ('IF(Amount > 10, "big", "small")', {"Amount": 11}, "big"),
        ('IF(Amount > 10, "big", "small")', {}, "small"),  # blank compares as blank
        ("Amount * 2 + Quantity / 4", {"Amount": 3, "Quantity": 2}, 6.5),
        ("Amount - 1", {}, None),
        (
            'Name & " (" & Account.Name & ")"',
            {"Name": "Deal", "Account.Name": "Acme"},
            "Deal (Acme)",
        ),
        ("AND(IsWon, NOT(IsClosed))", {"IsWon": True, "IsClosed": False}, True),
        ("IsWon && Amount >= 5 || IsClosed", {"IsWon": True, "Amount": 1, "IsClosed": True}, True),
        ("OR(ISBLANK(Name), Amount <> 3)", {"Name": "", "Amount": 3}, True),
        ('BLANKVALUE(Name, "unnamed")', {}, "unnamed"),
        ("-Amount", {"Amount": 4}, -4),
    ],
)
def test_formula_language(formula: str, fields: dict[str, Any], expected: Any) -> None:
    assert compile_formula(formula, read_dotted)(fields) == expected


def test_an_unknown_formula_function_is_a_schema_error() -> None:
    with pytest.raises(ValueError, match="TEXT"):
        compile_formula("TEXT(Amount)", read_dotted)
