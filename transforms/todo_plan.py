"""Plan of Microsoft To Do tasks: which deadline becomes a task in which KAM's mailbox."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import pandas as pd

from transforms.deadlines import KIND_LABELS
from transforms.frames import require_columns

DEADLINE_COLUMNS = (
    "sf_id",
    "kind",
    "account_name",
    "title",
    "due_date",
    "days_left",
    "overdue",
    "owner_email",
    "amount",
    "record_path",
)
LINK_COLUMNS = ("mailbox", "external_id")

TODO_PLAN_COLUMNS = (
    "idempotency_key",
    "mailbox",
    "sf_id",
    "title",
    "due_date",
    "importance",
    "body",
    "link_url",
    "action",
)
ACTION_CREATE = "create"
ACTION_IN_PLACE = "in_place"
URGENT_DAYS = 7


def plan_todo_tasks(
    deadlines: pd.DataFrame,
    existing_links: pd.DataFrame,
    *,
    mailboxes: Sequence[str],
    instance_url: str,
) -> pd.DataFrame:
    """One To Do task per deadline owned by a configured mailbox; "create" unless already linked.

    Mailboxes are matched case-insensitively and written lower-case, so the idempotency key
    f"todo:{mailbox}:{sf_id}" is the same whichever way the CRM or the config spells them.
    """
    require_columns(deadlines, "deadlines", DEADLINE_COLUMNS)
    require_columns(existing_links, "existing_links", LINK_COLUMNS)
    mailbox_owned = deadlines[_owner_mailboxes(deadlines).isin(_normalised(mailboxes))]
    mailbox = _owner_mailboxes(mailbox_owned)
    link_urls = instance_url.rstrip("/") + mailbox_owned["record_path"]
    plan = pd.DataFrame(
        {
            "idempotency_key": "todo:" + mailbox + ":" + mailbox_owned["sf_id"],
            "mailbox": mailbox,
            "sf_id": mailbox_owned["sf_id"],
            "title": mailbox_owned["title"],
            "due_date": mailbox_owned["due_date"],
            "importance": [
                _importance(overdue, days_left)
                for overdue, days_left in zip(
                    mailbox_owned["overdue"], mailbox_owned["days_left"], strict=True
                )
            ],
            "body": [
                _body(row, url)
                for row, url in zip(mailbox_owned.to_dict("records"), link_urls, strict=True)
            ],
            "link_url": link_urls,
            "action": _actions(mailbox, mailbox_owned["sf_id"], existing_links),
        },
        index=mailbox_owned.index,
        columns=list(TODO_PLAN_COLUMNS),
    )
    return plan.reset_index(drop=True)


def unassigned_deadlines(deadlines: pd.DataFrame, mailboxes: Sequence[str]) -> pd.DataFrame:
    """Deadlines whose KAM has no configured mailbox (or no e-mail), for the run report."""
    require_columns(deadlines, "deadlines", ("owner_email",))
    unassigned = ~_owner_mailboxes(deadlines).isin(_normalised(mailboxes))
    return deadlines[unassigned].reset_index(drop=True)


def _actions(mailbox: pd.Series, sf_ids: pd.Series, existing_links: pd.DataFrame) -> list[str]:
    """In place where the mailbox already has a To Do task linked to the record, else create."""
    linked = set(zip(_lower(existing_links["mailbox"]), existing_links["external_id"], strict=True))
    return [
        ACTION_IN_PLACE if key in linked else ACTION_CREATE
        for key in zip(mailbox, sf_ids, strict=True)
    ]


def _owner_mailboxes(deadlines: pd.DataFrame) -> pd.Series:
    return _lower(deadlines["owner_email"])


def _lower(addresses: pd.Series) -> pd.Series:
    """Trimmed lower-case addresses; None where there is no address."""
    return pd.Series(
        [value.strip().lower() if isinstance(value, str) else None for value in addresses],
        index=addresses.index,
        dtype=object,
    )


def _normalised(mailboxes: Sequence[str]) -> set[str]:
    return {mailbox.strip().lower() for mailbox in mailboxes}


def _importance(overdue: bool, days_left: int) -> str:
    return "high" if overdue or days_left <= URGENT_DAYS else "normal"


def _body(deadline: Mapping[Hashable, Any], link_url: str) -> str:
    """Plain-text task body: what it is, for which account, how much, and where to open it."""
    lines = [
        f"Account: {deadline['account_name'] or '(unknown account)'}",
        f"Kind: {KIND_LABELS.get(deadline['kind'], deadline['kind'])}",
    ]
    amount = deadline["amount"]
    if amount is not None and not pd.isna(amount):
        lines.append(f"Amount: {amount:,.2f}")
    lines.append(f"Open in Salesforce: {link_url}")
    return "\n".join(lines)
