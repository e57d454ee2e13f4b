"""Account intelligence shaped for people: each analysis worst first, counts per state, the
health components side by side, and the worst rows as Prefect table artifacts.

The workbook's sheets (`transforms.workbook_intelligence`) use the same order and shapes, so
the top of a sheet and its artifact always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from transforms.frames import lookup, require_columns
from transforms.text import clip, one_line

#: Rows per artifact; the workbook's sheets hold them all.
ARTIFACT_ROWS = 20
#: Longest text shown in an artifact cell (record id lists, reasons).
ARTIFACT_TEXT_CHARS = 200
NOTHING_TO_REPORT = "nothing to report"

BAND_ORDER = ("red", "amber", "green")
COMPLAINT_STATE_ORDER = ("breached", "at risk", "on track", "met")
ENGAGEMENT_STATE_ORDER = ("cold", "slipping", "on track")
SEVERITY_ORDER = ("high", "medium", "low")
PRIORITY_ORDER = ("High", "Medium", "Low")

# The columns each analysis frame must bring (the contract's output columns this module reads).
HEALTH_INPUTS = ("account_id", "account_name", "score", "band", "summary")
HEALTH_COMPONENT_INPUTS = ("account_id", "component", "points", "weight", "reason")
HEALTH_CHANGE_INPUTS = ("account_id", "account_name", "previous_score", "score", "delta",
                        "previous_band", "band", "moved")  # fmt: skip
COMPLAINT_INPUTS = ("case_id", "case_number", "account_id", "account_name", "subject",
                    "priority", "status", "is_closed", "created_at", "closed_at", "owner_name",
                    "owner_email", "first_response_at", "first_response_by",
                    "first_response_sla_hours", "first_response_hours_used",
                    "first_response_state", "resolution_sla_hours", "resolution_hours_used",
                    "resolution_state", "state", "reason")  # fmt: skip
ENGAGEMENT_INPUTS = ("account_id", "account_name", "tier", "last_inbound_at",
                     "last_outbound_at", "last_meeting_at", "next_meeting_at", "touches_30d",
                     "touches_90d", "contacts_30d", "contacts_90d", "cadence_days",
                     "days_since_touch", "state", "unanswered", "reason")  # fmt: skip
UNANSWERED_INPUTS = ("account_id", "mailbox", "internet_message_id", "subject", "sender",
                     "received_at", "business_hours_waiting", "reply_sla_hours")  # fmt: skip
TEAM_INPUTS = ("account_id", "account_name", "user_id", "user_name", "user_email", "roles",
               "open_items", "overdue_items", "open_cases", "last_touch_at", "load",
               "team_median_load", "load_ratio", "overloaded", "reason")  # fmt: skip
DATA_QUALITY_INPUTS = ("check", "severity", "sobject", "record_ids", "account_id", "detail")
UNMATCHED_INPUTS = ("address", "domain", "items", "mailboxes", "first_seen", "last_seen",
                    "likely_account_id", "likely_by", "suggested_first_name",
                    "suggested_last_name", "reason")  # fmt: skip
KEY_ACCOUNT_INPUTS = ("account_id", "account_name", "owner_name")

INPUTS = {
    "health": HEALTH_INPUTS, "health_components": HEALTH_COMPONENT_INPUTS,
    "health_changes": HEALTH_CHANGE_INPUTS, "complaints": COMPLAINT_INPUTS,
    "engagement": ENGAGEMENT_INPUTS, "unanswered": UNANSWERED_INPUTS, "team": TEAM_INPUTS,
    "data_quality": DATA_QUALITY_INPUTS, "unmatched": UNMATCHED_INPUTS,
    "key_accounts": KEY_ACCOUNT_INPUTS,
}  # fmt: skip

Row = dict[str, str]
ArtifactTables = dict[str, tuple[str, list[Row]]]


def require_inputs(**frames: pd.DataFrame) -> None:
    """Raise ValueError naming the analysis frame and the columns it lacks."""
    for name, frame in frames.items():
        require_columns(frame, name, INPUTS[name])


def _rank(values: pd.Series, order: Sequence[str]) -> pd.Series:
    """Position of each value in `order` (worst first); unknown or missing values come last."""
    ranks = {value: position for position, value in enumerate(order)}
    return values.map(ranks).fillna(len(order)).astype(float)


def _ordered(frame: pd.DataFrame, keys: Sequence[tuple[pd.Series, bool]]) -> pd.DataFrame:
    """`frame` sorted by computed keys (series, ascending), stable, missing values last."""
    names = [f"__key{position}" for position in range(len(keys))]
    keyed = frame.assign(
        **{name: key.to_numpy() for name, (key, _) in zip(names, keys, strict=True)}
    )
    ordered = keyed.sort_values(
        names, ascending=[ascending for _, ascending in keys], kind="stable", na_position="last"
    )
    return ordered.drop(columns=names).reset_index(drop=True)


def _numbers(values: pd.Series) -> pd.Series:
    """Floats (NaN where missing), whatever the column's dtype (nullable Int64 included)."""
    return pd.to_numeric(values, errors="coerce").astype("float64")


