"""Complaints of key accounts against their SLAs, counted in the account's business hours.

A KAM sees every open case of a key account and every one closed in the last 90 days:
its priority, when the client first heard back (an outbound mail or a public case
comment), how many business hours of the first-response and resolution SLAs are used,
and whether it is on track, at risk, breached or (closed in time) met. The escalation
list names who to tell about open cases at risk or breached, worst first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from transforms.account_calendars import AccountCalendars, account_calendars
from transforms.business_hours import BusinessCalendar, business_hours_elapsed
from transforms.frames import column_or, lookup, require_columns, to_bool, to_datetime_utc

CASE_COLUMNS: tuple[str, ...] = ("Id", "AccountId", "CaseNumber", "Subject", "Status")
CASE_COLUMNS += ("Priority", "IsClosed", "CreatedDate", "ClosedDate", "OwnerId")
CASE_COMMENT_COLUMNS = ("ParentId", "IsPublished", "CreatedDate")
KEY_ACCOUNT_COLUMNS = ("account_id", "account_name", "owner_email")
USER_COLUMNS = ("Id", "Name", "Email")
TOUCH_COLUMNS = ("account_id", "occurred_at", "direction", "client_addresses")

COMPLAINT_COLUMNS = (
    "case_id",
    "case_number",
    "account_id",
    "account_name",
    "subject",
    "priority",
    "status",
    "is_closed",
    "created_at",
    "closed_at",
    "owner_id",
    "owner_name",
    "owner_email",
    "first_response_at",
    "first_response_by",
    "first_response_sla_hours",
    "first_response_hours_used",
    "first_response_state",
    "resolution_sla_hours",
    "resolution_hours_used",
    "resolution_state",
    "state",
    "reason",
)
ESCALATION_COLUMNS = (*COMPLAINT_COLUMNS, "escalate_to", "why")

#: Worst last: a case's state is the worst of its two SLAs.
STATE_ORDER = ("met", "on track", "at risk", "breached")
ESCALATED_STATES = ("at risk", "breached")

_HOUR = 3600.0
_MOMENT = pd.DatetimeTZDtype("ns", "UTC")


@dataclass(frozen=True)
class SlaPolicy:
    """Business hours a complaint may take per priority, and when it counts as at risk."""

    first_response_hours: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType({"High": 4.0, "Medium": 8.0, "Low": 24.0})
    )
    resolution_hours: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType({"High": 24.0, "Medium": 40.0, "Low": 80.0})
    )
    default_priority: str = "Medium"
    closed_window_days: int = 90
    at_risk_share: float = 0.75
    escalate_closed: bool = False

    def __post_init__(self) -> None:
        if set(self.first_response_hours) != set(self.resolution_hours):
            raise ValueError("first-response and resolution SLAs must name the same priorities")
        if self.default_priority not in self.first_response_hours:
            raise ValueError(f"default priority {self.default_priority!r} has no SLA")
        hours = [*self.first_response_hours.values(), *self.resolution_hours.values()]
        if any(not value > 0 for value in hours):
            raise ValueError(f"SLA hours must be positive, got {hours}")
        if not 0 < self.at_risk_share <= 1:
            raise ValueError(f"at_risk_share must be in (0, 1], got {self.at_risk_share}")
        if self.closed_window_days < 0:
            raise ValueError(f"closed_window_days must not be negative: {self.closed_window_days}")


def complaints_and_slas(
    cases: pd.DataFrame,
    case_comments: pd.DataFrame,
    key_accounts: pd.DataFrame,
    accounts: pd.DataFrame,
    users: pd.DataFrame,
    touches: pd.DataFrame,
    *,
    policy: SlaPolicy | None = None,
    calendars: AccountCalendars | BusinessCalendar | None = None,
    contacts: pd.DataFrame | None = None,
    now: dt.datetime,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(complaints, escalations) of key accounts' cases, open or closed within the window.

    `touches` is the mail attribution frame (first response = earliest outbound mail to
    the account after the case opened, preferring mail to the case contact); `calendars`
    defaults to each account's billing-country calendar built from `accounts`. Cases
    skipped for bad data are counted in `complaints.attrs["skipped"]`.
    """
    policy = policy or SlaPolicy()
    moment = _utc(now)
    require_columns(cases, "cases", CASE_COLUMNS)
    require_columns(case_comments, "case_comments", CASE_COMMENT_COLUMNS)
    require_columns(key_accounts, "key_accounts", KEY_ACCOUNT_COLUMNS)
    require_columns(users, "users", USER_COLUMNS)
    require_columns(touches, "touches", TOUCH_COLUMNS)
    if calendars is None:
        calendars = account_calendars(accounts)

    window, skipped = _cases_in_window(cases, key_accounts, policy, moment)
    window = _with_owners(window, key_accounts, users)
    window = _with_first_response(window, case_comments, touches, contacts, moment)
    window = _with_sla_use(window, policy, calendars, moment)
    complaints = window.reindex(columns=list(COMPLAINT_COLUMNS)).reset_index(drop=True)
    complaints = complaints.sort_values(["account_name", "case_number"], kind="stable")
    complaints = complaints.reset_index(drop=True)
    complaints.attrs["skipped"] = skipped
    return complaints, _escalations(window, policy)


