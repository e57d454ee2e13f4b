"""Goals from the KAMs' Excel tables, checked and matched to accounts, and their attainment.

A goals table (see the README, "Goals workbook") has the columns Account,
Account Id, Period, Revenue Goal, Renewal Goal (optional) and Notes, plus
`sheet_row` added by the reader. Periods are a year ("2026", "FY2026") or a
quarter ("2026-Q4"), calendar-based. A row that cannot be used is reported
(KAM, sheet row, reason) and left out; it never stops the others. Attainment
is closed-won revenue of the account with a CloseDate inside the period,
divided by the goal.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import pandas as pd

from transforms.frames import require_columns, to_bool, to_date, to_number

GOAL_INPUTS = ("Account", "Account Id", "Period", "Revenue Goal", "sheet_row")
GOAL_COLUMNS = (
    "kam",
    "sheet_row",
    "account_id",
    "account_name",
    "period",
    "period_start",
    "period_end",
    "revenue_goal",
    "renewal_goal",
    "notes",
    "matched_by",
)
PROBLEM_COLUMNS = ("kam", "sheet_row", "account", "reason")
ATTAINMENT_COLUMNS = (*GOAL_COLUMNS, "won_revenue", "attainment", "period_elapsed")
KAM_COLUMNS = ("kam", "period", "accounts", "revenue_goal", "won_revenue", "attainment")
_PERIOD = re.compile(r"^(?:FY)?\s*(\d{4})(?:\s*-?\s*Q([1-4]))?$", re.IGNORECASE)
_MONEY_CLUTTER = re.compile(r"[\s$€£,]")


@dataclass(frozen=True)
class CheckedGoals:
    """The usable goals (GOAL_COLUMNS) and the rows left out (PROBLEM_COLUMNS)."""

    goals: pd.DataFrame
    problems: pd.DataFrame


def parse_period(value: object) -> tuple[dt.date, dt.date] | None:
    """First and last day of "2026", "FY2026" or "2026-Q4" (a number 2026 too); else None."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    match = _PERIOD.match(str(value).strip()) if value is not None else None
    if match is None:
        return None
    year = int(match.group(1))
    if match.group(2) is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    quarter = int(match.group(2))
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def _money(value: object) -> float | str | None:
    """A goal amount; None when the cell is empty; the original text when not a number."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    if not text:
        return None
    try:
        return float(_MONEY_CLUTTER.sub("", text))
    except ValueError:
        return text


@dataclass(frozen=True)
class AccountIndex:
    """Accounts by 15-character id and by unique case-folded name (built once per cycle)."""

    by_id: dict[str, tuple[str, str]]
    by_name: pd.DataFrame

    @classmethod
    def of(cls, accounts: pd.DataFrame) -> AccountIndex:
        require_columns(accounts, "accounts", ("Id", "Name"))
        ids, names = accounts["Id"].astype(str), accounts["Name"].astype(str)
        by_id = dict(zip(ids.str[:15], zip(ids, names, strict=True), strict=True))
        keyed = accounts.assign(key=names.str.strip().str.casefold())
        return cls(by_id, keyed.drop_duplicates("key", keep=False).set_index("key"))


def check_goals(
    raw: pd.DataFrame, kam: str, accounts: pd.DataFrame, index: AccountIndex | None = None
) -> CheckedGoals:
    """Validate one KAM's goal rows and match them to `accounts` (Id, Name): by id, then name.
    `index`: `AccountIndex.of(accounts)`, when checking several KAMs against one org."""
    require_columns(raw, "goals", GOAL_INPUTS)
    index = index or AccountIndex.of(accounts)
    by_id, by_name = index.by_id, index.by_name
    goals: list[dict[str, object]] = []
    problems: list[dict[str, object]] = []
    seen: dict[tuple[str, str], int] = {}
    for record in raw.to_dict("records"):
        row, account = int(record["sheet_row"]), _text(record.get("Account"))
        if not any(_text(record.get(name)) for name in GOAL_INPUTS[:4]):
            continue  # an empty line in the table
        reason, goal = _check_row(record, by_id, by_name)
        if reason is None and goal is not None:
            key = (str(goal["account_id"]), str(goal["period"]))
            if key in seen:
                reason = f"second goal for {account} in {key[1]} (first on row {seen[key]})"
            else:
                seen[key] = row
                goals.append({"kam": kam, "sheet_row": row, **goal})
        if reason is not None:
            problems.append({"kam": kam, "sheet_row": row, "account": account, "reason": reason})
    return CheckedGoals(
        pd.DataFrame(goals, columns=list(GOAL_COLUMNS)),
        pd.DataFrame(problems, columns=list(PROBLEM_COLUMNS)),
    )


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()


def _check_row(
    record: dict[Hashable, object], by_id: dict[str, tuple[str, str]], by_name: pd.DataFrame
) -> tuple[str | None, dict[str, object] | None]:
    """(reason the row is unusable, None) or (None, the goal's fields)."""
    account, account_id = _text(record.get("Account")), _text(record.get("Account Id"))
    period = parse_period(record.get("Period"))
    if period is None:
        return f"Period {_text(record.get('Period'))!r} is not a year or a quarter", None
    goal = _money(record.get("Revenue Goal"))
    if goal is None:
        return "Revenue Goal is empty", None
    if isinstance(goal, str):
        return f"Revenue Goal {goal!r} is not a number", None
    if goal <= 0:
        return f"Revenue Goal {goal:,.0f} is not positive", None
    if account_id[:15] in by_id and len(account_id) in (15, 18):
        matched_id, matched_name, how = *by_id[account_id[:15]], "id"
    elif account.casefold() in by_name.index:
        matched_id, matched_name, how = str(by_name.loc[account.casefold(), "Id"]), account, "name"
    else:
        return f"no Salesforce account with id {account_id!r} or name {account!r}", None
    renewals = _money(record.get("Renewal Goal"))
    start, end = period
    label = str(start.year) if end.month - start.month == 11 else f"{start.year}-Q{end.month // 3}"
    return None, {
        "account_id": matched_id,
        "account_name": matched_name,
        "period": label,
        "period_start": start,
        "period_end": end,
        "revenue_goal": goal,
        "renewal_goal": int(renewals) if isinstance(renewals, float) else None,
        "notes": _text(record.get("Notes")) or None,
        "matched_by": how,
    }


def attainment(goals: pd.DataFrame, opportunities: pd.DataFrame, *, today: dt.date) -> pd.DataFrame:
    """Each goal with the won revenue closed in its period, attainment, and how much of the
    period has passed (0–1)."""
    require_columns(goals, "goals", GOAL_COLUMNS)
    require_columns(opportunities, "opportunities", ("AccountId", "Amount", "CloseDate", "IsWon"))
    won = opportunities[to_bool(opportunities["IsWon"])]
    closes, amounts = to_date(won["CloseDate"]), to_number(won["Amount"])
    revenue: list[float] = []
    elapsed: list[float] = []
    for goal in goals.to_dict("records"):
        first, last = _day(goal["period_start"]), _day(goal["period_end"])
        inside = (won["AccountId"].astype(str) == str(goal["account_id"])) & closes.between(
            pd.Timestamp(first), pd.Timestamp(last)
        )
        revenue.append(float(amounts[inside].sum()))
        days = (last - first).days + 1
        elapsed.append(min(max((today - first).days + 1, 0), days) / days)
    result = goals.assign(won_revenue=revenue, period_elapsed=elapsed)
    result["attainment"] = result["won_revenue"] / result["revenue_goal"]
    return result.reindex(columns=list(ATTAINMENT_COLUMNS)).reset_index(drop=True)


def _day(value: object) -> dt.date:
    return pd.Timestamp(str(value)).date()


def attainment_by_kam(per_account: pd.DataFrame) -> pd.DataFrame:
    """Per KAM and period: accounts with a goal, goals and won revenue summed, attainment."""
    if per_account.empty:
        return pd.DataFrame(columns=list(KAM_COLUMNS))
    grouped = per_account.groupby(["kam", "period"], as_index=False).agg(
        accounts=("account_id", "nunique"),
        revenue_goal=("revenue_goal", "sum"),
        won_revenue=("won_revenue", "sum"),
    )
    grouped["attainment"] = grouped["won_revenue"] / grouped["revenue_goal"]
    return grouped.reindex(columns=list(KAM_COLUMNS))


def mirrored_goals(
    rows: pd.DataFrame,
    reads: pd.DataFrame,
    accounts: pd.DataFrame,
    opportunities: pd.DataFrame,
    *,
    kams: Sequence[str],
    today: dt.date,
) -> CheckedGoals:
    """Every KAM's mirrored goal rows (`kam` + the table's columns), checked, with attainment;
    a KAM whose table was not read in the last pull gets a problem row saying why (and the
    rows mirrored from an earlier read still count)."""
    checked = []
    failures = _read_failures(reads)
    index = AccountIndex.of(accounts)
    for kam in kams:
        own = rows[rows["kam"] == kam] if "kam" in rows.columns else rows.iloc[0:0]
        if kam in failures:
            kept = f"; the {len(own)} rows read earlier still count" if len(own) else ""
            problem = {"kam": kam, "sheet_row": None, "account": None,
                       "reason": f"{failures[kam]}{kept}"}  # fmt: skip
            problems = pd.DataFrame([problem], columns=list(PROBLEM_COLUMNS))
            checked.append(CheckedGoals(pd.DataFrame(columns=list(GOAL_COLUMNS)), problems))
        if len(own) or kam not in failures:
            table = own if len(own) else pd.DataFrame(columns=list(GOAL_INPUTS))
            checked.append(check_goals(table, kam, accounts, index))
    if not checked:
        checked.append(check_goals(pd.DataFrame(columns=list(GOAL_INPUTS)), "", accounts, index))
    goals = pd.concat([c.goals for c in checked], ignore_index=True)
    problems = pd.concat([c.problems for c in checked], ignore_index=True)
    return CheckedGoals(attainment(goals, opportunities, today=today), problems)


def _read_failures(reads: pd.DataFrame) -> dict[str, str]:
    """mailbox -> why its goals table was not read in the last pull."""
    if not len(reads) or "error" not in reads.columns:
        return {}
    failed = reads[reads["error"].notna()]
    return dict(zip(failed["mailbox"].astype(str), failed["error"].astype(str), strict=True))
