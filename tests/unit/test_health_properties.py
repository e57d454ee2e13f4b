"""Account health invariants on messy frames: scores within 0–100, points within their weights."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.health import COMPONENTS, HealthWeights, account_health

TODAY = dt.date(2026, 12, 7)
PROPERTIES = settings(derandomize=True, deadline=None, max_examples=100)
QUICK = settings(derandomize=True, deadline=None, max_examples=40)
ACCOUNT_IDS = ("A", "B", "C", "D", None)

messy_number = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.integers(-(10**9), 10**9),
    st.sampled_from(["", "12.5", "n/a", "-3"]),
)
messy_day = st.one_of(
    st.none(),
    st.dates(dt.date(2023, 1, 1), dt.date(2029, 12, 31)).map(str),
    st.sampled_from(["", "not a date", "2026-02-30"]),
)
messy_instant = st.one_of(
    st.none(),
    st.datetimes(dt.datetime(2025, 1, 1), dt.datetime(2027, 12, 31)).map(
        lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    ),
    st.just("garbage"),
)
messy_flag = st.sampled_from([True, False, None, "true", "false", 1, 0, float("nan")])
account = st.sampled_from(ACCOUNT_IDS)


@st.composite
def weights(draw: st.DrawFn) -> HealthWeights:
    """Any non-negative weights summing to 100 (some possibly zero)."""
    raw = draw(st.lists(st.floats(0, 1000), min_size=len(COMPONENTS), max_size=len(COMPONENTS)))
    total = sum(raw)
    if total <= 0:
        raw, total = [1.0] * len(COMPONENTS), float(len(COMPONENTS))
    shares = [100.0 * value / total for value in raw]
    shares[-1] = max(0.0, 100.0 - sum(shares[:-1]))
    return HealthWeights(**dict(zip(COMPONENTS, shares, strict=True)))


def frame(row: st.SearchStrategy[dict[str, object]], columns: list[str]) -> st.SearchStrategy:
    return st.lists(row, max_size=12).map(lambda rows: pd.DataFrame(rows, columns=columns))


engagement_rows = frame(
    st.fixed_dictionaries(
        {
            "account_id": account,
            "state": st.sampled_from(["on track", "slipping", "cold", "COLD ", None, "odd"]),
            "days_since_touch": messy_number,
            "cadence_days": messy_number,
            "last_meeting_at": messy_instant,
            "next_meeting_at": messy_instant,
            "touches_90d": messy_number,
        }
    ),
    ["account_id", "state", "days_since_touch", "cadence_days", "last_meeting_at",
     "next_meeting_at", "touches_90d"],
)  # fmt: skip
complaint_rows = frame(
    st.fixed_dictionaries(
        {
            "account_id": account,
            "state": st.sampled_from(["on track", "at risk", "breached", "met", None]),
            "is_closed": messy_flag,
        }
    ),
    ["account_id", "state", "is_closed"],
)
opportunity_rows = frame(
    st.fixed_dictionaries(
        {
            "AccountId": account,
            "Amount": messy_number,
            "CloseDate": messy_day,
            "IsClosed": messy_flag,
            "IsWon": messy_flag,
            "Type": st.sampled_from(["Renewal", "New Business", None]),
            "Name": st.sampled_from(["Renewal 2027", "Upsell", None, ""]),
            "StageName": st.sampled_from(["Closed Won", "Prospecting", None]),
        }
    ),
    ["AccountId", "Amount", "CloseDate", "IsClosed", "IsWon", "Type", "Name", "StageName"],
)
contract_rows = frame(
    st.fixed_dictionaries(
        {
            "AccountId": account,
            "Status": st.sampled_from(["Activated", "Draft", None]),
            "EndDate": messy_day,
        }
    ),
    ["AccountId", "Status", "EndDate"],
)
key_account_rows = st.lists(st.sampled_from(ACCOUNT_IDS), max_size=6).map(
    lambda ids: pd.DataFrame({"account_id": ids, "account_name": [None] * len(ids)})
)


@PROPERTIES
@given(
    key_accounts=key_account_rows,
    engagement=engagement_rows,
    complaints=complaint_rows,
    opportunities=opportunity_rows,
    contracts=contract_rows,
    weights=weights(),
)
def test_scores_stay_within_0_to_100_and_are_the_sum_of_points_within_weights(
    key_accounts: pd.DataFrame,
    engagement: pd.DataFrame,
    complaints: pd.DataFrame,
    opportunities: pd.DataFrame,
    contracts: pd.DataFrame,
    weights: HealthWeights,
) -> None:
    result = account_health(
        key_accounts, engagement, complaints, opportunities, contracts,
        today=TODAY, weights=weights,
    )  # fmt: skip
    health, components = result.health, result.components
    expected_ids = set(key_accounts["account_id"].dropna())
    assert set(health["account_id"]) == expected_ids and len(health) == len(expected_ids)
    assert len(components) == len(COMPONENTS) * len(health)

    assert health["score"].between(0.0, 100.0).all()
    assert components["points"].notna().all()
    assert (components["points"] >= 0).all()
    assert (components["points"] <= components["weight"]).all()
    sums = components.groupby("account_id")["points"].sum()
    for account_id, score in zip(health["account_id"], health["score"], strict=True):
        assert math.isclose(score, sums[account_id], abs_tol=0.01)
    assert health["band"].isin(["green", "amber", "red"]).all()
    assert components["reason"].map(lambda text: isinstance(text, str) and text != "").all()
    assert health["summary"].map(lambda text: isinstance(text, str) and text != "").all()


@QUICK
@given(weights=weights(), cut=st.floats(0, 100), gap=st.floats(0, 100))
def test_bands_follow_the_thresholds(weights: HealthWeights, cut: float, gap: float) -> None:
    green, amber = cut, max(0.0, cut - gap)
    result = account_health(
        pd.DataFrame({"account_id": ["A"], "account_name": ["A"]}),
        pd.DataFrame(columns=["account_id", "state", "days_since_touch", "cadence_days",
                              "last_meeting_at", "next_meeting_at"]),
        pd.DataFrame(columns=["account_id", "state", "is_closed"]),
        pd.DataFrame(columns=["AccountId", "Amount", "CloseDate", "IsClosed", "IsWon"]),
        pd.DataFrame(columns=["AccountId", "Status", "EndDate"]),
        today=TODAY, weights=weights, green=green, amber=amber,
    )  # fmt: skip
    row = result.health.iloc[0]
    expected = "green" if row["score"] >= green else "amber" if row["score"] >= amber else "red"
    assert row["band"] == expected
