"""The "Data issues" table: every CRM record kamsync had to skip, clip or reinterpret.

Computed once per cycle from the mirrored Salesforce tables, with the same rules the
other transforms apply, so the table says what the workbook, the digest and To Do
actually did with each odd value. One row per record and field:
object, record id, field, the value (an excerpt), what was wrong, what kamsync did.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from transforms.frames import to_bool, to_text
from transforms.text import (
    MAX_TITLE_CHARS,
    excerpt,
    has_control_characters,
    has_markup,
    looks_like_formula,
)

DATA_ISSUE_COLUMNS = ("object", "record_id", "field", "value", "problem", "action")
#: Excel's 1900 date system starts here; earlier dates show as ##### or #VALUE!.
EXCEL_FIRST_DAY = dt.date(1900, 1, 1)
#: Amounts at or above this are taken for typing slips (a trillion in any currency).
GIANT_AMOUNT = 1e12
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\".]+$")

#: (object, field) pairs holding names people read in the workbook, the digest or To Do.
NAME_FIELDS = (
    ("Account", "Name"),
    ("Opportunity", "Name"),
    ("Task", "Subject"),
    ("Contract", "ContractNumber"),
    ("Contact", "Name"),
    ("User", "Name"),
)
DATE_FIELDS = (
    ("Opportunity", "CloseDate"),
    ("Task", "ActivityDate"),
    ("Contract", "EndDate"),
)
EMAIL_FIELDS = (("Contact", "Email"), ("User", "Email"))

Check = Callable[[str], tuple[str, str] | None]


def data_issues(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The data-issues table of the mirrored Salesforce `tables` (object name → frame).

    Objects or fields the mirror lacks are skipped; an empty org gives an empty table.
    """
    found: list[pd.DataFrame] = []
    for sobject, field in NAME_FIELDS:
        found.append(_field_issues(tables, sobject, field, _name_problem))
    found.append(_field_issues(tables, "Task", "Subject", _title_problem))
    for sobject, field in DATE_FIELDS:
        found.append(_field_issues(tables, sobject, field, _date_problem))
    for sobject, field in EMAIL_FIELDS:
        found.append(_field_issues(tables, sobject, field, _email_problem))
    found.append(_amount_issues(tables.get("Opportunity")))
    found.append(_currency_issues(tables.get("Opportunity")))
    found.append(_unattached_tasks(tables.get("Task")))
    rows = [frame for frame in found if len(frame)]
    if not rows:
        return pd.DataFrame(columns=list(DATA_ISSUE_COLUMNS))
    issues = pd.concat(rows, ignore_index=True)
    return issues.sort_values(["object", "record_id", "field"], kind="stable").reset_index(
        drop=True
    )


def _field_issues(
    tables: Mapping[str, pd.DataFrame], sobject: str, field: str, check: Check
) -> pd.DataFrame:
    """One row per record whose `field` the check finds wrong."""
    frame = tables.get(sobject)
    if frame is None or field not in frame.columns or "Id" not in frame.columns:
        return _issues([])
    # each distinct value is checked once: CRM columns repeat (dates, subjects) a lot
    codes, values = pd.factorize(to_text(frame[field]), use_na_sentinel=True)
    suspect = _SUSPECTS.get(check)
    verdicts = [
        check(value) if suspect is None or suspect.search(value) else None for value in values
    ]
    wrong = {code for code, verdict in enumerate(verdicts) if verdict is not None}
    if not wrong:
        return _issues([])
    hit = np.flatnonzero(np.isin(codes, list(wrong)))
    ids = frame["Id"].to_numpy(dtype=object)
    rows = []
    for position in hit:
        value = values[codes[position]]
        verdict = verdicts[codes[position]]
        assert verdict is not None
        rows.append((sobject, ids[position], field, excerpt(value), *verdict))
    return _issues(rows)


def _name_problem(text: str) -> tuple[str, str] | None:
    if has_control_characters(text):
        return "control characters", "stripped in To Do titles and workbook cells"
    if looks_like_formula(text):
        return (
            "looks like a spreadsheet formula",
            "written as text in the workbook, never as a formula",
        )
    if has_markup(text):
        return "HTML markup", "escaped in mails: shown as text, never run"
    return None