def health_worst_first(health: pd.DataFrame) -> pd.DataFrame:
    """Lowest score first, then by name."""
    return _ordered(health, [(_numbers(health["score"]), True), (health["account_name"], True)])


def changes_worst_first(changes: pd.DataFrame) -> pd.DataFrame:
    """Biggest fall first; new accounts (no previous score) last."""
    return _ordered(changes, [(_numbers(changes["delta"]), True), (changes["account_name"], True)])


def complaints_worst_first(complaints: pd.DataFrame) -> pd.DataFrame:
    """Breached, at risk, on track, met; within a state High priority and the oldest first."""
    return _ordered(
        complaints,
        [
            (_rank(complaints["state"], COMPLAINT_STATE_ORDER), True),
            (_rank(complaints["priority"], PRIORITY_ORDER), True),
            (complaints["created_at"], True),
        ],
    )


def engagement_worst_first(engagement: pd.DataFrame) -> pd.DataFrame:
    """Cold, slipping, on track; within a state the longest silence (or never touched) first."""
    silence = _numbers(engagement["days_since_touch"]).fillna(np.inf)
    return _ordered(
        engagement,
        [
            (_rank(engagement["state"], ENGAGEMENT_STATE_ORDER), True),
            (silence, False),
            (engagement["account_name"], True),
        ],
    )


def unanswered_worst_first(unanswered: pd.DataFrame) -> pd.DataFrame:
    """The client mail waiting longest (in business hours) first."""
    return _ordered(
        unanswered,
        [
            (_numbers(unanswered["business_hours_waiting"]), False),
            (unanswered["received_at"], True),
        ],
    )


def team_worst_first(team: pd.DataFrame) -> pd.DataFrame:
    """Overloaded people first, then by load against the team's median."""
    return _ordered(
        team,
        [
            (team["overloaded"].fillna(False).astype(bool), False),
            (_numbers(team["load_ratio"]), False),
            (_numbers(team["load"]), False),
        ],
    )


def data_quality_worst_first(data_quality: pd.DataFrame) -> pd.DataFrame:
    """High severity first, then grouped by check and object."""
    return _ordered(
        data_quality,
        [
            (_rank(data_quality["severity"], SEVERITY_ORDER), True),
            (data_quality["check"], True),
            (data_quality["sobject"], True),
        ],
    )


def unmatched_worst_first(unmatched: pd.DataFrame) -> pd.DataFrame:
    """The unknown correspondents with the most mail first."""
    return _ordered(
        unmatched, [(_numbers(unmatched["items"]), False), (unmatched["last_seen"], False)]
    )


def category_counts(values: pd.Series, order: Sequence[str]) -> pd.DataFrame:
    """How many rows hold each value ("label", "count"): every value of `order` (zeros too),
    then any other, missing values as "(none)"."""
    counted = values.fillna("(none)").astype(str).value_counts()
    labels = [*order, *(label for label in counted.index if label not in order)]
    return pd.DataFrame(
        {"label": labels, "count": [int(counted.get(label, 0)) for label in labels]}
    )


def component_label(component: str) -> str:
    """A health component as people say it: "revenue_trend" -> "Revenue trend"."""
    return component.replace("_", " ").strip().capitalize()


Breakdown = list[tuple[str, str, float | None]]


