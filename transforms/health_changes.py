"""What moved in account health since the previous cycle, and why.

Pure: the caller stores each cycle's health and component frames and passes the previous ones
back in. A KAM sees one line per account that moved, e.g.
"complaints −12 (2 complaints breached their SLA in the last 90 days); pipeline +3 (...)".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms.frames import require_columns
from transforms.health import COMPONENTS, HEALTH_COLUMNS, HEALTH_COMPONENT_COLUMNS
from transforms.revenue_trend import formatted

HEALTH_CHANGE_COLUMNS = (
    "account_id",
    "account_name",
    "previous_score",
    "score",
    "delta",
    "previous_band",
    "band",
    "moved",
)
NEW_ACCOUNT = "first health score: "
NOTHING_MOVED = "no component's points changed (band thresholds or weights changed)"
_LABELS = {"revenue_trend": "revenue trend"}
# Points carry one decimal: a smaller difference is float noise from the store round trip.
_POINT_STEP = 0.05


def health_changes(
    previous_components: pd.DataFrame,
    components: pd.DataFrame,
    previous: pd.DataFrame,
    current: pd.DataFrame,
    *,
    min_delta: float = 1.0,
) -> pd.DataFrame:
    """One row per current account whose score moved by ≥ `min_delta` points or changed band,
    plus accounts scored for the first time (previous_score NaN).

    `moved` names the components whose points changed, biggest change first, each with its new
    reason. Accounts no longer scored are left out. Sorted biggest drop first, new accounts last.
    The previous frames may be empty (first cycle): every account is then new.
    """
    now = _health(current, "current")
    before = _health(previous, "previous")
    rows = now.join(
        before[["score", "band"]].rename(
            columns={"score": "previous_score", "band": "previous_band"}
        ),
        how="left",
    )
    rows["delta"] = (rows["score"] - rows["previous_score"]).round(1)
    is_new = rows["previous_score"].isna()
    band_changed = rows["band"].ne(rows["previous_band"]) & ~is_new
    rows = rows[is_new | band_changed | rows["delta"].abs().ge(min_delta - 1e-9)]

    compared = rows.index[~is_new.reindex(rows.index)]
    moved = _moved_components(
        _components(previous_components, "previous_components", compared),
        _components(components, "components", compared),
    )
    text = moved.reindex(rows.index).fillna(NOTHING_MOVED)
    text[is_new.reindex(rows.index)] = NEW_ACCOUNT + rows["summary"].fillna("")
    rows = rows.assign(moved=text, previous_band=_text(rows["previous_band"]))
    rows = rows.reset_index().sort_values(
        ["delta", "account_name"], kind="stable", na_position="last"
    )
    return rows.reset_index(drop=True)[list(HEALTH_CHANGE_COLUMNS)]


def _health(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """A stored health frame indexed by account id, score numeric (empty frames allowed)."""
    if frame.empty:
        frame = frame.reindex(columns=list(HEALTH_COLUMNS))
    require_columns(frame, name, HEALTH_COLUMNS)
    frame = frame[frame["account_id"].notna()].drop_duplicates("account_id")
    return pd.DataFrame(
        {
            "account_name": _text(frame["account_name"]).to_numpy(),
            "score": pd.to_numeric(frame["score"], errors="coerce").to_numpy(dtype=float),
            "band": _text(frame["band"]).to_numpy(),
            "summary": _text(frame["summary"]).to_numpy(),
        },
        index=pd.Index(_text(frame["account_id"]), name="account_id"),
    )


def _components(frame: pd.DataFrame, name: str, account_ids: pd.Index) -> pd.DataFrame:
    """Stored component rows of these accounts with numeric points, one per component."""
    if frame.empty:
        frame = frame.reindex(columns=list(HEALTH_COMPONENT_COLUMNS))
    require_columns(frame, name, HEALTH_COMPONENT_COLUMNS)
    frame = frame[frame["account_id"].isin(account_ids)]
    return pd.DataFrame(
        {
            "account_id": _text(frame["account_id"]),
            "component": _text(frame["component"]),
            "points": pd.to_numeric(frame["points"], errors="coerce").fillna(0.0),
            "reason": _text(frame["reason"]),
        }
    ).drop_duplicates(["account_id", "component"])


def _moved_components(previous: pd.DataFrame, current: pd.DataFrame) -> pd.Series:
    """Per account: "component ±points (new reason)" for each changed component, biggest first."""
    pairs = current.merge(
        previous,
        on=["account_id", "component"],
        how="outer",
        suffixes=("", "_before"),
    )
    change = pairs["points"].fillna(0.0) - pairs["points_before"].fillna(0.0)
    pairs = pairs.assign(
        change=change,
        size=change.abs(),
        rank=pairs["component"].map({name: i for i, name in enumerate(COMPONENTS)}),
        reason=pairs["reason"].fillna("no longer scored"),
    )
    pairs = pairs[pairs["size"].ge(_POINT_STEP)].sort_values(
        ["account_id", "size", "rank"], ascending=[True, False, True], kind="stable"
    )
    labels = pairs["component"].map(lambda name: _LABELS.get(name, name)).to_numpy(dtype=object)
    signed = formatted(pairs["change"].round(1), _signed)
    reasons = pairs["reason"].astype(str).to_numpy(dtype=object)
    pieces = labels + " " + signed + " (" + reasons + ")"
    accounts = pairs["account_id"].to_numpy(dtype=object)
    if not len(accounts):
        return pd.Series([], dtype=object)
    starts = np.flatnonzero(accounts[1:] != accounts[:-1]) + 1
    lines = ["; ".join(group) for group in np.split(pieces, starts)]
    return pd.Series(lines, index=accounts[np.r_[0, starts]], dtype=object)


def _text(values: pd.Series) -> pd.Series:
    """A stored text column with None for missing values."""
    return values.astype(object).where(values.notna(), None)


def _signed(change: float) -> str:
    """+12.5, −8: one decimal, none when whole."""
    return ("+" if change > 0 else "−") + f"{abs(change):.1f}".removesuffix(".0")
