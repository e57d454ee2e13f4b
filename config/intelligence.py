"""Settings of the account analysis: attribution, business hours and SLAs, engagement
cadence, health weights and bands, team load. Every key has a product default."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from config.operations import check_timezone

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_HOUR = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
HEALTH_COMPONENTS = ("engagement", "meetings", "complaints", "revenue_trend", "pipeline", "renewal")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Hours = Annotated[float, Field(gt=0)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _domains(values: list[str], where: str) -> list[str]:
    cleaned = [value.strip().lower().removeprefix("@") for value in values]
    bad = [value for value in cleaned if not _DOMAIN.match(value)]
    if bad:
        raise ValueError(f"{where}: {', '.join(map(repr, bad))} is not a domain like example.com")
    return cleaned


class AttributionSettings(_Section):
    #: The company's own mail domains (empty: those of CRM users and the mailboxes).
    internal_domains: list[str] = []
    #: Shared or portal domains that never identify a client, besides the built-in free-mail list.
    shared_domains: list[str] = []
    #: Account Id -> more mail domains of that client (subsidiaries, branches).
    extra_domains: dict[str, list[str]] = {}
    #: An Account text field listing more domains (comma or space separated), if the org has one.
    domain_field: str | None = None
    #: An unknown correspondent joins the unmatched queue after this many mails.
    min_unmatched_items: int = Field(default=2, ge=1)

    @field_validator("internal_domains", "shared_domains")
    @classmethod
    def _check(cls, values: list[str]) -> list[str]:
        return _domains(values, "attribution domains")

    @field_validator("extra_domains")
    @classmethod
    def _check_extra(cls, values: dict[str, list[str]]) -> dict[str, list[str]]:
        return {k: _domains(v, f"attribution.extra_domains.{k}") for k, v in values.items()}


class BusinessHoursSettings(_Section):
    #: ISO country whose public holidays apply when an account's BillingCountry is unknown.
    country: str = "US"
    #: Time zone of that default calendar.
    timezone: str = "America/New_York"
    opens: str = "09:00"
    closes: str = "17:00"
    days: list[str] = ["mon", "tue", "wed", "thu", "fri"]
    #: ISO country -> time zone, overriding the main zone kamsync picks for that country.
    time_zones: dict[str, str] = {}

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        import holidays

        code = value.strip().upper()
        if code not in holidays.list_supported_countries():
            raise ValueError(f"{value!r} is not an ISO country code the holidays library knows")
        return code

    @field_validator("time_zones")
    @classmethod
    def _zones(cls, values: dict[str, str]) -> dict[str, str]:
        return {country.upper(): check_timezone(zone) for country, zone in values.items()}

    @field_validator("opens", "closes")
    @classmethod
    def _hour(cls, value: str) -> str:
        if not _HOUR.match(value):
            raise ValueError(f"{value!r} is not a time like 09:00")
        return value

    @field_validator("days")
    @classmethod
    def _days(cls, values: list[str]) -> list[str]:
        days = [value.strip().lower()[:3] for value in values]
        bad = [value for value in days if value not in _WEEKDAYS]
        if bad or not days:
            raise ValueError(f"days must name weekdays ({', '.join(_WEEKDAYS)}), got {values}")
        return days

    @model_validator(mode="after")
    def _order(self) -> BusinessHoursSettings:
        if self.opens >= self.closes:
            raise ValueError(f"business hours open at {self.opens} but close at {self.closes}")
        return self


class SlaSettings(_Section):
    #: Case priority -> business hours to the first response to the client.
    first_response_hours: dict[str, Hours] = {"High": 4, "Medium": 8, "Low": 24}
    #: Case priority -> business hours to resolution (case closed).
    resolution_hours: dict[str, Hours] = {"High": 24, "Medium": 40, "Low": 80}
    #: The priority whose SLAs apply to a case with none or an unknown one.
    default_priority: str = "Medium"
    #: Closed cases stay listed this many days.
    closed_window_days: int = Field(default=90, ge=0)
    #: Share of an SLA used from which a case is "at risk".
    at_risk_share: float = Field(default=0.75, gt=0, lt=1)
    #: Business hours a client's mail may wait for a reply.
    reply_hours: Hours = 8

    @model_validator(mode="after")
    def _default_known(self) -> SlaSettings:
        for name in ("first_response_hours", "resolution_hours"):
            if self.default_priority not in getattr(self, name):
                raise ValueError(f"sla.{name} has no entry for default_priority "
                                 f"{self.default_priority!r}")  # fmt: skip
        return self


class EngagementSettings(_Section):
    #: Tier -> days expected between touches; "strategic" is a flagged key account, "key" any other.
    cadence_days: dict[str, Annotated[int, Field(gt=0)]] = {"strategic": 14, "key": 30}
    #: An Account field naming the tier (its values must be keys of cadence_days).
    tier_field: str | None = None

    @model_validator(mode="after")
    def _tiers(self) -> EngagementSettings:
        missing = [tier for tier in ("strategic", "key") if tier not in self.cadence_days]
        if missing:
            raise ValueError(f"engagement.cadence_days needs {', '.join(missing)}")
        return self


class HealthSettings(_Section):
    #: Points of each component; they must add up to 100.
    weights: dict[str, Annotated[float, Field(ge=0)]] = {
        "engagement": 25, "meetings": 15, "complaints": 20, "revenue_trend": 15,
        "pipeline": 15, "renewal": 10,
    }  # fmt: skip
    green: float = Field(default=70, gt=0, le=100)
    amber: float = Field(default=40, ge=0, le=100)

    @model_validator(mode="after")
    def _check(self) -> HealthSettings:
        unknown = sorted(set(self.weights) - set(HEALTH_COMPONENTS))
        if unknown:
            raise ValueError(f"health.weights: unknown component {', '.join(unknown)} "
                             f"(known: {', '.join(HEALTH_COMPONENTS)})")  # fmt: skip
        total = sum(self.weights.values())
        if abs(total - 100) > 1e-6:
            raise ValueError(f"health.weights add up to {total:g}, not 100")
        if self.amber >= self.green:
            raise ValueError(f"health.amber ({self.amber:g}) must be below green ({self.green:g})")
        return self


class TeamSettings(_Section):
    #: A member is overloaded at this multiple of the team's median load...
    overload_factor: float = Field(default=2.0, gt=1)
    #: ...and at least this many open items and cases.
    overload_minimum: int = Field(default=10, ge=1)