def health_breakdown(
    health: pd.DataFrame, components: pd.DataFrame
) -> tuple[pd.DataFrame, Breakdown]:
    """Health rows worst first with each component's points (one decimal) in a column of its
    own and "reasons" ("Component: reason; ...", the components that lost most points first),
    and (column, component, weight) of those columns, in the order the analysis lists them."""
    rows = health_worst_first(health)
    points = pd.to_numeric(components["points"], errors="coerce").round(1)
    weights = pd.to_numeric(components["weight"], errors="coerce")
    by_account = (
        components.assign(points=points)
        .groupby(["account_id", "component"])["points"]
        .sum(min_count=1)
        .unstack()
    )
    top_weight = weights.groupby(components["component"]).max()
    breakdown: Breakdown = []
    for position, name in enumerate(pd.unique(components["component"].dropna())):
        field = f"component_{position}"
        rows[field] = lookup(rows["account_id"], by_account[name])
        weight = top_weight.get(name)
        breakdown.append((field, str(name), None if pd.isna(weight) else float(weight)))
    reasons = _component_reasons(components, points, weights)
    return rows.assign(reasons=lookup(rows["account_id"], reasons)), breakdown


def _component_reasons(
    components: pd.DataFrame, points: pd.Series, weights: pd.Series
) -> pd.Series:
    """Per account, "Component: reason" joined, the components that lost most points first."""
    lines = components.assign(lost=weights - points).dropna(subset=["reason"])
    lines = lines[lines["reason"].astype(str).str.strip().ne("")]
    lines = lines.sort_values(["account_id", "lost"], ascending=[True, False], kind="stable")
    labels = lines["component"].map(lambda name: component_label(str(name)))
    return (labels + ": " + lines["reason"].astype(str)).groupby(lines["account_id"]).agg("; ".join)


def when(value: Any) -> str:
    """A moment as "YYYY-MM-DD HH:MM UTC" (naive values are taken as UTC); blank when missing."""
    if _missing(value):
        return ""
    moment = pd.Timestamp(value)
    moment = moment.tz_localize("UTC") if moment.tzinfo is None else moment.tz_convert("UTC")
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def hours(value: Any) -> str:
    """Hours with one decimal ("3.5"); blank when missing."""
    return "" if _missing(value) else f"{float(value):.1f}"


def number(value: Any) -> str:
    """A count or score without a useless ".0"; blank when missing."""
    return "" if _missing(value) else f"{float(value):,.0f}"


def signed(value: Any) -> str:
    """A change with its sign ("+5", "-12"); blank when missing."""
    return "" if _missing(value) else f"{float(value):+.0f}"


def text(value: Any) -> str:
    """One line of text; lists become comma-separated, long text is clipped."""
    if isinstance(value, list | tuple | set | np.ndarray):
        value = ", ".join(str(item) for item in value if not _missing(item))
    if _missing(value):
        return ""
    return clip(one_line(str(value)), ARTIFACT_TEXT_CHARS)


def count_or_text(value: Any) -> str:
    """A count when the value is a number, else its text (a list of mailboxes, say)."""
    is_number = isinstance(value, int | float | np.number) and not isinstance(value, bool)
    return number(value) if is_number else text(value)


def yes_no(value: Any) -> str:
    """ "yes" for a true flag, blank otherwise."""
    return "yes" if not _missing(value) and bool(value) else ""


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str | list | tuple | set | np.ndarray | dict):
        return False
    return bool(pd.isna(value))


def kam_names(account_ids: pd.Series, key_accounts: pd.DataFrame) -> pd.Series:
    """The KAM (account owner's name) of each account, missing when not a key account."""
    owners = key_accounts.drop_duplicates("account_id").set_index("account_id")["owner_name"]
    return lookup(account_ids, owners)


def account_names(account_ids: pd.Series, key_accounts: pd.DataFrame) -> pd.Series:
    """Each account's name, the id itself when it is not a key account."""
    names = key_accounts.drop_duplicates("account_id").set_index("account_id")["account_name"]
    return lookup(account_ids, names).fillna(account_ids)


def _health_row(row: dict[str, Any]) -> Row:
    return {"account": text(row["account_name"]), "KAM": text(row["kam"]),
            "score": number(row["score"]), "band": text(row["band"]),
            "weakest": text(row["summary"])}  # fmt: skip


