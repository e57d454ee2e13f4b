"""Opportunities: two years of won and lost deals plus the open pipeline.

Won deals add up to each account's planned yearly spend, which is what makes
revenue Pareto-like; stages follow Salesforce's default sales process.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sandbox.seed.clock import Clock, sf_date
from sandbox.seed.model import Record
from sandbox.seed.plans import AccountPlan, Tier
from sandbox.seed.records import IdMint, sobject_record


@dataclass(frozen=True)
class Stage:
    """A StageName value with the defaults Salesforce attaches to it."""

    name: str
    probability: float
    forecast_category: str
    closed: bool = False
    won: bool = False


#: Salesforce's default sales process (every open stage forecasts as Pipeline).
STAGES: dict[str, Stage] = {
    stage.name: stage
    for stage in (
        Stage("Prospecting", 10.0, "Pipeline"),
        Stage("Qualification", 10.0, "Pipeline"),
        Stage("Needs Analysis", 20.0, "Pipeline"),
        Stage("Value Proposition", 50.0, "Pipeline"),
        Stage("Id. Decision Makers", 60.0, "Pipeline"),
        Stage("Perception Analysis", 70.0, "Pipeline"),
        Stage("Proposal/Price Quote", 75.0, "Pipeline"),
        Stage("Negotiation/Review", 90.0, "Pipeline"),
        Stage("Closed Won", 100.0, "Closed", closed=True, won=True),
        Stage("Closed Lost", 0.0, "Omitted", closed=True),
    )
}
#: Categories an owner may pick over the stage default for a late-stage deal.
FORECAST_OVERRIDES = {"Proposal/Price Quote": "Best Case", "Negotiation/Review": "Commit"}
_OPEN_STAGES = [stage for stage in STAGES.values() if not stage.closed]
_OPEN_STAGE_WEIGHTS = [14, 12, 12, 12, 10, 10, 16, 14]

#: per tier: (won, lost, open) deal counts as (min, max)
_DEALS: dict[Tier, tuple[tuple[int, int], tuple[int, int], tuple[int, int]]] = {
    "big": ((6, 12), (1, 3), (2, 4)),
    "small": ((1, 4), (0, 2), (0, 2)),
    "prospect": ((0, 0), (0, 2), (1, 2)),
}
PRODUCT_LINES = (
    "Hydraulic Fittings",
    "Industrial Fasteners",
    "Bearings & Seals",
    "Safety Equipment",
    "Cutting Tools",
    "Pneumatic Components",
    "Electrical Cabinets",
    "Maintenance Supplies",
    "Lubricants",
    "Packaging Materials",
)
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
_HISTORY_DAYS = 730


@dataclass(frozen=True)
class Deal:
    """One opportunity before it becomes a record."""

    stage: Stage
    close_day: date
    amount: float


def _deal_size(plan: AccountPlan, won_count: int, rng: random.Random) -> float:
    if plan.annual_spend:
        typical = plan.annual_spend * 2 / max(won_count, 1)
    else:
        typical = rng.uniform(20_000, 150_000)
    return max(1000.0, round(typical * rng.uniform(0.6, 1.4), -2))


def _deals(plan: AccountPlan, clock: Clock, rng: random.Random) -> list[Deal]:
    """Closed deals within the account's lifetime and open ones around today."""
    won_range, lost_range, open_range = _DEALS[plan.tier]
    won, lost = rng.randint(*won_range), rng.randint(*lost_range)
    oldest = max(-_HISTORY_DAYS, (plan.created.date() - clock.today).days + 30)
    closed = [STAGES["Closed Won"]] * won + [STAGES["Closed Lost"]] * lost
    deals = [
        Deal(stage, clock.day(rng.randint(oldest, -1)), _deal_size(plan, won, rng))
        for stage in closed
    ]
    open_offsets = [rng.randint(-15, 150) for _ in range(rng.randint(*open_range))]
    if plan.meant_key:
        open_offsets.append(rng.randint(3, 28))
    for offset in open_offsets:
        stage = rng.choices(_OPEN_STAGES, _OPEN_STAGE_WEIGHTS)[0]
        deals.append(Deal(stage, clock.day(offset), _deal_size(plan, won, rng)))
    return deals


def _forecast_category(stage: Stage, rng: random.Random) -> str:
    override = FORECAST_OVERRIDES.get(stage.name)
    return override if override and rng.random() < 0.5 else stage.forecast_category


def _bookkeeping(
    deal: Deal, plan: AccountPlan, clock: Clock, rng: random.Random
) -> tuple[datetime, datetime]:
    """CreatedDate weeks before the close (or today); LastModifiedDate at close or lately."""
    anchor = min(deal.close_day, clock.day(-1))
    created_day = max(anchor - timedelta(days=rng.randint(14, 120)), plan.created.date())
    created = max(clock.moment(created_day, rng), plan.created)
    if deal.stage.closed:
        return created, max(created, clock.moment(deal.close_day, rng))
    recent = max(created, clock.now - timedelta(days=30))
    return created, clock.since(recent, rng)


def opportunity_records(
    plans: list[AccountPlan], ids: IdMint, clock: Clock, author_id: str, rng: random.Random
) -> tuple[list[Record], dict[str, list[str]]]:
    """Opportunities of every account, and the open ones' Ids by account Id."""
    records: list[Record] = []
    open_by_account: dict[str, list[str]] = {}
    for plan in plans:
        for deal in _deals(plan, clock, rng):
            kind = "New Customer" if plan.tier == "prospect" else rng.choice(_EXISTING_KINDS)
            product = rng.choice(PRODUCT_LINES)
            opportunity_id = ids.next("Opportunity")
            values = {
                "AccountId": plan.id,
                "Name": f"{plan.company.short_name} - {product} {_DEAL_KINDS[kind]}",
                "StageName": deal.stage.name,
                "Amount": deal.amount,
                "Probability": deal.stage.probability,
                "ExpectedRevenue": round(deal.amount * deal.stage.probability / 100, 2),
                "CloseDate": sf_date(deal.close_day),
                "Type": kind,
                "IsClosed": deal.stage.closed,
                "IsWon": deal.stage.won,
                "ForecastCategoryName": _forecast_category(deal.stage, rng),
                "NextStep": None if deal.stage.closed else rng.choice(_NEXT_STEPS),
                "OwnerId": plan.owner.user_id,
            }
            created, modified = _bookkeeping(deal, plan, clock, rng)
            records.append(
                sobject_record(
                    "Opportunity",
                    opportunity_id,
                    values,
                    created=created,
                    modified=modified,
                    author_id=author_id,
                )
            )
            if not deal.stage.closed:
                open_by_account.setdefault(plan.id, []).append(opportunity_id)
    return records, open_by_account
