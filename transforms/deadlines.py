"""Deadlines of key accounts that a KAM must act on: CRM tasks, opportunity closes, renewals."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from transforms.frames import (
    as_python_dates,
    column_or,
    day_timestamp,
    require_columns,
    to_bool,
    to_date,
    to_text,
)

KEY_ACCOUNT_COLUMNS = ("account_id", "account_name", "owner_email")
TASK_COLUMNS = ("Id", "AccountId", "WhatId", "Subject", "ActivityDate", "IsClosed")
OPPORTUNITY_COLUMNS = ("Id", "AccountId", "Name", "Amount", "CloseDate", "IsClosed")
CONTRACT_COLUMNS = ("Id", "AccountId", "ContractNumber", "Status", "EndDate")

ACTIVATED_CONTRACT_STATUS = "Activated"

# How each deadline kind is named for people (task bodies, workbook, digest).
KIND_LABELS = {
    "task": "CRM task",
    "opportunity_close": "Opportunity close",
    "contract_renewal": "Contract renewal notice",
}

DEADLINE_COLUMNS = (
    "deadline_key",
    "sf_id",
    "sobject",
    "kind",
    "account_id",
    "account_name",
    "title",
    "due_date",
    "days_left",
    "overdue",
    "owner_email",
    "amount",
    "record_path",
    "version",
)
# What each kind builder returns before the shared columns are added.
_ITEM_COLUMNS = ("sf_id", "sobject", "kind", "account_id", "title", "due", "amount", "version")
#: The record's last-change stamp, when the mirror holds one (every field is mirrored by default).
VERSION_FIELDS = ("SystemModstamp", "LastModifiedDate")


def collect_deadlines(
    key_accounts: pd.DataFrame,
    tasks: pd.DataFrame,
    opportunities: pd.DataFrame,
    contracts: pd.DataFrame,
    *,
    today: dt.date,
    horizon_days: int = 30,
    renewal_notice_days: int = 90,
) -> pd.DataFrame:
    """Open deadlines of key accounts due by today + horizon_days, overdue ones included.

    Kinds: "task" (open CRM task, due ActivityDate), "opportunity_close" (open opportunity, due
    CloseDate) and "contract_renewal" (activated contract not yet ended, due renewal_notice_days
    before EndDate). A renewal whose notice date has passed keeps that date and is overdue, so
    the KAM sees how late the notice is; it drops out once EndDate is before today.
    """
    require_columns(key_accounts, "key_accounts", KEY_ACCOUNT_COLUMNS)
    require_columns(tasks, "tasks", TASK_COLUMNS)
    require_columns(opportunities, "opportunities", OPPORTUNITY_COLUMNS)
    require_columns(contracts, "contracts", CONTRACT_COLUMNS)

    key_ids = set(key_accounts["account_id"])
    horizon_end = day_timestamp(today) + pd.Timedelta(days=horizon_days)
    items = pd.concat(
        [
            task_deadlines(tasks, key_ids),
            opportunity_close_deadlines(opportunities, key_ids),
            contract_renewal_deadlines(contracts, key_ids, today, renewal_notice_days),
        ],
        ignore_index=True,
    )
    items = items[items["due"].notna() & items["due"].le(horizon_end)]
    return _finish(items, key_accounts, today)


def task_deadlines(tasks: pd.DataFrame, key_ids: set[str]) -> pd.DataFrame:
    """Open CRM tasks on key accounts, attributed by AccountId or else by an account WhatId."""
    account_ids = tasks["AccountId"].where(tasks["AccountId"].isin(key_ids), tasks["WhatId"])
    wanted = ~to_bool(tasks["IsClosed"]) & account_ids.isin(key_ids)
    subjects = to_text(tasks["Subject"]).fillna("(no subject)")
    return _items(
        sf_id=tasks["Id"][wanted],
        sobject="Task",
        kind="task",
        account_id=account_ids[wanted],
        title=subjects[wanted],
        due=to_date(tasks["ActivityDate"])[wanted],
        amount=None,
        version=record_versions(tasks)[wanted],
    )


def opportunity_close_deadlines(opportunities: pd.DataFrame, key_ids: set[str]) -> pd.DataFrame:
    """Open opportunities of key accounts, due on their CloseDate."""
    wanted = ~to_bool(opportunities["IsClosed"]) & opportunities["AccountId"].isin(key_ids)
    names = to_text(opportunities["Name"]).fillna("(unnamed opportunity)")
    return _items(
        sf_id=opportunities["Id"][wanted],
        sobject="Opportunity",
        kind="opportunity_close",
        account_id=opportunities["AccountId"][wanted],
        title="Close: " + names[wanted],
        due=to_date(opportunities["CloseDate"])[wanted],
        amount=pd.to_numeric(opportunities["Amount"], errors="coerce")[wanted],
        version=record_versions(opportunities)[wanted],
    )


def contract_renewal_deadlines(
    contracts: pd.DataFrame, key_ids: set[str], today: dt.date, renewal_notice_days: int
) -> pd.DataFrame:
    """Activated contracts of key accounts not yet ended, due renewal_notice_days before EndDate."""
    end_dates = to_date(contracts["EndDate"])
    wanted = (
        contracts["Status"].eq(ACTIVATED_CONTRACT_STATUS)
        & contracts["AccountId"].isin(key_ids)
        & end_dates.ge(day_timestamp(today))
    )
    numbers = to_text(contracts["ContractNumber"]).fillna("(no number)")
    titles = [
        f"Renewal notice: contract {number} ends {end:%Y-%m-%d}"
        for number, end in zip(numbers[wanted], end_dates[wanted], strict=True)
    ]
    return _items(
        sf_id=contracts["Id"][wanted],
        sobject="Contract",
        kind="contract_renewal",
        account_id=contracts["AccountId"][wanted],
        title=pd.Series(titles, index=end_dates[wanted].index, dtype=object),
        due=end_dates[wanted] - pd.Timedelta(days=renewal_notice_days),
        amount=None,
        version=record_versions(contracts)[wanted],
    )


def _items(
    *,
    sf_id: pd.Series,
    sobject: str,
    kind: str,
    account_id: pd.Series,
    title: pd.Series,
    due: pd.Series,
    amount: pd.Series | None,
    version: pd.Series,
) -> pd.DataFrame:
    """One kind's deadlines in the common pre-finish shape."""
    return pd.DataFrame(
        {
            "sf_id": to_text(sf_id),
            "sobject": sobject,
            "kind": kind,
            "account_id": to_text(account_id),
            "title": to_text(title),
            "due": due.astype("datetime64[us]"),
            "amount": amount if amount is not None else float("nan"),
            "version": to_text(version),
        },
        index=sf_id.index,
        columns=list(_ITEM_COLUMNS),
    )


