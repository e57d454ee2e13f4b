"""Account health 0–100 per key account, with points and a one-line reason per component.

Six components each score a fraction 0–1 of their weight: engagement against cadence, meetings,
complaints and SLA breaches, revenue trend, pipeline coverage and renewal risk. Points are
weight × fraction rounded to 1 decimal; the score is their sum, banded green / amber / red.
Where information is missing a component gets a neutral 0.5 and its reason says so.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from transforms.deadlines import ACTIVATED_CONTRACT_STATUS
from transforms.frames import (
    column_or,
    day_timestamp,
    lower_text,
    require_columns,
    to_bool,
    to_date,
)
from transforms.revenue_trend import (
    NEUTRAL,
    account_positions,
    formatted,
    pipeline_component,
    revenue_trend_component,
    revenue_years,
)

HEALTH_COLUMNS = ("account_id", "account_name", "score", "band", "summary")
HEALTH_COMPONENT_COLUMNS = ("account_id", "component", "points", "weight", "reason")

KEY_ACCOUNT_COLUMNS = ("account_id", "account_name")
ENGAGEMENT_COLUMNS = (
    "account_id",
    "state",
    "days_since_touch",
    "cadence_days",
    "last_meeting_at",
    "next_meeting_at",
)
COMPLAINT_COLUMNS = ("account_id", "state", "is_closed")
OPPORTUNITY_COLUMNS = ("AccountId", "Amount", "CloseDate", "IsClosed", "IsWon")
CONTRACT_COLUMNS = ("AccountId", "Status", "EndDate")

#: Share of the engagement points kept in each engagement state.
ENGAGEMENT_FRACTIONS = {"on track": 1.0, "slipping": 0.5, "cold": 0.0}
#: Share of the complaints points each complaint takes away (a clean record keeps them all).
COMPLAINT_PENALTIES = {"breached": 0.4, "at risk": 0.2, "open": 0.1}
_LABELS = {"revenue_trend": "revenue trend"}


@dataclasses.dataclass(frozen=True)
class HealthWeights:
    """Points each component is worth ([health] weights.*); non-negative and summing to 100."""

    engagement: float = 25.0
    meetings: float = 15.0
    complaints: float = 20.0
    revenue_trend: float = 15.0
    pipeline: float = 15.0
    renewal: float = 10.0

    def __post_init__(self) -> None:
        values = dataclasses.astuple(self)
        if any(not math.isfinite(value) or value < 0 for value in values):
            raise ValueError(f"health weights must be non-negative numbers, got {values}")
        if abs(sum(values) - 100.0) > 1e-6:
            raise ValueError(f"health weights must sum to 100, got {sum(values):g}")

    def by_component(self) -> dict[str, float]:
        """Component name → weight, in the order components are shown."""
        return {field.name: float(getattr(self, field.name)) for field in dataclasses.fields(self)}


COMPONENTS = tuple(HealthWeights().by_component())


class AccountHealth(NamedTuple):
    """One row per key account (HEALTH_COLUMNS) and six per account (HEALTH_COMPONENT_COLUMNS)."""

    health: pd.DataFrame
    components: pd.DataFrame


def account_health(
    key_accounts: pd.DataFrame,
    engagement: pd.DataFrame,
    complaints: pd.DataFrame,
    opportunities: pd.DataFrame,
    contracts: pd.DataFrame,
    *,
    today: dt.date,
    weights: HealthWeights | None = None,
    green: float = 70.0,
    amber: float = 40.0,
    renewal_notice_days: int = 90,
    meeting_window_days: int = 90,
) -> AccountHealth:
    """Each key account's health score, band and weakest components, plus every component's why.

    The KAM sees e.g. score 54 (amber), "weak: complaints (4/20), renewal (0/10)", and per
    component a reason with the numbers ("2 complaints breached their SLA in the last 90 days").
    Sorted worst first. `engagement` and `complaints` are the engagement and complaint frames.
    """
    weights = weights or HealthWeights()
    if not 0 <= amber <= green <= 100:
        raise ValueError(f"health bands need 0 <= amber <= green <= 100, got {amber}, {green}")
    require_columns(key_accounts, "key_accounts", KEY_ACCOUNT_COLUMNS)
    require_columns(engagement, "engagement", ENGAGEMENT_COLUMNS)
    require_columns(complaints, "complaints", COMPLAINT_COLUMNS)
    require_columns(opportunities, "opportunities", OPPORTUNITY_COLUMNS)
    require_columns(contracts, "contracts", CONTRACT_COLUMNS)

    accounts = _key_accounts(key_accounts)
    ids = accounts.index
    money = revenue_years(opportunities, ids, today=today)
    parts = {
        "engagement": engagement_component(engagement, ids),
        "meetings": meetings_component(engagement, ids, today, meeting_window_days),
        "complaints": complaints_component(complaints, ids),
        "revenue_trend": revenue_trend_component(money),
        "pipeline": pipeline_component(money),
        "renewal": renewal_component(contracts, opportunities, ids, today, renewal_notice_days),
    }
    return _assemble(accounts, parts, weights.by_component(), green, amber)


def engagement_component(engagement: pd.DataFrame, ids: pd.Index) -> pd.DataFrame:
    """On track keeps all points, slipping half, cold none; the state is derived from
    days since the last touch against the cadence when the frame leaves it empty."""
    rows = _per_account(engagement, ids)
    known = rows["_known"].to_numpy(dtype=bool)
    days = pd.to_numeric(rows["days_since_touch"], errors="coerce").to_numpy(dtype=float)
    cadence = pd.to_numeric(rows["cadence_days"], errors="coerce").to_numpy(dtype=float)
    given = lower_text(rows["state"]).to_numpy(dtype=object)
    with np.errstate(invalid="ignore"):
        derived = np.where(
            days <= cadence, "on track", np.where(days <= 2 * cadence, "slipping", "cold")
        )
        derivable = known & (cadence > 0)
    valid = pd.Series(given).isin(list(ENGAGEMENT_FRACTIONS)).to_numpy()
    state = np.where(valid, given, np.where(derivable, derived, "")).astype(object)
    fraction = pd.Series(state).map(ENGAGEMENT_FRACTIONS).fillna(NEUTRAL).to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        every = np.where(cadence > 0, "cadence " + _whole(cadence) + " days", "no cadence")
    touch = np.where(
        np.isnan(days),
        "no touch on record (" + every + "): ",
        "last touch " + _whole(days) + " days ago, " + every + ": ",
    )
    reasons = np.where(state == "", "no engagement data: neutral", touch + state)
    return _component(ids, fraction, reasons)


def meetings_component(
    engagement: pd.DataFrame, ids: pd.Index, today: dt.date, window_days: int
) -> pd.DataFrame:
    """Half the points for a meeting in the last `window_days`, half for one booked ahead."""
    rows = _per_account(engagement, ids)
    known = rows["_known"].to_numpy(dtype=bool)
    start = pd.Timestamp(today, tz="UTC")
    last = _utc(rows["last_meeting_at"]).dt.floor("D")
    upcoming = _utc(rows["next_meeting_at"])
    recent = (last.gt(start - pd.Timedelta(days=window_days)) & last.le(start)).to_numpy()
    booked = upcoming.ge(start).to_numpy()
    fraction = np.where(known, 0.5 * recent + 0.5 * booked, NEUTRAL)
    none_recent = f"no meeting in the last {window_days} days"
    before = np.where(
        recent,
        "last met " + _whole((start - last).dt.days) + " days ago",
        np.where(last.notna(), none_recent + " (last " + _day(last) + ")", none_recent),
    )
    ahead = np.where(booked, "next meeting " + _day(upcoming), "none booked")
    reasons = np.where(known, before + ", " + ahead, "no meeting data: neutral")
    return _component(ids, fraction, reasons)


def complaints_component(complaints: pd.DataFrame, ids: pd.Index) -> pd.DataFrame:
    """Each complaint in the window costs a share of the points: breached 0.4, at risk 0.2,
    other open 0.1; complaints closed within SLA cost nothing."""
    state = lower_text(complaints["state"])
    is_open = ~to_bool(complaints["is_closed"])
    kinds = {
        "breached": state.eq("breached"),
        "at risk": state.eq("at risk"),
        "open": is_open & ~state.isin(["breached", "at risk"]),
        "all": pd.Series(True, index=complaints.index),
    }
    position = account_positions(complaints["account_id"], ids)
    counts = {
        kind: np.bincount(position[rows.to_numpy(dtype=bool) & (position >= 0)], minlength=len(ids))
        for kind, rows in kinds.items()
    }
    penalty = np.zeros(len(ids))
    for kind, share in COMPLAINT_PENALTIES.items():
        penalty += counts[kind] * share
    breached, at_risk, still_open, total = (
        counts[kind] for kind in ("breached", "at risk", "open", "all")
    )
    said = _joined(
        np.where(
            breached > 0, _complaints(breached) + " breached their SLA in the last 90 days", ""
        ),
        np.where(at_risk > 0, _complaints(at_risk) + " at risk of breaching", ""),
        np.where(still_open > 0, _whole(still_open) + " open on track", ""),
    )
    quiet = np.where(
        total > 0,
        _complaints(total) + " in the last 90 days, all within SLA",
        "no complaints in the last 90 days",
    )
    return _component(ids, np.clip(1.0 - penalty, 0.0, 1.0), np.where(said != "", said, quiet))


def renewal_component(
    contracts: pd.DataFrame,
    opportunities: pd.DataFrame,
    ids: pd.Index,
    today: dt.date,
    notice_days: int,
) -> pd.DataFrame:
    """No points when an activated contract ends within the notice period and no open renewal
    opportunity exists; full points otherwise; neutral without any running contract."""
    start = day_timestamp(today)
    ends = to_date(contracts["EndDate"])
    activated = lower_text(contracts["Status"]).isin([ACTIVATED_CONTRACT_STATUS.lower()])
    running = activated & (ends.isna() | ends.ge(start))
    ending = activated & ends.ge(start) & ends.le(start + pd.Timedelta(days=notice_days))
    numbers = column_or(contracts, "ContractNumber", None).fillna(column_or(contracts, "Id", None))
    soonest = (
        pd.DataFrame({"account": contracts["AccountId"], "end": ends, "number": numbers})[ending]
        .fillna({"number": "(no number)"})
        .astype({"number": str})
        .sort_values(["end", "number"], kind="stable")
        .groupby("account")
        .agg(end=("end", "first"), number=("number", "first"), count=("end", "size"))
        .reindex(ids)
    )
    has_running = ids.isin(contracts["AccountId"][running])
    has_renewal = ids.isin(_renewal_accounts(opportunities))
    is_ending = soonest["count"].notna().to_numpy()
    fraction = np.where(is_ending, has_renewal.astype(float), np.where(has_running, 1.0, NEUTRAL))
    count = soonest["count"].to_numpy(dtype=float)
    ending_text = (
        "contract "
        + soonest["number"].fillna("").to_numpy(dtype=object)
        + " ends "
        + _day(soonest["end"])
        + np.where(count > 1, " (+" + _whole(count - 1) + " more)", "")
        + np.where(has_renewal, ", renewal opportunity open", ", no renewal opportunity")
    )
    reasons = np.where(
        is_ending,
        ending_text,
        np.where(
            has_running,
            f"no contract ends within the {notice_days}-day notice period",
            "no activated contract on record: neutral",
        ),
    )
    return _component(ids, fraction, reasons)


def band_of(scores: pd.Series, green: float = 70.0, amber: float = 40.0) -> pd.Series:
    """green at or above `green`, amber at or above `amber`, red below."""
    bands = np.where(scores.ge(green), "green", np.where(scores.ge(amber), "amber", "red"))
    return pd.Series(bands, index=scores.index, dtype=object)


def _key_accounts(key_accounts: pd.DataFrame) -> pd.DataFrame:
    """One row per key account id, indexed by it, with a printable name."""
    accounts = key_accounts[key_accounts["account_id"].notna()].drop_duplicates("account_id")
    names = accounts["account_name"].where(accounts["account_name"].notna(), "(unnamed account)")
    return pd.DataFrame(
        {"account_name": names.astype(str).to_numpy(dtype=object)},
        index=pd.Index(accounts["account_id"].to_numpy(dtype=object), name="account_id"),
    )


def _per_account(engagement: pd.DataFrame, ids: pd.Index) -> pd.DataFrame:
    """The engagement row of each key account; `_known` is False where there is none."""
    rows = engagement[engagement["account_id"].notna()].drop_duplicates("account_id")
    rows = rows.set_index("account_id")
    rows = rows.assign(_known=True).reindex(ids)
    return rows.assign(_known=rows["_known"].eq(True))


def _utc(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce", utc=True, format="ISO8601")


def _component(ids: pd.Index, fraction: np.ndarray, reasons: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"fraction": fraction, "reason": reasons.astype(object)}, index=ids)


def _whole(numbers: np.ndarray | pd.Series) -> np.ndarray:
    """Numbers as whole-number text ("" where missing), for building reasons column-wise."""
    return formatted(numbers, lambda number: f"{number:.0f}")


def _day(moments: pd.Series) -> np.ndarray:
    """Timestamps as "2027-01-15" text ("" where missing)."""
    return formatted(moments, lambda moment: f"{moment:%Y-%m-%d}")


def _complaints(counts: np.ndarray) -> np.ndarray:
    return _whole(counts) + np.where(counts == 1, " complaint", " complaints")


def _joined(*parts: np.ndarray) -> np.ndarray:
    """Non-empty parts joined with ", ", row by row."""
    text = parts[0].astype(object)
    for part in parts[1:]:
        text = np.where((text != "") & (part != ""), text + ", " + part, text + part)
    return text


def _renewal_accounts(opportunities: pd.DataFrame) -> pd.Series:
    """Accounts with an open opportunity of Type "Renewal" or named "...renewal..."."""
    open_deals = opportunities[~to_bool(opportunities["IsClosed"])]
    kind = lower_text(column_or(open_deals, "Type", None))
    codes, names = pd.factorize(column_or(open_deals, "Name", None).astype(object))
    named = np.array([*(isinstance(n, str) and "renewal" in n.lower() for n in names), False])
    return open_deals["AccountId"][kind.eq("renewal").to_numpy() | named[codes]]


def _assemble(
    accounts: pd.DataFrame,
    parts: dict[str, pd.DataFrame],
    weights: dict[str, float],
    green: float,
    amber: float,
) -> AccountHealth:
    """Points, score, band and summary per account; long component rows; worst first."""
    names = list(weights)
    weight = np.array([weights[name] for name in names])
    fractions = np.column_stack([parts[name]["fraction"].to_numpy(dtype=float) for name in names])
    fractions = np.clip(np.nan_to_num(fractions, nan=NEUTRAL), 0.0, 1.0)
    points = np.clip(np.round(fractions * weight, 1), 0.0, weight)
    scores = pd.Series(np.clip(np.round(points.sum(axis=1), 2), 0.0, 100.0), index=accounts.index)
    health = accounts.assign(
        score=scores,
        band=band_of(scores, green, amber),
        summary=_summaries(points, weight, names),
    )
    ranked = health.reset_index().sort_values(["score", "account_name"], kind="stable")
    order = ranked.index.to_numpy()
    health = ranked.reset_index(drop=True)
    reasons = np.column_stack([parts[name]["reason"].to_numpy(dtype=object) for name in names])
    components = pd.DataFrame(
        {
            "account_id": np.repeat(health["account_id"].to_numpy(dtype=object), len(names)),
            "component": np.tile(np.array(names, dtype=object), len(health)),
            "points": points[order].ravel(),
            "weight": np.tile(weight, len(health)),
            "reason": reasons[order].ravel(),
        }
    )
    return AccountHealth(health[list(HEALTH_COLUMNS)], components[list(HEALTH_COMPONENT_COLUMNS)])


def _summaries(points: np.ndarray, weight: np.ndarray, names: list[str]) -> np.ndarray:
    """The two components losing the most points: "weak: complaints (4/20), renewal (0/10)".

    Assumes at least two components (HealthWeights always has six).
    """
    lost = weight - points
    weakest = np.argsort(-lost, axis=1, kind="stable")[:, :2]
    rows = np.arange(len(points))
    labels = np.array([_LABELS.get(name, name) for name in names], dtype=object)
    texts, weak = [], []
    for pick in weakest.T:
        scored = formatted(points[rows, pick], lambda value: f"{value:g}")
        out_of = formatted(weight[pick], lambda value: f"{value:g}")
        texts.append(labels[pick] + " (" + scored + "/" + out_of + ")")
        weak.append(lost[rows, pick] > 1e-9)
    listed = "weak: " + texts[0] + np.where(weak[1], ", " + texts[1], "")
    return np.where(weak[0], listed, "all components at full marks")
