"""Describe of the newer schema features: formulas, external ids, the compound
address and its parts, multi-select picklists, references and child relationships."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit.test_sandbox_salesforce_helpers import API, Org, make_org, user


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    org = make_org(tmp_path_factory.mktemp("org"), {"User": [user(1, "Kim", "Kam")]})
    yield org
    org.store.close()


def describe(org: Org, sobject: str) -> dict[str, Any]:
    response = org.client.get(f"{API}/sobjects/{sobject}/describe", headers=org.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def field(described: dict[str, Any], name: str) -> dict[str, Any]:
    [found] = [entry for entry in described["fields"] if entry["name"] == name]
    return dict(found)


def test_a_formula_field_is_calculated_and_shows_its_formula(org: Org) -> None:
    segment = field(describe(org, "Opportunity"), "Account_Segment__c")
    assert (segment["type"], segment["calculated"]) == ("string", True)
    assert segment["calculatedFormula"].startswith('IF(Account.Key_Account__c, "Strategic"')
    assert (segment["createable"], segment["updateable"]) == (False, False)
    assert field(describe(org, "Opportunity"), "Name")["calculatedFormula"] is None


def test_external_ids_compound_address_and_multi_select(org: Org) -> None:
    account = describe(org, "Account")
    external = field(account, "External_Id__c")
    assert (external["externalId"], external["idLookup"]) == (True, True)
    assert field(account, "Name")["externalId"] is False
    address = field(account, "BillingAddress")
    assert (address["type"], address["filterable"], address["sortable"]) == (
        "address",
        False,
        False,
    )
    assert address["compoundFieldName"] is None
    assert field(account, "BillingCity")["compoundFieldName"] == "BillingAddress"
    assert field(account, "Name")["compoundFieldName"] is None
    interests = field(account, "Product_Interests__c")
    assert (interests["type"], interests["sortable"]) == ("multipicklist", False)


def test_references_name_their_targets_and_relationship(org: Org) -> None:
    task = describe(org, "Task")
    what = field(task, "WhatId")
    assert (what["type"], what["relationshipName"], what["polymorphicForeignKey"]) == (
        "reference",
        "What",
        True,
    )
    assert what["referenceTo"] == ["Account", "Opportunity", "Case", "Contract"]
    line_item = field(describe(org, "OpportunityLineItem"), "OpportunityId")
    assert (line_item["createable"], line_item["updateable"]) == (True, False)


def test_parents_list_their_child_relationships(org: Org) -> None:
    relationships = {
        (entry["childSObject"], entry["field"]): entry["relationshipName"]
        for entry in describe(org, "Account")["childRelationships"]
    }
    assert relationships[("Contact", "AccountId")] == "Contacts"
    assert relationships[("Opportunity", "AccountId")] == "Opportunities"
    assert relationships[("Task", "WhatId")] == "Tasks"
    assert relationships[("Task", "AccountId")] is None
    assert relationships[("AccountTeamMember", "AccountId")] == "AccountTeamMembers"
    assert relationships[("Account", "ParentId")] == "ChildAccounts"
    opportunity = {
        entry["relationshipName"] for entry in describe(org, "Opportunity")["childRelationships"]
    }
    assert {"OpportunityLineItems", "OpportunityContactRoles", "Tasks", "Events"} <= opportunity