def _finish(items: pd.DataFrame, key_accounts: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Add account, owner, days left, overdue and keys; sort by due date then account."""
    owners = key_accounts.drop_duplicates("account_id").set_index("account_id")
    days_left = (items["due"] - day_timestamp(today)).dt.days.astype(int)
    deadlines = items.assign(
        deadline_key=items["sobject"] + ":" + items["sf_id"] + ":" + items["kind"],
        account_name=to_text(items["account_id"].map(owners["account_name"])),
        owner_email=to_text(items["account_id"].map(owners["owner_email"])),
        days_left=days_left,
        overdue=days_left.lt(0),
        record_path="/lightning/r/" + items["sobject"] + "/" + items["sf_id"] + "/view",
    )
    deadlines = deadlines.sort_values(
        ["due", "account_name", "deadline_key"], kind="stable", na_position="last"
    )
    deadlines["due_date"] = as_python_dates(deadlines["due"])
    deadlines["amount"] = _none_when_missing(deadlines["amount"])
    return deadlines.reset_index(drop=True)[list(DEADLINE_COLUMNS)]


def record_versions(records: pd.DataFrame) -> pd.Series:
    """Each record's SystemModstamp (or LastModifiedDate) as text; None where not mirrored."""
    for field in VERSION_FIELDS:
        if field in records.columns:
            return to_text(records[field])
    return to_text(column_or(records, None, None))


def _none_when_missing(amounts: pd.Series) -> pd.Series:
    """Amounts as an object column holding floats, with None where there is no amount."""
    return pd.Series(
        [None if pd.isna(amount) else float(amount) for amount in amounts],
        index=amounts.index,
        dtype=object,
    )
