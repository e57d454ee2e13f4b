"""Revenue trend and pipeline coverage per account: the money side of account health.

Trailing-12-month closed-won revenue is compared with the 12 months before, and open pipeline
closing in the next 12 months is set against trailing revenue. Each is scored as a fraction 0–1
with a one-line reason a KAM can check in the CRM.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from transforms.frames import day_timestamp, require_columns, to_bool, to_date, to_number

OPPORTUNITY_COLUMNS = ("AccountId", "Amount", "CloseDate", "IsClosed", "IsWon")
YEAR_DAYS = 365
#: The fraction given when there is nothing to compare (documented in the reason).
NEUTRAL = 0.5


def revenue_years(
    opportunities: pd.DataFrame, account_ids: pd.Index, *, today: dt.date
) -> pd.DataFrame:
    """Per account: won revenue in the last 12 months, the 12 before, and open pipeline ahead.

    Columns `revenue`, `previous_revenue` (CloseDate in (today-365, today] and the year before)
    and `pipeline` (open opportunities closing in [today, today+365]). Negative or missing
    amounts count as 0, as in the key-account ranking; open deals dated in the past are stale
    and left out of the pipeline.
    """
    require_columns(opportunities, "opportunities", OPPORTUNITY_COLUMNS)
    close = to_date(opportunities["CloseDate"])
    end = day_timestamp(today)
    year = pd.Timedelta(days=YEAR_DAYS)
    amounts = to_number(opportunities["Amount"])
    amounts = amounts.where(np.isfinite(amounts) & amounts.gt(0), 0.0)
    closed = to_bool(opportunities["IsClosed"])
    won = closed & to_bool(opportunities["IsWon"])
    position = account_positions(opportunities["AccountId"], account_ids)
    known = position >= 0
    wanted = {
        "revenue": won & close.gt(end - year) & close.le(end),
        "previous_revenue": won & close.gt(end - 2 * year) & close.le(end - year),
        "pipeline": ~closed & close.ge(end) & close.le(end + year),
    }
    amount = amounts.to_numpy(dtype=float)
    totals = {}
    for column, rows in wanted.items():
        chosen = rows.to_numpy(dtype=bool) & known
        totals[column] = np.bincount(
            position[chosen], weights=amount[chosen], minlength=len(account_ids)
        )
    return pd.DataFrame(totals, index=account_ids).astype(float)


def account_positions(values: pd.Series, account_ids: pd.Index) -> np.ndarray:
    """Each value's position in the (unique) `account_ids`, -1 when it is not one of them."""
    return np.asarray(account_ids.get_indexer(pd.Index(values.to_numpy(dtype=object))))


def revenue_trend_component(money: pd.DataFrame) -> pd.DataFrame:
    """Fraction = this year's revenue / last year's, capped at 1 (flat or growing: full marks).

    No revenue last year but some this year is full marks; none in either year is neutral.
    """
    current = money["revenue"].to_numpy(dtype=float)
    previous = money["previous_revenue"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.where(previous > 0, current / previous, np.where(current > 0, 1.0, NEUTRAL))
    change = np.clip(np.nan_to_num(np.round((ratio - 1.0) * 100)), -100, 1e12).astype(np.int64)
    sign = np.where(change > 0, "+", np.where(change < 0, "−", "±")).astype(object)
    now, before = money_texts(current), money_texts(previous)
    trend = "revenue " + sign + np.abs(change).astype(str).astype(object) + " % ("
    reasons = np.where(
        previous > 0,
        trend + now + " vs " + before + ")",
        np.where(
            current > 0,
            "new revenue " + now + " (none the 12 months before)",
            "no revenue in either year: neutral",
        ),
    )
    return _component(money.index, np.clip(ratio, 0.0, 1.0), reasons)


def pipeline_component(money: pd.DataFrame) -> pd.DataFrame:
    """Fraction = open pipeline (next 12 months) / trailing revenue, capped at 1 (≥ 1: full marks).

    Pipeline without trailing revenue is full marks; neither pipeline nor revenue is neutral.
    """
    revenue = money["revenue"].to_numpy(dtype=float)
    pipeline = money["pipeline"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        coverage = np.where(revenue > 0, pipeline / revenue, np.where(pipeline > 0, 1.0, NEUTRAL))
    percent = np.clip(np.nan_to_num(np.round(coverage * 100)), 0, 1e12).astype(np.int64)
    ahead, behind = money_texts(pipeline), money_texts(revenue)
    covers = (
        "open pipeline " + ahead + " covers " + percent.astype(str).astype(object) + "% "
        "of last 12 months' revenue " + behind
    )
    reasons = np.where(
        revenue > 0,
        np.where(
            pipeline > 0,
            covers,
            "no open pipeline for the next 12 months (revenue " + behind + ")",
        ),
        np.where(
            pipeline > 0,
            "open pipeline " + ahead + ", no revenue in the last 12 months",
            "no revenue in the last 12 months and no open pipeline: neutral",
        ),
    )
    return _component(money.index, np.clip(coverage, 0.0, 1.0), reasons)


def money_texts(amounts: np.ndarray) -> np.ndarray:
    """`format_money` of each amount, formatting each distinct shown value once."""
    size = np.abs(amounts)
    with np.errstate(invalid="ignore", over="ignore"):
        shown = np.where(
            size >= 1e6,
            np.round(amounts / 1e5) * 1e5,
            np.where(size >= 1e3, np.round(amounts / 1e3) * 1e3, np.round(amounts)),
        )
    return formatted(shown, format_money)


def formatted(
    values: np.ndarray | pd.Series, fmt: Callable[[Any], str], missing: str = ""
) -> np.ndarray:
    """`fmt` of each value as an object array, called once per distinct value (`missing`: NaN)."""
    codes, uniques = pd.factorize(pd.Series(values), use_na_sentinel=True)
    table = np.array([*(fmt(value) for value in uniques), missing], dtype=object)
    return table[codes]


def format_money(amount: float) -> str:
    """An amount as a KAM reads it: "1.2 M", "340 k", "950"."""
    if abs(amount) >= 1e6:
        return f"{amount / 1e6:.1f} M"
    if abs(amount) >= 1e3:
        return f"{amount / 1e3:.0f} k"
    return f"{amount:.0f}"


def _component(index: pd.Index, fraction: np.ndarray, reasons: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"fraction": fraction, "reason": reasons}, index=index)
