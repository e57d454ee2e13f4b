"""Account health: each component's points and reason on hand-made frames, bands and summary."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from transforms.health import (
    COMPONENTS,
    HEALTH_COLUMNS,
    HEALTH_COMPONENT_COLUMNS,
    AccountHealth,
    HealthWeights,
    account_health,
)

TODAY = dt.date(2026, 12, 7)


def key_accounts(*ids: str) -> pd.DataFrame:
    return pd.DataFrame({"account_id": list(ids), "account_name": [f"{i} Ltd" for i in ids]})


def engagement(*rows: dict[str, Any]) -> pd.DataFrame:
    defaults = {
        "state": "on track",
        "days_since_touch": 3,
        "cadence_days": 14,
        "last_meeting_at": "2026-11-25T10:00:00Z",
        "next_meeting_at": "2026-12-14T10:00:00Z",
        "touches_90d": 5,
    }
    return pd.DataFrame(
        [defaults | row for row in rows],
        columns=["account_id", *defaults],
    )


def complaints(*rows: tuple[str, str, bool]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["account_id", "state", "is_closed"])


def opportunities(*rows: dict[str, Any]) -> pd.DataFrame:
    defaults = {
        "Amount": 0.0,
        "CloseDate": "2026-06-01",
        "IsClosed": True,
        "IsWon": True,
        "Type": None,
        "Name": "Deal",
        "StageName": "Closed Won",
    }
    columns = ["AccountId", *defaults]
    return pd.DataFrame([defaults | row for row in rows], columns=columns)


def contracts(*rows: dict[str, Any]) -> pd.DataFrame:
    defaults = {"Status": "Activated", "EndDate": "2028-01-01", "ContractNumber": "00000001"}
    return pd.DataFrame([defaults | row for row in rows], columns=["AccountId", *defaults])


# Enough for full marks on money and renewal: flat revenue, pipeline covering it, long contract.
STEADY = (
    {"AccountId": "A", "Amount": 100_000, "CloseDate": "2026-06-01"},
    {"AccountId": "A", "Amount": 100_000, "CloseDate": "2025-06-01"},
    {
        "AccountId": "A",
        "Amount": 150_000,
        "IsClosed": False,
        "IsWon": False,
        "CloseDate": "2027-03-01",
    },
)


def health_of(
    *,
    accounts: pd.DataFrame | None = None,
    touch: pd.DataFrame | None = None,
    cases: pd.DataFrame | None = None,
    deals: pd.DataFrame | None = None,
    running: pd.DataFrame | None = None,
    **options: Any,
) -> AccountHealth:
    return account_health(
        key_accounts("A") if accounts is None else accounts,
        engagement({"account_id": "A"}) if touch is None else touch,
        complaints() if cases is None else cases,
        opportunities(*STEADY) if deals is None else deals,
        contracts({"AccountId": "A"}) if running is None else running,
        today=TODAY,
        **options,
    )


def component(result: AccountHealth, name: str, account_id: str = "A") -> tuple[float, str]:
    rows = result.components
    row = rows[rows["account_id"].eq(account_id) & rows["component"].eq(name)].iloc[0]
    return float(row["points"]), str(row["reason"])


def test_a_healthy_account_scores_100_and_is_green() -> None:
    result = health_of()
    assert list(result.health.columns) == list(HEALTH_COLUMNS)
    assert list(result.components.columns) == list(HEALTH_COMPONENT_COLUMNS)
    row = result.health.iloc[0]
    assert (row["score"], row["band"]) == (100.0, "green")
    assert row["summary"] == "all components at full marks"
    assert list(result.components["component"]) == list(COMPONENTS)


@pytest.mark.parametrize(
    ("state", "days", "points", "reason"),
    [
        ("on track", 3, 25.0, "last touch 3 days ago, cadence 14 days: on track"),
        ("slipping", 20, 12.5, "last touch 20 days ago, cadence 14 days: slipping"),
        ("cold", 45, 0.0, "last touch 45 days ago, cadence 14 days: cold"),
        (None, 20, 12.5, "last touch 20 days ago, cadence 14 days: slipping"),
        (None, None, 0.0, "no touch on record (cadence 14 days): cold"),
    ],
)
def test_engagement_points_follow_the_cadence_state(
    state: str | None, days: int | None, points: float, reason: str
) -> None:
    touch = engagement({"account_id": "A", "state": state, "days_since_touch": days})
    assert component(health_of(touch=touch), "engagement") == (points, reason)


def test_an_account_missing_from_engagement_is_neutral_on_engagement_and_meetings() -> None:
    result = health_of(touch=engagement({"account_id": "other"}))
    assert component(result, "engagement") == (12.5, "no engagement data: neutral")
    assert component(result, "meetings") == (7.5, "no meeting data: neutral")


NOV_25, DEC_14, MAY_1 = "2026-11-25T10:00:00Z", "2026-12-14T10:00:00Z", "2026-05-01T10:00:00Z"
NO_RECENT = "no meeting in the last 90 days"


@pytest.mark.parametrize(
    ("last", "upcoming", "points", "reason"),
    [
        (NOV_25, DEC_14, 15.0, "last met 12 days ago, next meeting 2026-12-14"),
        (NOV_25, None, 7.5, "last met 12 days ago, none booked"),
        (MAY_1, DEC_14, 7.5, f"{NO_RECENT} (last 2026-05-01), next meeting 2026-12-14"),
        (None, "2026-12-01T10:00:00Z", 0.0, f"{NO_RECENT}, none booked"),
    ],
)
def test_meetings_count_a_recent_meeting_and_a_booked_one(
    last: str | None, upcoming: str | None, points: float, reason: str
) -> None:
    touch = engagement({"account_id": "A", "last_meeting_at": last, "next_meeting_at": upcoming})
    assert component(health_of(touch=touch), "meetings") == (points, reason)


def test_meeting_times_may_arrive_as_timestamps() -> None:
    touch = engagement(
        {
            "account_id": "A",
            "last_meeting_at": pd.Timestamp("2026-11-25T10:00Z"),
            "next_meeting_at": pd.Timestamp("2026-12-14T10:00Z"),
        }
    )
    assert component(health_of(touch=touch), "meetings")[0] == 15.0


def test_two_breached_complaints_leave_four_of_twenty_points() -> None:
    cases = complaints(("A", "breached", True), ("A", "breached", False), ("B", "breached", False))
    assert component(health_of(cases=cases), "complaints") == (
        4.0,
        "2 complaints breached their SLA in the last 90 days",
    )


def test_complaints_at_risk_and_open_cost_less_and_met_ones_nothing() -> None:
    cases = complaints(("A", "at risk", False), ("A", "on track", False), ("A", "met", True))
    assert component(health_of(cases=cases), "complaints") == (
        14.0,
        "1 complaint at risk of breaching, 1 open on track",
    )
    met = complaints(("A", "met", True), ("A", "met", True))
    assert component(health_of(cases=met), "complaints") == (
        20.0,
        "2 complaints in the last 90 days, all within SLA",
    )


def test_no_complaints_is_full_marks() -> None:
    assert component(health_of(), "complaints") == (20.0, "no complaints in the last 90 days")


def test_revenue_down_a_third_keeps_two_thirds_of_the_trend_points() -> None:
    deals = opportunities(
        {"AccountId": "A", "Amount": 1_190_000, "CloseDate": "2026-06-01"},
        {"AccountId": "A", "Amount": 1_800_000, "CloseDate": "2025-06-01"},
        # Credit notes and deals from three years ago do not count.
        {"AccountId": "A", "Amount": -500_000, "CloseDate": "2026-07-01"},
        {"AccountId": "A", "Amount": 900_000, "CloseDate": "2024-01-01"},
    )
    assert component(health_of(deals=deals), "revenue_trend") == (
        9.9,
        "revenue −34 % (1.2 M vs 1.8 M)",
    )


@pytest.mark.parametrize(
    ("now", "before", "points", "reason"),
    [
        (0, 0, 7.5, "no revenue in either year: neutral"),
        (50_000, 0, 15.0, "new revenue 50 k (none the 12 months before)"),
        (300_000, 200_000, 15.0, "revenue +50 % (300 k vs 200 k)"),
        (0, 200_000, 0.0, "revenue −100 % (0 vs 200 k)"),
    ],
)
def test_revenue_trend_edges(now: float, before: float, points: float, reason: str) -> None:
    deals = opportunities(
        {"AccountId": "A", "Amount": now, "CloseDate": "2026-06-01"},
        {"AccountId": "A", "Amount": before, "CloseDate": "2025-06-01"},
    )
    assert component(health_of(deals=deals), "revenue_trend") == (points, reason)


def test_pipeline_coverage_counts_open_deals_of_the_next_twelve_months() -> None:
    deals = opportunities(
        {"AccountId": "A", "Amount": 400_000, "CloseDate": "2026-06-01"},
        {"AccountId": "A", "Amount": 200_000, "IsClosed": False, "CloseDate": "2027-02-01"},
        # Stale (past close date), too far out, or lost: not pipeline.
        {"AccountId": "A", "Amount": 900_000, "IsClosed": False, "CloseDate": "2026-10-01"},
        {"AccountId": "A", "Amount": 900_000, "IsClosed": False, "CloseDate": "2028-06-01"},
        {"AccountId": "A", "Amount": 900_000, "IsWon": False, "CloseDate": "2026-11-01"},
    )
    assert component(health_of(deals=deals), "pipeline") == (
        7.5,
        "open pipeline 200 k covers 50% of last 12 months' revenue 400 k",
    )


def test_pipeline_without_revenue_is_full_marks_and_neither_is_neutral() -> None:
    pipeline_only = opportunities(
        {"AccountId": "A", "Amount": 10_000, "IsClosed": False, "CloseDate": "2027-01-01"}
    )
    assert component(health_of(deals=pipeline_only), "pipeline")[0] == 15.0
    nothing = opportunities()
    assert component(health_of(deals=nothing), "pipeline") == (
        7.5,
        "no revenue in the last 12 months and no open pipeline: neutral",
    )


def test_contract_ending_inside_notice_without_renewal_scores_zero() -> None:
    running = contracts({"AccountId": "A", "EndDate": "2027-01-15", "ContractNumber": "00001234"})
    assert component(health_of(running=running), "renewal") == (
        0.0,
        "contract 00001234 ends 2027-01-15, no renewal opportunity",
    )


@pytest.mark.parametrize(
    "renewal",
    [
        {"Type": "Renewal", "Name": "FY27"},
        {"Type": None, "Name": "ACME contract RENEWAL 2027"},
    ],
)
def test_an_open_renewal_opportunity_covers_the_ending_contract(renewal: dict[str, Any]) -> None:
    running = contracts({"AccountId": "A", "EndDate": "2027-01-15", "ContractNumber": "00001234"})
    deals = opportunities(
        *STEADY,
        {"AccountId": "A", "IsClosed": False, "IsWon": False, "CloseDate": "2027-01-10"} | renewal,
    )
    assert component(health_of(deals=deals, running=running), "renewal") == (
        10.0,
        "contract 00001234 ends 2027-01-15, renewal opportunity open",
    )


def test_renewal_ignores_drafts_and_ended_contracts_and_is_neutral_without_any() -> None:
    running = contracts(
        {"AccountId": "A", "Status": "Draft", "EndDate": "2027-01-15"},
        {"AccountId": "A", "EndDate": "2026-11-30"},
    )
    assert component(health_of(running=running), "renewal") == (
        5.0,
        "no activated contract on record: neutral",
    )
    later = contracts({"AccountId": "A", "EndDate": "2027-06-30"})
    assert component(health_of(running=later), "renewal") == (
        10.0,
        "no contract ends within the 90-day notice period",
    )
    assert component(health_of(running=later, renewal_notice_days=365), "renewal")[0] == 0.0


def test_summary_names_the_two_components_losing_most_and_bands_follow_config() -> None:
    cases = complaints(("A", "breached", True), ("A", "breached", True))
    running = contracts({"AccountId": "A", "EndDate": "2027-01-15"})
    result = health_of(cases=cases, running=running)
    row = result.health.iloc[0]
    assert row["summary"] == "weak: complaints (4/20), renewal (0/10)"
    assert (row["score"], row["band"]) == (74.0, "green")
    assert health_of(cases=cases, running=running, green=80.0).health.iloc[0]["band"] == "amber"
    assert health_of(cases=cases, running=running, green=90, amber=80).health["band"][0] == "red"


def test_weights_reshape_the_score_and_points_stay_within_them() -> None:
    weights = HealthWeights(
        engagement=50, meetings=0, complaints=50, revenue_trend=0, pipeline=0, renewal=0
    )
    cases = complaints(("A", "breached", False))
    result = health_of(cases=cases, weights=weights)
    assert component(result, "complaints")[0] == 30.0
    assert component(result, "meetings")[0] == 0.0
    assert result.health.iloc[0]["score"] == 80.0


@pytest.mark.parametrize(
    "weights",
    [{"engagement": 30.0}, {"engagement": -5.0, "meetings": 45.0}, {"renewal": float("nan")}],
)
def test_weights_must_be_non_negative_and_sum_to_100(weights: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="health weights"):
        HealthWeights(**weights)


def test_bad_bands_and_missing_columns_are_refused() -> None:
    with pytest.raises(ValueError, match="amber <= green"):
        health_of(green=30.0, amber=40.0)
    with pytest.raises(ValueError, match="engagement frame is missing required column"):
        health_of(touch=pd.DataFrame({"account_id": ["A"]}))


def test_accounts_come_worst_first_once_each_with_their_components_in_the_same_order() -> None:
    touch = engagement(
        {"account_id": "A"}, {"account_id": "B", "state": "cold", "days_since_touch": 60}
    )
    result = health_of(accounts=key_accounts("A", "B", "A"), touch=touch)
    assert list(result.health["account_id"]) == ["B", "A"]
    assert list(result.components["account_id"]) == ["B"] * 6 + ["A"] * 6
    assert result.health.iloc[0]["score"] < result.health.iloc[1]["score"]


def test_no_key_accounts_gives_empty_frames() -> None:
    result = health_of(accounts=key_accounts())
    assert result.health.empty and result.components.empty
    assert list(result.health.columns) == list(HEALTH_COLUMNS)
