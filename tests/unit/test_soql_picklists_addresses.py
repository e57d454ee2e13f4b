"""Multi-select picklists (=, !=, INCLUDES, EXCLUDES with `;` as AND and `,` as OR)
and the compound BillingAddress (selectable over REST, never filtered or sorted)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit.test_sandbox_salesforce_helpers import Org, make_org, record


def org_records() -> dict[str, list[dict[str, Any]]]:
    accounts = [
        record(
            "Account",
            1,
            Name="Acme Energy",
            Product_Interests__c="Solar;Storage;Wind",
            BillingCity="Oslo",
            BillingCountry="Norway",
        ),
        record("Account", 2, Name="Borealis Retail", Product_Interests__c="Storage"),
        record("Account", 3, Name="Cobalt Labs", Product_Interests__c="Wind;Hydro"),
        record("Account", 4, Name="Delta Foods", Product_Interests__c=None),
    ]
    return {"Account": accounts}


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    org = make_org(tmp_path_factory.mktemp("org"), org_records())
    yield org
    org.store.close()


def names(org: Org, where: str) -> set[str]:
    return {row["Name"] for row in org.records(f"SELECT Name FROM Account WHERE {where}")}


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Product_Interests__c INCLUDES ('Storage')", {"Acme Energy", "Borealis Retail"}),
        # ';' asks for every value, ',' for any of the lists
        ("Product_Interests__c INCLUDES ('Solar;Wind')", {"Acme Energy"}),
        (
            "Product_Interests__c INCLUDES ('Solar;Hydro', 'storage')",
            {"Acme Energy", "Borealis Retail"},
        ),
        ("Product_Interests__c EXCLUDES ('Wind')", {"Borealis Retail", "Delta Foods"}),
        ("Product_Interests__c = 'Hydro;Wind'", {"Cobalt Labs"}),
        ("Product_Interests__c = 'Hydro'", set()),
        ("Product_Interests__c != 'Storage'", {"Acme Energy", "Cobalt Labs", "Delta Foods"}),
        ("Product_Interests__c = null", {"Delta Foods"}),
    ],
)
def test_multi_select_picklist_filters(org: Org, where: str, expected: set[str]) -> None:
    assert names(org, where) == expected


@pytest.mark.parametrize(
    ("soql", "code", "text"),
    [
        (
            "SELECT Id FROM Account WHERE Name INCLUDES ('Acme')",
            "INVALID_QUERY_FILTER_OPERATOR",
            "includes or excludes operator only valid on multipicklist field",
        ),
        (
            "SELECT Id FROM Account WHERE Product_Interests__c LIKE 'Sol%'",
            "INVALID_QUERY_FILTER_OPERATOR",
            "invalid operator on field: Product_Interests__c",
        ),
        (
            "SELECT Id FROM Account WHERE Product_Interests__c INCLUDES (5)",
            "INVALID_FIELD",
            "must be of type string and should be enclosed in quotes",
        ),
        (
            "SELECT Id FROM Account ORDER BY Product_Interests__c",
            "INVALID_FIELD",
            "field 'Product_Interests__c' can not be sorted in a query call",
        ),
        (
            "SELECT Id FROM Account WHERE BillingAddress != null",
            "INVALID_FIELD",
            "field 'BillingAddress' can not be filtered in query call",
        ),
        (
            "SELECT Id FROM Account ORDER BY BillingAddress",
            "INVALID_FIELD",
            "field 'BillingAddress' can not be sorted in a query call",
        ),
    ],
)
def test_operators_salesforce_refuses_on_these_types(
    org: Org, soql: str, code: str, text: str
) -> None:
    error = org.error(soql)
    assert error["errorCode"] == code
    assert text in error["message"]


def test_billing_address_is_built_from_its_components(org: Org) -> None:
    rows = org.records(
        "SELECT Name, BillingAddress FROM Account WHERE Name IN ('Acme Energy', 'Delta Foods') "
        "ORDER BY Name"
    )
    acme, delta = rows
    assert acme["BillingAddress"] == {
        "city": "Oslo",
        "country": "Norway",
        "geocodeAccuracy": None,
        "latitude": None,
        "longitude": None,
        "postalCode": None,
        "state": None,
        "street": None,
    }
    assert delta["BillingAddress"] is None
