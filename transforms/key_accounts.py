"""Which accounts are key accounts: the top of trailing revenue, plus CRM flags and config picks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from transforms.domains import website_domains
from transforms.frames import (
    column_or,
    day_timestamp,
    require_columns,
    to_bool,
    to_date,
    to_number,
    to_text,
)

ACCOUNT_COLUMNS = ("Id", "Name", "Website", "OwnerId", "Industry")
OPPORTUNITY_COLUMNS = ("AccountId", "Amount", "Probability", "CloseDate", "IsClosed", "IsWon")
USER_COLUMNS = ("Id", "Name", "Email")

KEY_ACCOUNT_COLUMNS = (
    "account_id",
    "account_name",
    "domain",
    "owner_id",
    "owner_name",
    "owner_email",
    "industry",
    "t12m_revenue",
    "revenue_share",
    "cumulative_share",
    "open_pipeline",
    "weighted_pipeline",
    "open_opportunities",
    "reason",
)

REASON_TOP_REVENUE = "top revenue"
REASON_FLAGGED = "flagged in CRM"
REASON_CONFIG = "included in config"

# Float sums of shares land a hair under the threshold (0.1 + 0.7 < 0.8); do not count that.
_SHARE_TOLERANCE = 1e-9


def select_key_accounts(
    accounts: pd.DataFrame,
    opportunities: pd.DataFrame,
    users: pd.DataFrame,
    *,
    today: dt.date,
    revenue_share: float = 0.8,
    lookback_days: int = 365,
    include_ids: Sequence[str] = (),
    exclude_ids: Sequence[str] = (),
    flag_field: str | None = "Key_Account__c",
) -> pd.DataFrame:
    """One row per key account with revenue, pipeline and owner, sorted by trailing revenue.

    Key accounts are those making up the top `revenue_share` of closed-won revenue closed in
    (today - lookback_days, today] (the account crossing the threshold included), plus accounts
    flagged in the CRM or listed in `include_ids`, minus `exclude_ids`.
    """
    if not 0 < revenue_share <= 1:
        raise ValueError(f"revenue_share must be in (0, 1], got {revenue_share}")
    if lookback_days <= 0:
        raise ValueError(f"lookback_days must be positive, got {lookback_days}")
    require_columns(accounts, "accounts", ACCOUNT_COLUMNS)
    require_columns(opportunities, "opportunities", OPPORTUNITY_COLUMNS)
    require_columns(users, "users", USER_COLUMNS)

    ranking = revenue_ranking(accounts, opportunities, today=today, lookback_days=lookback_days)
    top = ranking["t12m_revenue"].gt(0) & (
        ranking["cumulative_share"] - ranking["revenue_share"] < revenue_share - _SHARE_TOLERANCE
    )
    flagged = to_bool(column_or(accounts, flag_field, False)).set_axis(accounts["Id"])
    included = accounts["Id"].isin(list(include_ids)).set_axis(accounts["Id"])
    reasons = _reasons(top, flagged.reindex(ranking.index), included.reindex(ranking.index))
    chosen = reasons.notna() & ~ranking.index.isin(list(exclude_ids))

    key_accounts = ranking[chosen].assign(reason=reasons[chosen])
    key_accounts = _with_account_details(key_accounts, accounts, users)
    key_accounts = key_accounts.join(open_pipeline(opportunities), how="left")
    return _finish(key_accounts)


def revenue_ranking(
    accounts: pd.DataFrame, opportunities: pd.DataFrame, *, today: dt.date, lookback_days: int
) -> pd.DataFrame:
    """Every account ranked by trailing closed-won revenue, with its share and cumulative share.

    Indexed by account id; ties are broken by name so the ranking is stable from run to run.
    Revenue of opportunities whose account is not in `accounts` is left out of the total.
    """
    revenue = trailing_won_revenue(opportunities, today=today, lookback_days=lookback_days)
    ranking = pd.DataFrame(
        {
            "account_name": to_text(accounts["Name"]).to_numpy(),
            "t12m_revenue": revenue.reindex(accounts["Id"]).fillna(0.0).to_numpy(),
        },
        index=pd.Index(accounts["Id"], name="account_id"),
    )
    ranking = ranking.sort_values(
        ["t12m_revenue", "account_name"], ascending=[False, True], kind="stable"
    )
    total = float(ranking["t12m_revenue"].sum())
    shares = ranking["t12m_revenue"] / total if total > 0 else ranking["t12m_revenue"] * 0.0
    return ranking.assign(revenue_share=shares, cumulative_share=shares.cumsum())


def trailing_won_revenue(
    opportunities: pd.DataFrame, *, today: dt.date, lookback_days: int
) -> pd.Series:
    """Closed-won Amount per AccountId for CloseDate in (today - lookback_days, today].

    Negative amounts (credit notes) are left out, so no share exceeds 100 %; the data-issues
    table lists them.
    """
    close_dates = to_date(opportunities["CloseDate"])
    end = day_timestamp(today)
    start = end - pd.Timedelta(days=lookback_days)
    won = (
        to_bool(opportunities["IsClosed"])
        & to_bool(opportunities["IsWon"])
        & close_dates.gt(start)
        & close_dates.le(end)
    )
    amounts = to_number(opportunities["Amount"])
    won &= amounts.ge(0)
    return amounts[won].groupby(opportunities["AccountId"][won]).sum()


def open_pipeline(opportunities: pd.DataFrame) -> pd.DataFrame:
    """Open pipeline per account: total Amount, Amount weighted by Probability, and count."""
    is_open = ~to_bool(opportunities["IsClosed"])
    amounts = to_number(opportunities["Amount"])[is_open]
    weighted = amounts * to_number(opportunities["Probability"])[is_open] / 100.0
    by_account = opportunities["AccountId"][is_open]
    return pd.DataFrame(
        {
            "open_pipeline": amounts.groupby(by_account).sum(),
            "weighted_pipeline": weighted.groupby(by_account).sum(),
            "open_opportunities": amounts.groupby(by_account).size(),
        }
    )


def _reasons(top: pd.Series, flagged: pd.Series, included: pd.Series) -> pd.Series:
    """The first reason that makes each account key, or None."""
    reasons = pd.Series(None, index=top.index, dtype=object)
    reasons[included] = REASON_CONFIG
    reasons[flagged] = REASON_FLAGGED
    reasons[top] = REASON_TOP_REVENUE
    return reasons


def _with_account_details(
    key_accounts: pd.DataFrame, accounts: pd.DataFrame, users: pd.DataFrame
) -> pd.DataFrame:
    """Add domain, industry and owner (id, name, e-mail) to the chosen accounts."""
    details = pd.DataFrame(
        {
            "domain": website_domains(accounts["Website"]).to_numpy(),
            "owner_id": to_text(accounts["OwnerId"]).to_numpy(),
            "industry": to_text(accounts["Industry"]).to_numpy(),
        },
        index=pd.Index(accounts["Id"], name="account_id"),
    )
    owners = pd.DataFrame(
        {
            "owner_name": to_text(users["Name"]).to_numpy(),
            "owner_email": to_text(users["Email"]).to_numpy(),
        },
        index=pd.Index(users["Id"], name="owner_id"),
    )
    joined = key_accounts.join(details, how="left")
    return joined.join(owners, on="owner_id", how="left")


def _finish(key_accounts: pd.DataFrame) -> pd.DataFrame:
    """Fill the pipeline gaps, fix dtypes, sort by revenue and order the columns."""
    filled = key_accounts.fillna(
        {"open_pipeline": 0.0, "weighted_pipeline": 0.0, "open_opportunities": 0}
    ).astype({"open_pipeline": float, "weighted_pipeline": float, "open_opportunities": int})
    for column in ("owner_name", "owner_email", "domain", "industry", "owner_id"):
        filled[column] = to_text(filled[column])
    ordered = filled.reset_index().sort_values(
        ["t12m_revenue", "account_name"], ascending=[False, True], kind="stable"
    )
    return ordered.reset_index(drop=True)[list(KEY_ACCOUNT_COLUMNS)]
