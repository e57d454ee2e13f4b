"""Opportunities with their products and contact roles, account by account.

One pass per account writes the Opportunity records and their children, so the
Amount and the line items always agree and nothing is held twice.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from sandbox.seed.catalogue import FAMILIES, Catalogue
from sandbox.seed.clock import Clock, sf_date
from sandbox.seed.contact_roles import contact_role_records
from sandbox.seed.crm import ClientContact
from sandbox.seed.line_items import line_item_records
from sandbox.seed.model import Record
from sandbox.seed.pipeline import Deal, bought_families, deal_dates, forecast_category, plan_deals
from sandbox.seed.plans import AccountPlan
from sandbox.seed.records import IdMint, sobject_record

_DEAL_KINDS = {
    "New Customer": "Initial Order",
    "Existing Customer - Upgrade": "Expansion",
    "Existing Customer - Replacement": "Renewal",
    "Existing Customer - Downgrade": "Reduced Scope",
}
_EXISTING_KINDS = ["Existing Customer - Upgrade"] * 4 + ["Existing Customer - Replacement"] * 4
_EXISTING_KINDS += ["Existing Customer - Downgrade", "New Customer"]
_NEXT_STEPS = (
    "Send revised quote",
    "Schedule technical review",
    "Confirm volumes with procurement",
    "Agree delivery schedule",
    "Get sign-off from CFO",
    "Share reference customers",
)
#: share of deals without products that still name a client contact
_ROLES_WITHOUT_PRODUCTS = 0.5


@dataclass
class Pipeline:
    """The org's deals: Opportunity, OpportunityLineItem and OpportunityContactRole records."""

    opportunities: list[Record] = field(default_factory=list)
    line_items: list[Record] = field(default_factory=list)
    contact_roles: list[Record] = field(default_factory=list)
    #: open opportunity Ids by account Id (tasks follow up on them)
    open_by_account: dict[str, list[str]] = field(default_factory=dict)
    #: Product_Interests__c by account Id: families of its won and open deals' products
    interests: dict[str, str] = field(default_factory=dict)


def _opportunity_values(plan: AccountPlan, deal: Deal, rng: random.Random) -> Record:
    kind = "New Customer" if plan.tier == "prospect" else rng.choice(_EXISTING_KINDS)
    stage = deal.stage
    return {
        "AccountId": plan.id,
        "Name": f"{plan.company.short_name} - {deal.family} {_DEAL_KINDS[kind]}",
        "StageName": stage.name,
        "Amount": deal.amount,
        "Probability": stage.probability,
        "ExpectedRevenue": round(deal.amount * stage.probability / 100, 2),
        "CloseDate": sf_date(deal.close_day),
        "Type": kind,
        "IsClosed": stage.closed,
        "IsWon": stage.won,
        "ForecastCategoryName": forecast_category(stage, rng),
        "NextStep": None if stage.closed else rng.choice(_NEXT_STEPS),
        "OwnerId": plan.owner.user_id,
    }


def _interests(deals: list[Deal]) -> str | None:
    """The multipicklist value: families on won and open deals, in picklist order."""
    bought = {
        line.product.family
        for deal in deals
        if deal.stage.won or not deal.stage.closed
        for line in deal.lines
    }
    return ";".join(family for family in FAMILIES if family in bought) or None


def opportunity_records(
    plans: list[AccountPlan],
    contacts: dict[str, list[ClientContact]],
    catalogue: Catalogue,
    ids: IdMint,
    clock: Clock,
    author_id: str,
    rng: random.Random,
) -> Pipeline:
    """Every account's deals as records, with their products and the client's people on them."""
    pipeline = Pipeline()
    for plan in plans:
        deals = plan_deals(plan, bought_families(plan, rng), catalogue, clock, rng)
        for deal in deals:
            values = _opportunity_values(plan, deal, rng)
            dates = deal_dates(deal, plan, clock, rng)
            created, modified = dates
            opportunity = sobject_record(
                "Opportunity",
                ids.next("Opportunity"),
                values,
                created=created,
                modified=modified,
                author_id=author_id,
            )
            pipeline.opportunities.append(opportunity)
            pipeline.line_items += line_item_records(
                deal.lines, opportunity, deal.close_day, dates, ids, clock, author_id, rng
            )
            if deal.lines or rng.random() < _ROLES_WITHOUT_PRODUCTS:
                pipeline.contact_roles += contact_role_records(
                    opportunity["Id"], contacts[plan.id], dates, ids, clock, author_id, rng
                )
            if not deal.stage.closed:
                pipeline.open_by_account.setdefault(plan.id, []).append(opportunity["Id"])
        interests = _interests(deals)
        if interests:
            pipeline.interests[plan.id] = interests
    return pipeline