def _change_row(row: dict[str, Any]) -> Row:
    bands = f"{text(row['previous_band']) or 'new'} → {text(row['band'])}"
    return {"account": text(row["account_name"]), "was": number(row["previous_score"]),
            "now": number(row["score"]), "change": signed(row["delta"]), "band": bands,
            "what moved": text(row["moved"])}  # fmt: skip


def _sla_use(used: Any, sla: Any, state: Any) -> str:
    """ "3.5 of 4.0, at risk": business hours used of the SLA and its state."""
    spent = f"{hours(used)} of {hours(sla)}" if not _missing(used) else ""
    return ", ".join(part for part in (spent, text(state)) if part)


def _complaint_row(row: dict[str, Any]) -> Row:
    first = _sla_use(row["first_response_hours_used"], row["first_response_sla_hours"],
                     row["first_response_state"])  # fmt: skip
    resolution = _sla_use(row["resolution_hours_used"], row["resolution_sla_hours"],
                          row["resolution_state"])  # fmt: skip
    return {"case": text(row["case_number"]), "account": text(row["account_name"]),
            "priority": text(row["priority"]), "state": text(row["state"]),
            "status": text(row["status"]), "opened": when(row["created_at"]),
            "first response (business h)": first, "resolution (business h)": resolution,
            "owner": text(row["owner_name"]), "subject": text(row["subject"]),
            "why": text(row["reason"])}  # fmt: skip


def _engagement_row(row: dict[str, Any]) -> Row:
    return {"account": text(row["account_name"]), "KAM": text(row["kam"]),
            "tier": text(row["tier"]), "state": text(row["state"]),
            "days since touch": number(row["days_since_touch"]) or "never",
            "cadence (days)": number(row["cadence_days"]),
            "last inbound": when(row["last_inbound_at"]),
            "last outbound": when(row["last_outbound_at"]),
            "next meeting": when(row["next_meeting_at"]),
            "unanswered": number(row["unanswered"]), "why": text(row["reason"])}  # fmt: skip


def _unanswered_row(row: dict[str, Any]) -> Row:
    return {"account": text(row["account"]), "mailbox": text(row["mailbox"]),
            "from": text(row["sender"]), "subject": text(row["subject"]),
            "received": when(row["received_at"]),
            "waiting (business h)": hours(row["business_hours_waiting"]),
            "reply SLA (business h)": hours(row["reply_sla_hours"])}  # fmt: skip


def _team_row(row: dict[str, Any]) -> Row:
    ratio = "" if _missing(row["load_ratio"]) else f"{float(row['load_ratio']):.1f}×"
    return {"person": text(row["user_name"]), "e-mail": text(row["user_email"]),
            "account": text(row["account_name"]), "roles": text(row["roles"]),
            "load": number(row["load"]), "team median": hours(row["team_median_load"]),
            "vs. median": ratio, "overloaded": yes_no(row["overloaded"]),
            "why": text(row["reason"])}  # fmt: skip


def _data_quality_row(row: dict[str, Any]) -> Row:
    return {"severity": text(row["severity"]), "check": text(row["check"]),
            "object": text(row["sobject"]), "account": text(row["account"]),
            "records": text(row["record_ids"]), "detail": text(row["detail"])}  # fmt: skip


def _unmatched_row(row: dict[str, Any]) -> Row:
    name = f"{text(row['suggested_first_name'])} {text(row['suggested_last_name'])}".strip()
    return {"address": text(row["address"]), "mails": number(row["items"]),
            "mailboxes": count_or_text(row["mailboxes"]),
            "first seen": when(row["first_seen"]), "last seen": when(row["last_seen"]),
            "likely account": text(row["likely_account"]), "by": text(row["likely_by"]),
            "suggested contact": name, "why": text(row["reason"])}  # fmt: skip


def _top(
    frame: pd.DataFrame, to_row: Callable[[dict[str, Any]], Row], rows: int
) -> tuple[list[Row], int]:
    """The first `rows` rows as strings, and how many were left out."""
    records = frame.head(rows).to_dict("records")
    shown = [to_row({str(field): value for field, value in record.items()}) for record in records]
    return shown, max(len(frame) - rows, 0)


