"""The org's own logic on every write: default values and the fields Salesforce
computes (full names, closed/won flags from the stage or status, an activity's
account, expected revenue, case close dates).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.ids import KEY_PREFIXES
from sandbox.salesforce.soql_dates import parse_instant
from sandbox.state import Doc, DocStore

#: Picklist defaults Salesforce fills in when a create leaves them out.
DEFAULTS: dict[str, dict[str, Any]] = {
    "Task": {"Status": "Not Started", "Priority": "Normal"},
    "Case": {"Status": "New", "Priority": "Medium"},
    "Contract": {"Status": "Draft"},
    "CaseComment": {"IsPublished": False},
}
CLOSED_WON, CLOSED_LOST = "Closed Won", "Closed Lost"
_OBJECT_OF_PREFIX = {prefix: sobject for sobject, prefix in KEY_PREFIXES.items()}


def derive(sobject: str, record: Doc, before: Doc | None, store: DocStore, now: str) -> None:
    """Set the computed fields of `record` (in place) after a create or an update."""
    rule = _RULES.get(sobject)
    if rule is not None:
        rule(record, before, store, now)


def _full_name(record: Doc, before: Doc | None, store: DocStore, now: str) -> None:
    record["Name"] = " ".join(
        part for part in (record.get("FirstName"), record.get("LastName")) if part
    )


def _opportunity(record: Doc, before: Doc | None, store: DocStore, now: str) -> None:
    stage = record.get("StageName")
    record["IsClosed"] = stage in (CLOSED_WON, CLOSED_LOST)
    record["IsWon"] = stage == CLOSED_WON
    amount, probability = record.get("Amount"), record.get("Probability")
    record["ExpectedRevenue"] = (
        None if amount is None or probability is None else amount * probability / 100
    )


def _task(record: Doc, before: Doc | None, store: DocStore, now: str) -> None:
    record["IsClosed"] = record.get("Status") == "Completed"
    record["AccountId"] = activity_account(record, store)


def _event(record: Doc, before: Doc | None, store: DocStore, now: str) -> None:
    record["AccountId"] = activity_account(record, store)
    start, end = record.get("StartDateTime"), record.get("EndDateTime")
    if start:
        record["ActivityDate"] = start[:10]
    if start and end:
        minutes = (parse_instant(end) - parse_instant(start)).total_seconds() // 60
        record["DurationInMinutes"] = int(minutes)


def _case(record: Doc, before: Doc | None, store: DocStore, now: str) -> None:
    closed = record.get("Status") == "Closed"
    was_closed = bool(before and before.get("IsClosed"))
    record["IsClosed"] = closed
    if not closed:
        record["ClosedDate"] = None
    elif not was_closed:
        record["ClosedDate"] = now


def activity_account(record: Doc, store: DocStore) -> str | None:
    """A Task's or Event's account: the What record's account, else the Who contact's."""
    what_id = record.get("WhatId")
    if what_id:
        what_type = _OBJECT_OF_PREFIX.get(what_id[:3])
        if what_type == "Account":
            return str(what_id)
        what = store.get(what_type, what_id) if what_type else None
        if what and what.get("AccountId"):
            return str(what["AccountId"])
    who_id = record.get("WhoId")
    who = store.get("Contact", who_id) if who_id else None
    return who.get("AccountId") if who else None


_RULES: dict[str, Callable[[Doc, Doc | None, DocStore, str], None]] = {
    "User": _full_name,
    "Contact": _full_name,
    "Opportunity": _opportunity,
    "Task": _task,
    "Event": _event,
    "Case": _case,
}
