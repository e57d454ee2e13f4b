"""Deals: two years of won and lost opportunities plus the open pipeline.

Won deals add up to each account's planned yearly spend, which is what makes
revenue Pareto-like; stages follow Salesforce's default sales process; each
deal sells products of one family the account buys.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sandbox.seed.catalogue import GOODS_FAMILIES, Catalogue
from sandbox.seed.clock import Clock
from sandbox.seed.line_items import Line, amount_of, plan_lines
from sandbox.seed.plans import AccountPlan, Tier


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
_OPEN_STAGE_CUM_WEIGHTS = list(itertools.accumulate([14, 12, 12, 12, 10, 10, 16, 14]))
#: share of early-stage deals (probability <= 20 %) that have no products yet
_EARLY_WITHOUT_PRODUCTS = 0.6

#: per tier: (won, lost, open) deal counts as (min, max)
_DEALS: dict[Tier, tuple[tuple[int, int], tuple[int, int], tuple[int, int]]] = {
    "big": ((6, 12), (1, 3), (2, 4)),
    "small": ((1, 4), (0, 2), (0, 2)),
    "prospect": ((0, 0), (0, 2), (1, 2)),
}
#: what clients of an industry mostly buy (other families are drawn at random)
_INDUSTRY_FAMILIES: dict[str, tuple[str, ...]] = {
    "Manufacturing": ("Cutting Tools", "Fasteners"),
    "Machinery": ("Hydraulics", "Bearings & Seals"),
    "Construction": ("Safety Equipment", "Fasteners"),
    "Energy": ("Safety Equipment", "Hydraulics"),
    "Chemicals": ("Safety Equipment", "Packaging Materials"),
    "Transportation": ("Packaging Materials", "Hydraulics"),
    "Food & Beverage": ("Packaging Materials",),
    "Utilities": ("Safety Equipment",),
    "Healthcare": ("Packaging Materials",),
    "Electronics": ("Fasteners", "Packaging Materials"),
    "Retail": ("Packaging Materials",),
    "Agriculture": ("Hydraulics", "Bearings & Seals"),
    "Engineering": ("Cutting Tools", "Bearings & Seals"),
    "Shipping": ("Packaging Materials", "Safety Equipment"),
}
_HISTORY_DAYS = 730


@dataclass(frozen=True)
class Deal:
    """One opportunity before it becomes a record; Amount is the sum of its lines."""

    stage: Stage
    close_day: date
    family: str
    lines: list[Line]
    amount: float


def bought_families(plan: AccountPlan, rng: random.Random) -> tuple[str, ...]:
    """The goods families an account buys: its industry's staples and maybe one more."""
    staples = _INDUSTRY_FAMILIES.get(plan.company.industry, ())
    others = [family for family in GOODS_FAMILIES if family not in staples]
    extra = rng.sample(others, rng.randint(0 if staples else 1, 2 if plan.tier == "big" else 1))
    return (*staples, *extra)


def _deal_size(plan: AccountPlan, won_count: int, rng: random.Random) -> float:
    if plan.annual_spend:
        typical = plan.annual_spend * 2 / max(won_count, 1)
    else:
        typical = rng.uniform(20_000, 150_000)
    return max(1000.0, round(typical * rng.uniform(0.6, 1.4), -2))


def _deal(
    stage: Stage,
    close_day: date,
    target: float,
    families: tuple[str, ...],
    catalogue: Catalogue,
    rng: random.Random,
) -> Deal:
    """A deal worth about `target` selling one of `families` (early ones maybe no products)."""
    family = rng.choice(families)
    early = not stage.closed and stage.probability <= 20
    if early and rng.random() < _EARLY_WITHOUT_PRODUCTS:
        return Deal(stage, close_day, family, [], target)
    lines = plan_lines(target, family, catalogue, not stage.closed, rng)
    return Deal(stage, close_day, family, lines, amount_of(lines))


def plan_deals(
    plan: AccountPlan,
    families: tuple[str, ...],
    catalogue: Catalogue,
    clock: Clock,
    rng: random.Random,
) -> list[Deal]:
    """Closed deals within the account's lifetime and open ones around today."""
    won_range, lost_range, open_range = _DEALS[plan.tier]
    won, lost = rng.randint(*won_range), rng.randint(*lost_range)
    oldest = max(-_HISTORY_DAYS, (plan.created.date() - clock.today).days + 30)
    closed = [STAGES["Closed Won"]] * won + [STAGES["Closed Lost"]] * lost
    deals = [
        _deal(
            stage,
            clock.day(rng.randint(oldest, -1)),
            _deal_size(plan, won, rng),
            families,
            catalogue,
            rng,
        )
        for stage in closed
    ]
    open_offsets = [rng.randint(-15, 150) for _ in range(rng.randint(*open_range))]
    if plan.meant_key:
        open_offsets.append(rng.randint(3, 28))
    for offset in open_offsets:
        stage = rng.choices(_OPEN_STAGES, cum_weights=_OPEN_STAGE_CUM_WEIGHTS)[0]
        size = _deal_size(plan, won, rng)
        deals.append(_deal(stage, clock.day(offset), size, families, catalogue, rng))
    return deals


def forecast_category(stage: Stage, rng: random.Random) -> str:
    """The stage's default category, or the owner's more hopeful call for a late-stage deal."""
    override = FORECAST_OVERRIDES.get(stage.name)
    return override if override and rng.random() < 0.5 else stage.forecast_category


def deal_dates(
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