#: one cheap search that every value a check would flag matches (most names pass it)
_SUSPECTS: dict[Check, re.Pattern[str]] = {
    _name_problem: re.compile(
        r"[\x00-\x08\x0b-\x1f\x7f-\x9f<]|^[ ]*[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]"
    ),
}


def _title_problem(text: str) -> tuple[str, str] | None:
    if len(text) > MAX_TITLE_CHARS:
        return (
            f"{len(text):,} characters long",
            f"To Do title clipped to {MAX_TITLE_CHARS} characters; full text in the task body",
        )
    return None


def _date_problem(text: str) -> tuple[str, str] | None:
    """Values that are no date, and dates Excel cannot show (before 1900)."""
    match = _ISO_DAY.match(text.strip())
    try:
        day = dt.date(*(int(part) for part in match.groups())) if match else None
    except ValueError:
        day = None
    if day is None:
        return "not a date", "left out: no deadline, no revenue"
    if day < EXCEL_FIRST_DAY:
        return "date before 1900 (Excel cannot show it)", "written as text in the workbook"
    return None


def _email_problem(text: str) -> tuple[str, str] | None:
    if "\r" in text or "\n" in text:
        return "line break in an e-mail address", "never used as an address or mail header"
    if not _ADDRESS.match(text.strip()):
        return "not an e-mail address", "not used to match mail or as a mailbox"
    return None


def _amount_issues(opportunities: pd.DataFrame | None) -> pd.DataFrame:
    """Negative, missing (on closed-won) and implausibly large opportunity amounts."""
    needed = ("Id", "Amount", "IsClosed", "IsWon")
    if opportunities is None or any(c not in opportunities.columns for c in needed):
        return _issues([])
    amounts = pd.to_numeric(opportunities["Amount"], errors="coerce")
    won = to_bool(opportunities["IsClosed"]) & to_bool(opportunities["IsWon"])
    rows = []
    for record_id, raw, amount, is_won in zip(
        opportunities["Id"], opportunities["Amount"], amounts, won, strict=True
    ):
        if pd.isna(amount):
            if is_won:
                rows.append((record_id, raw, "no amount on a closed-won opportunity",
                             "counted as 0 in revenue"))  # fmt: skip
        elif amount < 0:
            action = "left out of revenue and its shares (credit note)" if is_won else (
                "shown as is in the pipeline")  # fmt: skip
            rows.append((record_id, raw, "negative amount", action))
        elif amount >= GIANT_AMOUNT:
            rows.append((record_id, raw, "implausibly large amount", "counted as is: check it"))
    return _issues(
        [("Opportunity", rid, "Amount", excerpt(raw), problem, action)
         for rid, raw, problem, action in rows]
    )  # fmt: skip


def _currency_issues(opportunities: pd.DataFrame | None) -> pd.DataFrame:
    """In a multi-currency org, amounts not in the org's main currency are summed unconverted."""
    if opportunities is None or "CurrencyIsoCode" not in opportunities.columns:
        return _issues([])
    codes = to_text(opportunities["CurrencyIsoCode"])
    known = codes.dropna()
    if known.nunique() <= 1:
        return _issues([])
    main = str(known.value_counts().index[0])
    other = codes.notna() & codes.ne(main)
    return _issues(
        [
            ("Opportunity", record_id, "CurrencyIsoCode", code,
             f"amount in {code}, not {main} like most opportunities",
             f"summed with {main} amounts unconverted: check revenue and pipeline")
            for record_id, code in zip(opportunities["Id"][other], codes[other], strict=True)
        ]
    )  # fmt: skip


def _unattached_tasks(tasks: pd.DataFrame | None) -> pd.DataFrame:
    """Open tasks with neither WhatId nor AccountId: no account, so no deadline."""
    needed = ("Id", "WhatId", "AccountId", "IsClosed")
    if tasks is None or any(column not in tasks.columns for column in needed):
        return _issues([])
    unattached = (
        to_text(tasks["WhatId"]).isna()
        & to_text(tasks["AccountId"]).isna()
        & ~to_bool(tasks["IsClosed"])
    )
    return _issues(
        [
            ("Task", record_id, "WhatId", "", "open task with no WhatId or AccountId",
             "skipped: no account to attach a deadline to")
            for record_id in tasks["Id"][unattached]
        ]
    )  # fmt: skip


def _issues(rows: Iterable[tuple[object, ...]]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(DATA_ISSUE_COLUMNS))