def _utc(now: dt.datetime) -> pd.Timestamp:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now ({now.isoformat()}) has no time zone")
    return pd.Timestamp(now).tz_convert("UTC")


def _cases_in_window(
    cases: pd.DataFrame, key_accounts: pd.DataFrame, policy: SlaPolicy, now: pd.Timestamp
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Key accounts' cases that are open or closed within the window, with parsed fields."""
    has_account = cases["AccountId"].notna()
    keyed = cases[cases["AccountId"].isin(key_accounts["account_id"].dropna())]
    created = _moments(keyed["CreatedDate"])
    closed_flag = column_or(keyed, "IsClosed", None)
    is_closed = to_bool(closed_flag)
    unknown_flag = closed_flag.isna()
    is_closed[unknown_flag] = keyed["ClosedDate"].notna()[unknown_flag] | (
        _text(keyed["Status"])[unknown_flag].str.strip().str.lower().eq("closed")
    )
    closed_at = _moments(keyed["ClosedDate"])
    modified = _moments(column_or(keyed, "LastModifiedDate", None))
    close_guessed = is_closed & closed_at.isna() & modified.notna()
    closed_at = closed_at.where(~close_guessed, modified).where(is_closed)
    undated_close = is_closed & closed_at.isna()
    cutoff = now - pd.Timedelta(days=policy.closed_window_days)
    keep = created.notna() & ~undated_close & (~is_closed | (closed_at >= cutoff))
    window = pd.DataFrame(
        {
            "case_id": _text(keyed["Id"]),
            "case_number": _text(keyed["CaseNumber"]),
            "account_id": _text(keyed["AccountId"]),
            "contact_id": _text(column_or(keyed, "ContactId", None)),
            "contact_email": _text(column_or(keyed, "ContactEmail", None)),
            "subject": _text(keyed["Subject"]),
            "raw_priority": _text(keyed["Priority"]),
            "status": _text(keyed["Status"]),
            "is_closed": is_closed,
            "created_at": created,
            "closed_at": closed_at,
            "close_guessed": close_guessed,
            "owner_id": _text(keyed["OwnerId"]),
        }
    )[keep.to_numpy()]
    skipped = {
        "no account": int((~has_account).sum()),
        "no created date": int(created.isna().sum()),
        "closed without a closed or last-modified date": int(
            (undated_close & created.notna()).sum()
        ),
    }
    return window.reset_index(drop=True), skipped


def _with_owners(
    window: pd.DataFrame, key_accounts: pd.DataFrame, users: pd.DataFrame
) -> pd.DataFrame:
    """Account name and owner email from the key accounts; case owner name and email."""
    accounts = key_accounts.drop_duplicates("account_id").set_index("account_id")
    people = users[users["Id"].notna()].drop_duplicates("Id").set_index("Id")
    return window.assign(
        account_name=_text(lookup(window["account_id"], accounts["account_name"])),
        account_owner_email=_text(lookup(window["account_id"], accounts["owner_email"])),
        owner_name=_text(lookup(window["owner_id"], people["Name"])),
        owner_email=_text(lookup(window["owner_id"], people["Email"])),
    )


def _with_first_response(
    window: pd.DataFrame,
    case_comments: pd.DataFrame,
    touches: pd.DataFrame,
    contacts: pd.DataFrame | None,
    now: pd.Timestamp,
) -> pd.DataFrame:
    """The earlier of the first outbound mail and the first public comment, before closing."""
    answer_by = window["closed_at"].fillna(now)
    mail = _first_mail(window, touches, _contact_emails(window, contacts))
    comment = _first_public_comment(window, case_comments)
    mail = mail.where(mail <= answer_by)
    comment = comment.where(comment <= answer_by)
    by_comment = comment.notna() & (mail.isna() | (comment < mail))
    first = mail.where(~by_comment, comment)
    by = pd.Series([None] * len(window), index=window.index, dtype=object)
    by[mail.notna() & ~by_comment] = "mail"
    by[by_comment] = "comment"
    return window.assign(first_response_at=first, first_response_by=by)


def _contact_emails(window: pd.DataFrame, contacts: pd.DataFrame | None) -> pd.Series:
    """The case contact's email (lower-case): Case.ContactEmail, else the Contact's Email."""
    emails = window["contact_email"]
    if contacts is not None and {"Id", "Email"} <= set(contacts.columns):
        ours = contacts[contacts["Id"].isin(window["contact_id"].dropna())]
        people = ours.drop_duplicates("Id").set_index("Id")["Email"]
        emails = emails.where(emails.notna(), _text(lookup(window["contact_id"], people)))
    return _text(emails.str.strip().str.lower().replace("", None))


def _first_mail(window: pd.DataFrame, touches: pd.DataFrame, emails: pd.Series) -> pd.Series:
    """Earliest outbound mail after each case opened: to its contact if any, else to anyone."""
    outbound = touches[
        touches["direction"].eq("outbound") & touches["account_id"].isin(window["account_id"])
    ]
    sent = pd.DataFrame(
        {
            "account_id": _text(outbound["account_id"]),
            "sent_at": _moments(outbound["occurred_at"]),
            "address": outbound["client_addresses"],
        }
    ).dropna(subset=["sent_at"])
    asked = window[["account_id", "created_at"]].assign(
        address=emails.astype(object), row=window.index
    )
    to_anyone = _earliest_after(asked, sent.drop(columns="address"), ["account_id"])
    to_contact = pd.Series(pd.NaT, index=window.index, dtype=_MOMENT)
    with_contact = asked[asked["address"].notna()]
    if len(with_contact):
        to_addresses = sent.explode("address").dropna(subset=["address"])
        to_addresses["address"] = _text(to_addresses["address"]).str.lower().astype(object)
        to_contact = _earliest_after(with_contact, to_addresses, ["account_id", "address"])
        to_contact = to_contact.reindex(window.index)
    return to_contact.where(to_contact.notna(), to_anyone)


def _earliest_after(asked: pd.DataFrame, sent: pd.DataFrame, by: list[str]) -> pd.Series:
    """Per asked row, the first `sent_at` strictly after its `created_at` with equal `by` keys."""
    found = pd.merge_asof(
        asked.sort_values("created_at"),
        sent.sort_values("sent_at"),
        left_on="created_at",
        right_on="sent_at",
        by=by,
        direction="forward",
        allow_exact_matches=False,
    )
    first = found.set_index("row")["sent_at"].reindex(asked["row"]).set_axis(asked.index)
    return _moments(first)


def _text(values: pd.Series) -> pd.Series:
    """Text with missing values as None (like frames.to_text, without a Python loop per row)."""
    found = values.to_numpy(dtype=object, copy=True)
    found[pd.isna(found)] = None
    return pd.Series(found, index=values.index, dtype=object)


def _moments(values: pd.Series) -> pd.Series:
    """UTC timestamps at one resolution (merge_asof and comparisons need equal dtypes)."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").astype(_MOMENT)
    return to_datetime_utc(values.astype(object)).astype(_MOMENT)


def _first_public_comment(window: pd.DataFrame, case_comments: pd.DataFrame) -> pd.Series:
    """Earliest published comment on each case created after the case opened."""
    comments = case_comments[case_comments["ParentId"].isin(window["case_id"])]
    comments = comments[to_bool(comments["IsPublished"]).to_numpy()]
    posted = pd.DataFrame(
        {"case_id": comments["ParentId"], "posted_at": _moments(comments["CreatedDate"])}
    )
    opened = window.set_index("case_id")["created_at"]
    posted = posted[posted["posted_at"] > _moments(lookup(posted["case_id"], opened))]
    first = posted.groupby("case_id")["posted_at"].min()
    return _moments(lookup(window["case_id"], first))


def _with_sla_use(
    window: pd.DataFrame,
    policy: SlaPolicy,
    calendars: AccountCalendars | BusinessCalendar,
    now: pd.Timestamp,
) -> pd.DataFrame:
    """SLA hours per priority, business hours used of each SLA, their states and the reason."""
    priority, priority_note = _priorities(window["raw_priority"], policy)
    if isinstance(calendars, BusinessCalendar):
        calendar = pd.Series(calendars, index=window.index, dtype=object)
    else:
        calendar = calendars.for_accounts(window["account_id"]).set_axis(window.index)
    resolved_at = window["closed_at"].fillna(now)
    answered_at = window["first_response_at"].fillna(resolved_at)
    spans = pd.DataFrame(
        {
            "start": pd.concat([window["created_at"]] * 2, ignore_index=True),
            "end": pd.concat([answered_at, resolved_at], ignore_index=True),
            "calendar": pd.concat([calendar, calendar], ignore_index=True),
        }
    )
    hours = business_hours_elapsed(spans, "start", "end", "calendar").to_numpy() / _HOUR
    used_first, used_resolution = hours[: len(window)], hours[len(window) :]
    first_sla = priority.map(dict(policy.first_response_hours)).astype(float)
    resolution_sla = priority.map(dict(policy.resolution_hours)).astype(float)
    answered = window["first_response_at"].notna() | window["is_closed"]
    first_state = _states(used_first, first_sla, answered, policy.at_risk_share)
    resolution_state = _states(
        used_resolution, resolution_sla, window["is_closed"], policy.at_risk_share
    )
    rank = {state: index for index, state in enumerate(STATE_ORDER)}
    worst = pd.concat([first_state.map(rank), resolution_state.map(rank)], axis=1).max(axis=1)
    framed = window.assign(
        priority=priority,
        first_response_sla_hours=first_sla,
        first_response_hours_used=used_first,
        first_response_state=first_state,
        resolution_sla_hours=resolution_sla,
        resolution_hours_used=used_resolution,
        resolution_state=resolution_state,
        state=worst.map(dict(enumerate(STATE_ORDER))),
        sla_used=np.maximum(used_first / first_sla, used_resolution / resolution_sla),
    )
    return framed.assign(reason=_reasons(framed, priority_note))


def _priorities(raw: pd.Series, policy: SlaPolicy) -> tuple[pd.Series, pd.Series]:
    """Each case's SLA priority (case-insensitive), and a note where the default was used."""
    names = {name.lower(): name for name in policy.first_response_hours}
    typed = raw.str.strip()
    priority = typed.str.lower().map(names)
    note = pd.Series("", index=raw.index, dtype=object)
    fallback = f", treated as {policy.default_priority}"
    note[typed.isna() | typed.eq("")] = "no priority" + fallback
    unknown = priority.isna() & typed.notna() & typed.ne("")
    note[unknown] = "priority " + typed[unknown].map(repr) + " unknown" + fallback
    return priority.fillna(policy.default_priority).astype(object), note


def _states(used: np.ndarray, sla: pd.Series, done: pd.Series, at_risk: float) -> pd.Series:
    """Per row: breached (over the SLA), met (done within it), at risk or on track."""
    share = used / sla.to_numpy()
    states = np.select(
        [share > 1, done.to_numpy(dtype=bool), share >= at_risk],
        ["breached", "met", "at risk"],
        "on track",
    )
    return pd.Series(states, index=sla.index, dtype=object)


def _reasons(framed: pd.DataFrame, priority_note: pd.Series) -> list[str]:
    """One line per case, e.g. "High priority, first response by mail after 5.2 of 4 business
    hours (breached); open 18.0 of 24 business hours (at risk)"."""
    columns = zip(
        framed["priority"],
        priority_note,
        framed["first_response_by"],
        framed["is_closed"],
        framed["first_response_hours_used"],
        framed["first_response_sla_hours"],
        framed["first_response_state"],
        framed["resolution_hours_used"],
        framed["resolution_sla_hours"],
        framed["resolution_state"],
        framed["close_guessed"],
        strict=True,
    )
    return [_reason(*values) for values in columns]


def _reason(
    priority: str,
    note: str,
    by: Any,
    closed: bool,
    first_used: float,
    first_sla: float,
    first_state: str,
    used: float,
    sla: float,
    state: str,
    close_guessed: bool,
) -> str:
    first_hours = f"{first_used:.1f} of {first_sla:g} business hours ({first_state})"
    if isinstance(by, str):
        first = f"first response by {by} after {first_hours}"
    elif closed:
        first = f"closed with no recorded first response after {first_hours}"
    else:
        first = f"no first response yet after {first_hours}"
    hours = f"{used:.1f} of {sla:g} business hours ({state})"
    resolution = f"resolved in {hours}" if closed else f"open {hours}"
    guessed = "; no closed date, last modified date used" if close_guessed else ""
    return f"{note or f'{priority} priority'}, {first}; {resolution}{guessed}"


def _escalations(window: pd.DataFrame, policy: SlaPolicy) -> pd.DataFrame:
    """Cases at risk or breached (open ones unless the policy escalates closed too), worst first."""
    wanted = window["state"].isin(ESCALATED_STATES)
    if not policy.escalate_closed:
        wanted &= ~window["is_closed"]
    flagged = window[wanted].assign(breached=lambda rows: rows["state"].eq("breached"))
    flagged = flagged.sort_values(
        ["breached", "sla_used", "case_number"], ascending=[False, False, True], kind="stable"
    )
    escalate_to = [
        list(dict.fromkeys(email for email in pair if isinstance(email, str) and email.strip()))
        for pair in zip(flagged["owner_email"], flagged["account_owner_email"], strict=True)
    ]
    why = [
        f"{state}: case {number} of {account} ({subject}): {reason}"
        for state, number, account, subject, reason in zip(
            flagged["state"],
            flagged["case_number"],
            flagged["account_name"],
            flagged["subject"],
            flagged["reason"],
            strict=True,
        )
    ]
    escalations = flagged.assign(
        escalate_to=pd.Series(escalate_to, index=flagged.index, dtype=object), why=why
    )
    return escalations.reindex(columns=list(ESCALATION_COLUMNS)).reset_index(drop=True)
