"""The team around each key account: who works it, what they carry, and who is overloaded.

A KAM sees one row per person on each key account's team (Account Team members plus the
owners of the account and of its open opportunities, cases and tasks): their roles, open and
overdue items and open cases on that account, their last touch with the client, and their load
across all key accounts against the team's median, with overloaded people and inactive users
called out in one line.
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd

from transforms.engagement import TOUCH_COLUMNS, held_touches, lowered
from transforms.frames import (
    column_or,
    day_timestamp,
    lookup,
    require_columns,
    to_bool,
    to_date,
    to_text,
)

TEAM_COLUMNS = (
    "account_id",
    "account_name",
    "user_id",
    "user_name",
    "user_email",
    "roles",
    "open_items",
    "overdue_items",
    "open_cases",
    "last_touch_at",
    "load",
    "team_median_load",
    "load_ratio",
    "overloaded",
    "reason",
)
KEY_ACCOUNT_INPUTS = ("account_id", "account_name", "owner_id")
TEAM_MEMBER_COLUMNS = ("AccountId", "UserId", "TeamMemberRole")
OPPORTUNITY_COLUMNS = ("AccountId", "OwnerId", "IsClosed", "CloseDate")
CASE_COLUMNS = ("AccountId", "OwnerId", "IsClosed")
TASK_COLUMNS = ("AccountId", "WhatId", "OwnerId", "IsClosed", "ActivityDate")
USER_COLUMNS = ("Id", "Name", "Email")

# Roles in the order they are listed, after the Account Team roles.
OWNER_ROLES = ("account owner", "opportunity owner", "case owner", "task owner")
TEAM_MEMBER_ROLE = "team member"
INACTIVE = "inactive user still on the team"
_HELD_COLUMNS = (
    "source",
    "internet_message_id",
    "ical_uid",
    "mailbox",
    "occurred_at",
    "account_id",
)


def account_team(
    key_accounts: pd.DataFrame,
    team_members: pd.DataFrame,
    opportunities: pd.DataFrame,
    cases: pd.DataFrame,
    tasks: pd.DataFrame,
    users: pd.DataFrame,
    touches: pd.DataFrame,
    *,
    now: dt.datetime,
    messages: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    overload_factor: float = 2.0,
    overload_minimum: int = 10,
) -> pd.DataFrame:
    """One `TEAM_COLUMNS` row per (key account, team member), sorted by account then load.

    open_items = open tasks + open opportunities the member owns on the account; overdue are
    those past ActivityDate / CloseDate (UTC date of `now`); load = open items + open cases the
    member owns across all key accounts. Overloaded when load ≥ `overload_factor` × the median
    load of the people listed and ≥ `overload_minimum`. `last_touch_at` is the latest attributed
    touch (`touches`) in the member's mailbox; pass the mirrored `messages` and `events` to
    count every mailbox holding a copy, not only the copy attribution kept.
    """
    for frame, name, columns in (
        (key_accounts, "key_accounts", KEY_ACCOUNT_INPUTS),
        (team_members, "team_members", TEAM_MEMBER_COLUMNS),
        (opportunities, "opportunities", OPPORTUNITY_COLUMNS),
        (cases, "cases", CASE_COLUMNS),
        (tasks, "tasks", TASK_COLUMNS),
        (users, "users", USER_COLUMNS),
    ):
        require_columns(frame, name, columns)
    if overload_factor <= 0:
        raise ValueError(f"overload_factor must be positive, got {overload_factor}")
    accounts = key_accounts.drop_duplicates("account_id")
    key_ids = pd.Index(accounts["account_id"].dropna())
    today = day_timestamp(now.astimezone(dt.UTC).date())
    items = _open_work(opportunities, cases, tasks, key_ids, today)
    team = _members(accounts, team_members, items, key_ids)
    team = team.join(_per_member(items), on=["account_id", "user_id"], how="left")
    team = team.fillna({"open_items": 0, "overdue_items": 0, "open_cases": 0})
    team = team.astype({"open_items": int, "overdue_items": int, "open_cases": int})
    team = _with_users(team, users)
    names = accounts.set_index("account_id")["account_name"]
    team["account_name"] = _or_none(lookup(team["account_id"], names))
    team["last_touch_at"] = _last_touches(team, touches, now, messages, events)
    team = _with_load(team, items, overload_factor, overload_minimum)
    team = team.sort_values(
        ["account_name", "account_id", "load", "user_name"],
        ascending=[True, True, False, True],
        kind="stable",
        na_position="last",
    )
    return team.reset_index(drop=True)[list(TEAM_COLUMNS)]


def _open_work(
    opportunities: pd.DataFrame,
    cases: pd.DataFrame,
    tasks: pd.DataFrame,
    key_ids: pd.Index,
    today: pd.Timestamp,
) -> pd.DataFrame:
    """Open tasks, opportunities and cases on key accounts: (account_id, user_id, kind, overdue).

    Records are narrowed to key accounts before their flags and dates are parsed (1M tasks).
    """
    task_accounts = tasks["AccountId"].where(tasks["AccountId"].notna(), tasks["WhatId"])
    parts = []
    for frame, accounts, kind, due in (
        (tasks, task_accounts, "task", "ActivityDate"),
        (opportunities, opportunities["AccountId"], "opportunity", "CloseDate"),
        (cases, cases["AccountId"], "case", None),
    ):
        on_key = accounts.isin(key_ids)
        # Only the columns read, before filtering: copying all 18 task columns costs more.
        needed = ["IsClosed", "OwnerId"] + ([due] if due else [])
        frame, accounts = frame[needed][on_key], accounts[on_key]
        is_open = ~to_bool(frame["IsClosed"])
        overdue = to_date(frame[due]).lt(today) if due else pd.Series(False, index=frame.index)
        parts.append(
            pd.DataFrame(
                {
                    "account_id": accounts[is_open].to_numpy(dtype=object),
                    "user_id": frame["OwnerId"][is_open].to_numpy(dtype=object),
                    "kind": kind,
                    "overdue": overdue[is_open].to_numpy(dtype=bool),
                }
            )
        )
    work = pd.concat(parts, ignore_index=True)
    return work[work["user_id"].notna()]


def _members(
    accounts: pd.DataFrame, team_members: pd.DataFrame, items: pd.DataFrame, key_ids: pd.Index
) -> pd.DataFrame:
    """(account_id, user_id, roles): Account Team roles first, then the owner roles held."""
    on_team = team_members[team_members["AccountId"].isin(key_ids) & team_members["UserId"].notna()]
    team_roles = (
        to_text(on_team["TeamMemberRole"]).fillna(TEAM_MEMBER_ROLE).str.strip().str.lower()
        if len(on_team)
        else pd.Series(dtype=object)
    )
    listed = pd.DataFrame(
        {
            "account_id": on_team["AccountId"].to_numpy(dtype=object),
            "user_id": on_team["UserId"].to_numpy(dtype=object),
            "role": team_roles.to_numpy(dtype=object),
        }
    )
    owners = pd.DataFrame(
        {
            "account_id": accounts["account_id"].to_numpy(dtype=object),
            "user_id": accounts["owner_id"].to_numpy(dtype=object),
            "role": OWNER_ROLES[0],
        }
    )
    item_owners = items[["account_id", "user_id"]].assign(role=items["kind"] + " owner")
    roles = pd.concat([listed, owners, item_owners], ignore_index=True).dropna()
    # Integer codes (in sorted order of the texts) for account, user and role: the pairs come
    # out sorted by (account_id, user_id), each with its roles in listing order.
    account_codes, account_values = pd.factorize(
        roles["account_id"].to_numpy(dtype=object), sort=True
    )
    user_codes, user_values = pd.factorize(roles["user_id"].to_numpy(dtype=object), sort=True)
    kinds, role_values = pd.factorize(roles["role"].to_numpy(dtype=object))
    pair = account_codes.astype(np.int64) * max(len(user_values), 1) + user_codes
    _, first = np.unique(pair * max(len(role_values), 1) + kinds, return_index=True)
    kept = np.sort(first)  # drop_duplicates: the first of each (account, user, role)
    # Team roles keep the CRM's order; owner roles follow in OWNER_ROLES order.
    owner_rank = {role: i + 1 for i, role in enumerate(OWNER_ROLES)}
    rank = np.array([owner_rank.get(role, 0) for role in role_values], dtype=np.int64)
    order = kept[np.lexsort((np.arange(len(kept)), rank[kinds[kept]], pair[kept]))]
    pairs, starts = np.unique(pair[order], return_index=True)
    texts = np.asarray(role_values, dtype=object)[kinds[order]].tolist()
    bounds = [*starts.tolist(), len(order)]
    joined = ["; ".join(texts[start:end]) for start, end in itertools.pairwise(bounds)]
    width = max(len(user_values), 1)
    return pd.DataFrame(
        {
            "account_id": np.asarray(account_values, dtype=object)[pairs // width],
            "user_id": np.asarray(user_values, dtype=object)[pairs % width],
            "roles": pd.Series(joined, dtype=object),
        }
    )


def _per_member(items: pd.DataFrame) -> pd.DataFrame:
    """open_items, overdue_items and open_cases per (account_id, user_id).

    Counted with integer codes of the two keys (`np.bincount`), not a two-key text groupby.
    """
    accounts, account_values = pd.factorize(items["account_id"].to_numpy(dtype=object))
    users, user_values = pd.factorize(items["user_id"].to_numpy(dtype=object))
    width = max(len(user_values), 1)
    codes = accounts.astype(np.int64) * width + users
    distinct, inverse = np.unique(codes, return_inverse=True)
    is_case = items["kind"].eq("case").to_numpy()
    overdue = items["overdue"].to_numpy(dtype=bool)
    size = len(distinct)
    index = pd.MultiIndex.from_arrays(
        [
            np.asarray(account_values, dtype=object)[distinct // width],
            np.asarray(user_values, dtype=object)[distinct % width],
        ],
        names=["account_id", "user_id"],
    )
    return pd.DataFrame(
        {
            "open_items": np.bincount(inverse, weights=~is_case, minlength=size).astype(np.int64),
            "overdue_items": np.bincount(
                inverse, weights=overdue & ~is_case, minlength=size
            ).astype(np.int64),
            "open_cases": np.bincount(inverse, weights=is_case, minlength=size).astype(np.int64),
        },
        index=index,
    )


def _with_users(team: pd.DataFrame, users: pd.DataFrame) -> pd.DataFrame:
    """Name, e-mail and whether the user is inactive (IsActive explicitly false)."""
    people = users.drop_duplicates("Id").set_index("Id")
    active = column_or(people, "IsActive", True)
    inactive = ~to_bool(active) & active.notna()
    return team.assign(
        user_name=_or_none(lookup(team["user_id"], to_text(people["Name"]))),
        user_email=_or_none(lookup(team["user_id"], lowered(people["Email"]))),
        inactive=lookup(team["user_id"], inactive).eq(True),
        job=_or_none(lookup(team["user_id"], lowered(column_or(people, "Title", None)))),
    )


def _last_touches(
    team: pd.DataFrame,
    touches: pd.DataFrame,
    now: dt.datetime,
    messages: pd.DataFrame | None,
    events: pd.DataFrame | None,
) -> pd.Series:
    """Latest attributed touch with the account in the member's own mailbox.

    Accounts and mailboxes become integer codes early, so 1M mail copies group quickly.
    """
    accounts = pd.Index(team["account_id"].unique())
    emails = pd.Index(team["user_email"].dropna().unique())
    require_columns(touches, "touches", ("account_id",))
    # Only the columns read here and by held_touches travel through the filters.
    read = [column for column in touches.columns if column in TOUCH_COLUMNS]
    held = held_touches(touches[read][touches["account_id"].isin(accounts)], now=now)
    held = held[[column for column in _HELD_COLUMNS if column in held.columns]]
    held = held.assign(account=accounts.get_indexer(held["account_id"]))
    held = held[held["account"].ge(0)]
    seen = [held[["account", "occurred_at"]].assign(mailbox=_mailbox_codes(held, emails))]
    for source, frame, key in (
        ("mail", messages, "internet_message_id"),
        ("event", events, "ical_uid"),
    ):
        if frame is not None:
            require_columns(frame, source, ("mailbox", key))
            items = held[held["source"].eq(source)]
            # Only copies in a member's mailbox matter: narrow the 1M copies to those first,
            # then join items and copies on integer codes of their keys.
            mailboxes = _mailbox_codes(frame, emails)
            kept = mailboxes >= 0
            copy_keys = frame[key].to_numpy(dtype=object)[kept]
            # Missing keys get code -1 on both sides and so never join.
            codes, _ = pd.factorize(np.concatenate([items[key].to_numpy(dtype=object), copy_keys]))
            item_codes, copy_codes = codes[: len(items)], codes[len(items) :]
            left = pd.DataFrame(
                {
                    "code": item_codes,
                    "account": items["account"].to_numpy(),
                    "occurred_at": items["occurred_at"].array,
                }
            )
            right = pd.DataFrame({"code": copy_codes, "mailbox": mailboxes[kept]})
            joined = (
                left[left["code"].ge(0)]
                .merge(right[right["code"].ge(0)], on="code")
                .drop(columns="code")
            )
            seen.append(joined)
    found = pd.concat(seen, ignore_index=True)
    found = found[found["mailbox"].ge(0)]
    pair = found["account"].to_numpy(dtype=np.int64) * len(emails) + found["mailbox"]
    latest = found["occurred_at"].groupby(pair.to_numpy()).max()
    wanted = accounts.get_indexer(team["account_id"]) * len(emails) + emails.get_indexer(
        team["user_email"]
    )
    wanted = np.where(emails.get_indexer(team["user_email"]) >= 0, wanted, -1)
    return pd.to_datetime(lookup(pd.Series(wanted, index=team.index), latest), utc=True)


def _mailbox_codes(frame: pd.DataFrame, emails: pd.Index) -> np.ndarray:
    """Position of each row's mailbox (lower-cased) in `emails`, -1 when not a member's."""
    codes, names = pd.factorize(frame["mailbox"])
    positions = emails.get_indexer(pd.Index(lowered(pd.Series(names, dtype=object))))
    return np.where(codes >= 0, np.append(positions, -1)[codes], -1)


def _with_load(
    team: pd.DataFrame, items: pd.DataFrame, factor: float, minimum: int
) -> pd.DataFrame:
    """Load across key accounts, the median of the person's peers, and the one-line reason.

    Peers: the other people on key-account teams with the same job title (User.Title), who
    carry any open work: a KAM owns most of an account's work, so set against reps and
    engineers every KAM would look overloaded. With fewer than two such peers, everyone
    else on the teams who carries work. No peers with work: never overloaded."""
    load = items.groupby("user_id").size()
    spread = items.drop_duplicates(["user_id", "account_id"]).groupby("user_id").size()
    people = team.drop_duplicates("user_id").set_index("user_id")[["inactive", "job"]]
    people["load"] = lookup(people.index.to_series(), load).fillna(0).astype(int)
    people["median"], people["peers"] = _peer_medians(people)
    people["overloaded"] = (
        people["median"].gt(0)
        & people["load"].ge(factor * people["median"])
        & people["load"].ge(minimum)
    )
    spreads = lookup(people.index.to_series(), spread).fillna(0).astype(int)
    people["reason"] = [
        _reason(load, spread, median, peers, overloaded, inactive)
        for load, spread, median, peers, overloaded, inactive in zip(
            people["load"], spreads, people["median"], people["peers"], people["overloaded"],
            people["inactive"], strict=True,
        )
    ]  # fmt: skip
    team = team.assign(
        load=lookup(team["user_id"], people["load"]).astype(int),
        team_median_load=lookup(team["user_id"], people["median"]).astype(float),
    )
    ratio = team["load"] / team["team_median_load"].where(team["team_median_load"] > 0)
    team["load_ratio"] = ratio.round(2)
    team["overloaded"] = lookup(team["user_id"], people["overloaded"]).astype(bool)
    team["reason"] = lookup(team["user_id"], people["reason"])
    return team


def _peer_medians(people: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per person, the median load of their peers carrying work (0 when none) and who the
    peers are, in words. People are few (the staff), so this loops over them."""
    carrying = people[people["load"] > 0]
    medians, words = {}, {}
    for user, job in zip(people.index, people["job"], strict=True):
        others = carrying[carrying.index != user]
        same = others[others["job"].eq(job)] if job else others.iloc[0:0]
        chosen, label = (same, f"other {job}s") if len(same) >= 2 else (others, "the team")
        medians[user] = float(chosen["load"].median()) if len(chosen) else 0.0
        words[user] = label
    return (
        pd.Series(medians, dtype=float).reindex(people.index).fillna(0.0),
        pd.Series(words, dtype=object).reindex(people.index),
    )


def _reason(
    load: int, spread: int, median: float, peers: str, overloaded: bool, inactive: bool
) -> str:
    """'38 open items across 4 key accounts, 3.1× the median of other key account managers
    (12)' (+ flags)."""
    things = f"{load} open item{'s' if load != 1 else ''}"
    where = (
        f"across {spread} key account{'s' if spread != 1 else ''}" if spread else "on key accounts"
    )
    versus = (
        f"{load / median:.1f}× the median of {peers} ({median:g})" if median else "no peer load"
    )
    line = f"{things} {where}, {versus}"
    if overloaded:
        line = f"overloaded: {line}"
    return f"{INACTIVE}; {line}" if inactive else line


def _or_none(values: pd.Series) -> pd.Series:
    """Text with missing values as None, so the rows serialise cleanly."""
    return values.astype(object).where(values.notna(), None)
