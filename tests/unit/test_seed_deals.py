"""Deals carry products and client contacts the way a real org's do."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from sandbox.seed import Seed
from tests.unit.test_seed_support import TESTED_PRESETS, seed_of

TODAY = dt.date(2026, 11, 27)
FAMILIES = (
    "Cutting Tools",
    "Fasteners",
    "Bearings & Seals",
    "Hydraulics",
    "Packaging Materials",
    "Safety Equipment",
    "Services",
)
#: Salesforce's default OpportunityContactRole.Role values
CONTACT_ROLES = {
    "Business User",
    "Decision Maker",
    "Economic Buyer",
    "Economic Decision Maker",
    "Evaluator",
    "Executive Sponsor",
    "Influencer",
    "Technical Buyer",
    "Other",
}


def seed(preset: str) -> Seed:
    return seed_of(preset, TODAY)


def children_by_opportunity(seed: Seed, sobject: str) -> dict[str, list[dict]]:
    children: dict[str, list[dict]] = defaultdict(list)
    for record in seed.salesforce[sobject]:
        children[record["OpportunityId"]].append(record)
    return children


@pytest.mark.parametrize(("preset", "size"), [("tiny", 15), ("demo", 40)])
def test_the_price_book_covers_every_family_with_unique_codes(preset: str, size: int) -> None:
    products = seed(preset).salesforce["Product2"]
    assert len(products) == size
    assert {product["Family"] for product in products} == set(FAMILIES)
    codes = [product["ProductCode"] for product in products]
    assert len(set(codes)) == len(codes)
    assert len({product["Name"] for product in products}) == len(products)


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_line_items_price_out_to_the_opportunity_amount(preset: str) -> None:
    products = {product["Id"]: product for product in seed(preset).salesforce["Product2"]}
    lines_of = children_by_opportunity(seed(preset), "OpportunityLineItem")
    for opportunity in seed(preset).salesforce["Opportunity"]:
        lines = lines_of[opportunity["Id"]]
        if not lines:
            continue
        assert sum(line["TotalPrice"] for line in lines) == pytest.approx(
            opportunity["Amount"], abs=0.01
        )
        for line in lines:
            product = products[line["Product2Id"]]
            assert line["Quantity"] >= 1 and line["Quantity"] == int(line["Quantity"])
            assert line["UnitPrice"] > 0
            assert line["TotalPrice"] == pytest.approx(
                line["Quantity"] * line["UnitPrice"], abs=0.0051
            )
            assert line["Name"] == f"{opportunity['Name']} {product['Name']}"
            assert line["ServiceDate"] == opportunity["CloseDate"]
            assert product["IsActive"] or opportunity["IsClosed"], "open deals sell current items"
            assert opportunity["CreatedDate"] <= line["CreatedDate"]
            assert line["CreatedDate"] <= opportunity["LastModifiedDate"]


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_most_deals_sell_one_family_they_are_named_for(preset: str) -> None:
    products = {product["Id"]: product for product in seed(preset).salesforce["Product2"]}
    lines_of = children_by_opportunity(seed(preset), "OpportunityLineItem")
    opportunities = seed(preset).salesforce["Opportunity"]
    with_lines = [o for o in opportunities if lines_of[o["Id"]]]
    assert len(with_lines) > 0.8 * len(opportunities)
    for opportunity in with_lines:
        lines = lines_of[opportunity["Id"]]
        assert 1 <= len(lines) <= 4
        families = {products[line["Product2Id"]]["Family"] for line in lines}
        goods = families - {"Services"} or families
        assert len(goods) == 1
        assert f" - {goods.pop()} " in opportunity["Name"]
    assert any(len(lines_of[o["Id"]]) >= 3 for o in with_lines)
    assert any(len(lines_of[o["Id"]]) == 1 for o in with_lines)


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_deals_with_contact_roles_have_one_primary_contact_of_the_account(preset: str) -> None:
    salesforce = seed(preset).salesforce
    account_of_contact = {contact["Id"]: contact["AccountId"] for contact in salesforce["Contact"]}
    roles_of = children_by_opportunity(seed(preset), "OpportunityContactRole")
    opportunities = salesforce["Opportunity"]
    assert len(roles_of) > 0.8 * len(opportunities)
    for opportunity in opportunities:
        roles = roles_of[opportunity["Id"]]
        if not roles:
            continue
        assert 1 <= len(roles) <= 2
        assert sum(role["IsPrimary"] for role in roles) == 1
        assert len({role["ContactId"] for role in roles}) == len(roles)
        for role in roles:
            assert role["Role"] in CONTACT_ROLES
            assert account_of_contact[role["ContactId"]] == opportunity["AccountId"]
            assert opportunity["CreatedDate"] <= role["CreatedDate"]
            assert role["CreatedDate"] <= opportunity["LastModifiedDate"]
    assert sum(len(roles) == 2 for roles in roles_of.values()) > 0.2 * len(roles_of)


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_product_interests_are_the_families_an_account_buys(preset: str) -> None:
    salesforce = seed(preset).salesforce
    family_of = {product["Id"]: product["Family"] for product in salesforce["Product2"]}
    deal = {opportunity["Id"]: opportunity for opportunity in salesforce["Opportunity"]}
    bought: dict[str, set[str]] = defaultdict(set)
    for line in salesforce["OpportunityLineItem"]:
        opportunity = deal[line["OpportunityId"]]
        if opportunity["IsWon"] or not opportunity["IsClosed"]:
            bought[opportunity["AccountId"]].add(family_of[line["Product2Id"]])
    for account in salesforce["Account"]:
        interests = account["Product_Interests__c"]
        values = interests.split(";") if interests is not None else []
        assert values == [family for family in FAMILIES if family in values], "picklist order"
        assert set(values) == bought[account["Id"]], account["Id"]
    assert any(";" in (account["Product_Interests__c"] or "") for account in salesforce["Account"])
