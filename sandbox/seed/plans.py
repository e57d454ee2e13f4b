"""Compact per-account plans every other generator expands into records.

A plan fixes who the client is, who owns it, how much it buys a year and
whether it is meant to be key; records of each object are then generated
account by account from the plans, so work grows linearly with accounts.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sandbox.seed.clock import Clock
from sandbox.seed.names import Company, NameBook
from sandbox.seed.people import KAM_TITLE, Person, Staff
from sandbox.seed.presets import Preset
from sandbox.seed.records import IdMint

Tier = Literal["big", "small", "prospect"]

#: median yearly spend with the supplier per tier (lognormal around it)
_MEDIAN_SPEND: dict[Tier, float] = {"big": 2_500_000.0, "small": 60_000.0, "prospect": 0.0}
#: how many days ago a client of each tier became an account (min, max)
_ACCOUNT_AGE_DAYS: dict[Tier, tuple[int, int]] = {
    "big": (1100, 2900),
    "small": (400, 2200),
    "prospect": (40, 400),
}
_KAM_SHARE_OF_BIG = 0.8
_FLAGGED_SHARE_OF_KAM_BIG = 0.75


@dataclass(frozen=True)
class AccountPlan:
    """What the generator decided about one client account."""

    id: str
    company: Company
    owner: Person
    tier: Tier
    #: Key_Account__c as the CRM shows it
    flagged: bool
    #: what the client buys from the supplier per year (0 for prospects)
    annual_spend: float
    created: datetime

    @property
    def meant_key(self) -> bool:
        """Big or flagged: the accounts whose KAMs need deadlines and renewals."""
        return self.tier == "big" or self.flagged


def _tiers(preset: Preset, rng: random.Random) -> list[Tier]:
    big = max(preset.kams + 1, round(preset.accounts * preset.big_share))
    prospects = round(preset.accounts * preset.prospect_share)
    small = preset.accounts - big - prospects
    counts: dict[Tier, int] = {"big": big, "prospect": prospects, "small": small}
    tiers = [tier for tier, count in counts.items() for _ in range(count)]
    rng.shuffle(tiers)
    return tiers


def _owners(
    tiers: list[Tier], strategic: set[int], staff: Staff, rng: random.Random
) -> list[Person]:
    """Every KAM gets a big client first; big ones mostly go to KAMs, the rest to reps."""
    owners: list[Person] = []
    big_seen = 0
    for index, tier in enumerate(tiers):
        if tier == "big" and big_seen < len(staff.kams):
            owners.append(staff.kams[big_seen])
        elif index in strategic or (tier == "big" and rng.random() < _KAM_SHARE_OF_BIG):
            owners.append(rng.choice(staff.kams))
        else:
            owners.append(rng.choice(staff.reps))
        big_seen += tier == "big"
    return owners


def _spend(tier: Tier, rng: random.Random) -> float:
    median = _MEDIAN_SPEND[tier]
    if median == 0:
        return 0.0
    return round(rng.lognormvariate(math.log(median), 0.5), -3)


def plan_accounts(
    preset: Preset, staff: Staff, names: NameBook, ids: IdMint, clock: Clock, rng: random.Random
) -> list[AccountPlan]:
    """One plan per account of the preset, in Id order."""
    tiers = _tiers(preset, rng)
    small_ones = [index for index, tier in enumerate(tiers) if tier != "big"]
    strategic = set(rng.sample(small_ones, min(preset.strategic_accounts, len(small_ones))))
    owners = _owners(tiers, strategic, staff, rng)
    plans = []
    for index, (tier, owner) in enumerate(zip(tiers, owners, strict=True)):
        by_kam = owner.title == KAM_TITLE
        flagged = index in strategic or (
            tier == "big" and by_kam and rng.random() < _FLAGGED_SHARE_OF_KAM_BIG
        )
        low, high = _ACCOUNT_AGE_DAYS[tier]
        created = clock.moment(clock.day(-rng.randint(low, high)), rng)
        plans.append(
            AccountPlan(
                id=ids.next("Account"),
                company=names.company(rng),
                owner=owner,
                tier=tier,
                flagged=flagged,
                annual_spend=_spend(tier, rng),
                created=created,
            )
        )
    return plans
