"""The analysis' own settings objects, made from the configuration once per cycle."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from config.intelligence import HEALTH_COMPONENTS
from config.settings import Settings
from transforms.account_calendars import AccountCalendars, account_calendars
from transforms.attribution import AttributionSettings
from transforms.business_hours import BusinessCalendar
from transforms.complaints import SlaPolicy
from transforms.health import HealthWeights

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def attribution_settings(settings: Settings) -> AttributionSettings:
    section = settings.attribution
    return AttributionSettings(
        internal_domains=frozenset(section.internal_domains),
        shared_domains=frozenset(section.shared_domains),
        extra_domains={k: tuple(v) for k, v in section.extra_domains.items()},
        domain_field=section.domain_field,
        min_unmatched_items=section.min_unmatched_items,
    )


def default_calendar(settings: Settings) -> BusinessCalendar:
    """The company's calendar: for accounts whose country is unknown."""
    hours = settings.business_hours
    return BusinessCalendar(
        hours.timezone,
        hours.country,
        days=tuple(sorted(_WEEKDAYS.index(day) for day in set(hours.days))),
        opens=dt.time.fromisoformat(hours.opens),
        closes=dt.time.fromisoformat(hours.closes),
    )


def calendars_of(settings: Settings, accounts: pd.DataFrame) -> AccountCalendars:
    """Each account's business calendar (country from BillingCountry)."""
    return account_calendars(
        accounts, default=default_calendar(settings),
        zone_overrides=settings.business_hours.time_zones or None,
    )  # fmt: skip


def sla_policy(settings: Settings) -> SlaPolicy:
    sla = settings.sla
    return SlaPolicy(
        first_response_hours=dict(sla.first_response_hours),
        resolution_hours=dict(sla.resolution_hours),
        default_priority=sla.default_priority,
        closed_window_days=sla.closed_window_days,
        at_risk_share=sla.at_risk_share,
    )


def health_weights(settings: Settings) -> HealthWeights:
    """The configured weights; a component left out of `[health] weights` is worth 0."""
    weights = settings.health.weights
    return HealthWeights(**{name: float(weights.get(name, 0)) for name in HEALTH_COMPONENTS})