def _described(
    key: str,
    frame: pd.DataFrame,
    to_row: Callable[[dict[str, Any]], Row],
    rows: int,
    what: str,
    sheet: str,
) -> tuple[str, tuple[str, list[Row]]]:
    """One artifact: "what" with the count, the worst rows, or a "nothing to report" row."""
    shown, more = _top(frame, to_row, rows)
    if not shown:
        return key, (f"{what}: {NOTHING_TO_REPORT}", [{"note": NOTHING_TO_REPORT}])
    rest = f"; {more} more in the workbook's {sheet} sheet" if more else ""
    return key, (f"{what}, worst first{rest}", shown)


def _counts(values: pd.Series, order: Sequence[str]) -> str:
    counts = values.value_counts()
    return ", ".join(f"{int(counts.get(name, 0))} {name}" for name in order)


def artifact_tables(
    *,
    health: pd.DataFrame,
    health_changes: pd.DataFrame,
    complaints: pd.DataFrame,
    engagement: pd.DataFrame,
    unanswered: pd.DataFrame,
    team: pd.DataFrame,
    data_quality: pd.DataFrame,
    unmatched: pd.DataFrame,
    key_accounts: pd.DataFrame,
    rows: int = ARTIFACT_ROWS,
) -> ArtifactTables:
    """Artifact key -> (description, rows of strings) for `create_table_artifact`: the `rows`
    worst key accounts by health, the biggest health moves, complaints by SLA state, accounts
    gone cold, client mail waiting longest, overloaded people, data problems and the unknown
    correspondents writing most. Descriptions give the totals; every row's values are text."""
    require_inputs(
        health=health, health_changes=health_changes, complaints=complaints,
        engagement=engagement, unanswered=unanswered, team=team, data_quality=data_quality,
        unmatched=unmatched, key_accounts=key_accounts,
    )  # fmt: skip
    health_rows = health_worst_first(health).assign(
        kam=lambda f: kam_names(f["account_id"], key_accounts)
    )
    engagement_rows = engagement_worst_first(engagement).assign(
        kam=lambda f: kam_names(f["account_id"], key_accounts)
    )
    unanswered_rows = unanswered_worst_first(unanswered).assign(
        account=lambda f: account_names(f["account_id"], key_accounts)
    )
    quality_rows = data_quality_worst_first(data_quality).assign(
        account=lambda f: account_names(f["account_id"], key_accounts)
    )
    unmatched_rows = unmatched_worst_first(unmatched).assign(
        likely_account=lambda f: account_names(f["likely_account_id"], key_accounts)
    )
    overloaded = int(team["overloaded"].fillna(False).astype(bool).sum())
    return dict(
        [
            _described("kamsync-health", health_rows, _health_row, rows,
                       f"{len(health)} key accounts by health "
                       f"({_counts(health['band'], BAND_ORDER)})", "Health"),
            _described("kamsync-health-changes", changes_worst_first(health_changes),
                       _change_row, rows, f"{len(health_changes)} key accounts whose health "
                       "moved since the last cycle", "Health"),
            _described("kamsync-complaints", complaints_worst_first(complaints), _complaint_row,
                       rows, f"{len(complaints)} complaints of key accounts "
                       f"({_counts(complaints['state'], COMPLAINT_STATE_ORDER)})", "Complaints"),
            _described("kamsync-engagement", engagement_rows, _engagement_row, rows,
                       f"{len(engagement)} key accounts by engagement "
                       f"({_counts(engagement['state'], ENGAGEMENT_STATE_ORDER)})", "Engagement"),
            _described("kamsync-unanswered", unanswered_rows, _unanswered_row, rows,
                       f"{len(unanswered)} client mails waiting for a reply", "Engagement"),
            _described("kamsync-team", team_worst_first(team), _team_row, rows,
                       f"{len(team)} account team members ({overloaded} overloaded)", "Team"),
            _described("kamsync-data-quality", quality_rows, _data_quality_row, rows,
                       f"{len(data_quality)} CRM data problems "
                       f"({_counts(data_quality['severity'], SEVERITY_ORDER)})", "Data quality"),
            _described("kamsync-unmatched", unmatched_rows, _unmatched_row, rows,
                       f"{len(unmatched)} correspondents matched to no account", "Unmatched"),
        ]
    )  # fmt: skip
