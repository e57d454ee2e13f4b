"""Plan of Microsoft To Do tasks: which deadline becomes a task in which KAM's mailbox,
which task kamsync made is brought up to date, and which is completed.

Actions: "create" (no task linked to the record yet), "in_place" (linked and up to
date, or its state is unknown — e.g. the user deleted it: it is not recreated),
"update" (linked, still open, and the CRM changed its title or due date) and
"complete" (linked, still open, and the CRM record is closed).

Titles are one line of at most 255 characters (`transforms.text.task_title`); a clipped
title's full text opens the task body. An optional deadline column "version" (the record's
SystemModstamp) makes each CRM edit an update of its own, so a change back to an earlier
value (A→B→A) reaches To Do too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd

from transforms.deadlines import KIND_LABELS
from transforms.frames import column_or, require_columns, to_bool, to_text
from transforms.text import task_title

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
#: Optional link columns: the linked task's state in To Do (from the m365/todo_tasks mirror).
STATE_COLUMNS = ("task_id", "list_id", "title", "due_date", "status")
CLOSED_CONTRACT_STATUSES = ("Expired", "Terminated")

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
    "task_id",
    "list_id",
)
ACTION_CREATE = "create"
ACTION_IN_PLACE = "in_place"
ACTION_UPDATE = "update"
ACTION_COMPLETE = "complete"
COMPLETED = "completed"
URGENT_DAYS = 7


def plan_todo_tasks(
    deadlines: pd.DataFrame,
    existing_links: pd.DataFrame,
    *,
    mailboxes: Sequence[str],
    instance_url: str,
    closed_ids: Collection[str] = (),
) -> pd.DataFrame:
    """One row per deadline owned by a configured mailbox (create, in_place or update), plus a
    "complete" row per open linked task whose record is in `closed_ids`.

    `existing_links` needs mailbox and external_id; with the STATE_COLUMNS too (see
    `linked_task_states`) updates and completions are planned. Mailboxes are matched
    case-insensitively and written lower-case, so the idempotency key f"todo:{mailbox}:{sf_id}"
    is the same whichever way the CRM or the config spells them; an update's key also names the
    new values and the record's version, so each CRM edit is applied once and a rerun over the
    same state sends nothing again.
    """
    require_columns(deadlines, "deadlines", DEADLINE_COLUMNS)
    require_columns(existing_links, "existing_links", LINK_COLUMNS)
    states = _states(existing_links)
    mailbox_owned = deadlines[_owner_mailboxes(deadlines).isin(_normalised(mailboxes))]
    mailbox = _owner_mailboxes(mailbox_owned)
    link_urls = instance_url.rstrip("/") + mailbox_owned["record_path"]
    plan = pd.DataFrame(
        {
            "idempotency_key": "todo:" + mailbox + ":" + mailbox_owned["sf_id"],
            "mailbox": mailbox,
            "sf_id": mailbox_owned["sf_id"],
            "title": _titles(mailbox_owned["title"]),
            "due_date": mailbox_owned["due_date"],
            "importance": [
                _importance(overdue, days_left)
                for overdue, days_left in zip(
                    mailbox_owned["overdue"], mailbox_owned["days_left"], strict=True
                )
            ],
            "body": [
                _body(title, account, kind, amount, url)
                for title, account, kind, amount, url in zip(
                    mailbox_owned["title"].to_numpy(object),
                    mailbox_owned["account_name"].to_numpy(object),
                    mailbox_owned["kind"].to_numpy(object),
                    mailbox_owned["amount"].to_numpy(object),
                    link_urls.to_numpy(object),
                    strict=True,
                )
            ],
            "link_url": link_urls,
            "action": _actions(mailbox, mailbox_owned["sf_id"], existing_links),
        },
        index=mailbox_owned.index,
        columns=list(TODO_PLAN_COLUMNS),
    )
    versions = pd.Series(
        [_version(value) for value in column_or(mailbox_owned, "version", None)], dtype=object
    )
    plan = _with_updates(plan.reset_index(drop=True), states, versions)
    completions = _completions(states, _normalised(mailboxes), set(closed_ids))
    if completions.empty:
        return plan
    return pd.concat([plan, completions], ignore_index=True) if len(plan) else completions


def linked_task_states(links: pd.DataFrame, mirror_tasks: pd.DataFrame) -> pd.DataFrame:
    """Store links (mailbox, external_id, task_id, list_id) with each task's title, due_date
    and status from the To Do mirror (id, title, due_date, status); None where the mirror
    does not hold the task (not pulled yet, or deleted by the user)."""
    require_columns(links, "links", (*LINK_COLUMNS, "task_id"))
    require_columns(mirror_tasks, "mirror_tasks", ("id", "title", "due_date", "status"))
    state = mirror_tasks[["id", "title", "due_date", "status"]].drop_duplicates("id", keep="last")
    merged = links.drop(columns=["title", "due_date", "status"], errors="ignore").merge(
        state.rename(columns={"id": "task_id"}), on="task_id", how="left"
    )
    merged = merged.reindex(columns=list(dict.fromkeys([*LINK_COLUMNS, *STATE_COLUMNS])))
    return merged.astype(object).where(merged.notna(), None)


def closed_record_ids(
    tasks: pd.DataFrame, opportunities: pd.DataFrame, contracts: pd.DataFrame
) -> set[str]:
    """CRM records whose deadline is over: closed tasks and opportunities, expired or
    terminated contracts."""
    require_columns(tasks, "tasks", ("Id", "IsClosed"))
    require_columns(opportunities, "opportunities", ("Id", "IsClosed"))
    require_columns(contracts, "contracts", ("Id", "Status"))
    ended = to_text(contracts["Status"]).isin(CLOSED_CONTRACT_STATUSES)
    return {
        *tasks["Id"][to_bool(tasks["IsClosed"])],
        *opportunities["Id"][to_bool(opportunities["IsClosed"])],
        *contracts["Id"][ended],
    }


def _states(links: pd.DataFrame) -> pd.DataFrame:
    """Links whose task state is known and open, keyed by (mailbox, external_id)."""
    if not set(STATE_COLUMNS) <= set(links.columns) or links.empty:
        return pd.DataFrame(columns=[*LINK_COLUMNS, *STATE_COLUMNS])
    known = links[links["title"].notna() & links["task_id"].notna()].copy()
    known["mailbox"] = _lower(known["mailbox"])
    open_tasks = known[known["status"].astype(str) != COMPLETED]
    return open_tasks.drop_duplicates(["mailbox", "external_id"], keep="last")


def _with_updates(plan: pd.DataFrame, states: pd.DataFrame, versions: pd.Series) -> pd.DataFrame:
    """In-place rows whose open task shows another title or due date become updates, keyed
    by record, new values and the record's version (one key per CRM edit)."""
    if plan.empty or states.empty:
        return plan
    by_key = states.set_index(["mailbox", "external_id"])
    for index, row in plan[plan["action"] == ACTION_IN_PLACE].iterrows():
        key = (row["mailbox"], row["sf_id"])
        if key not in by_key.index:
            continue
        state = by_key.loc[key]
        plan.at[index, "task_id"] = state["task_id"]
        plan.at[index, "list_id"] = state["list_id"]
        due = row["due_date"].isoformat() if row["due_date"] is not None else None
        if state["title"] != row["title"] or _day(state["due_date"]) != due:
            plan.at[index, "action"] = ACTION_UPDATE
            version = versions.at[index]
            intent = f"{row['title']}|{due}" + (f"|{version}" if isinstance(version, str) else "")
            change = hashlib.sha256(intent.encode()).hexdigest()[:12]
            plan.at[index, "idempotency_key"] = f"todo-update:{key[0]}:{key[1]}:{change}"
    return plan


def _completions(states: pd.DataFrame, mailboxes: set[str], closed: set[str]) -> pd.DataFrame:
    done = states[states["external_id"].isin(closed) & states["mailbox"].isin(mailboxes)]
    return pd.DataFrame(
        {
            "idempotency_key": "todo-complete:" + done["mailbox"] + ":" + done["external_id"],
            "mailbox": done["mailbox"],
            "sf_id": done["external_id"],
            "title": done["title"],
            "due_date": [_date(value) for value in done["due_date"]],
            "importance": None,
            "body": None,
            "link_url": None,
            "action": ACTION_COMPLETE,
            "task_id": done["task_id"],
            "list_id": done["list_id"],
        },
        columns=list(TODO_PLAN_COLUMNS),
    ).reset_index(drop=True)


def _day(value: Any) -> str | None:
    """A due date as YYYY-MM-DD, whatever the mirror stored (date, timestamp or text)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)[:10] if isinstance(value, str) else pd.Timestamp(value).date().isoformat()


def _version(value: Any) -> str | None:
    """The record's version stamp as text; None when the mirror does not hold one."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)


def _date(value: Any) -> Any:
    day = _day(value)
    return None if day is None else pd.Timestamp(day).date()


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


def _titles(titles: pd.Series) -> pd.Series:
    """`task_title` of each title, worked out once per distinct title."""
    codes, distinct = pd.factorize(titles.astype(str))
    table = np.array([task_title(title) for title in distinct], dtype=object)
    return pd.Series(table[codes], index=titles.index, dtype=object)


def _importance(overdue: bool, days_left: int) -> str:
    return "high" if overdue or days_left <= URGENT_DAYS else "normal"


def _body(title: Any, account: Any, kind: Any, amount: Any, link_url: str) -> str:
    """Plain-text task body: what it is, for which account, how much, and where to open it;
    a title To Do would show clipped or changed comes first in full."""
    title = str(title)
    lines = [title] if task_title(title) != title else []
    lines += [
        f"Account: {account or '(unknown account)'}",
        f"Kind: {KIND_LABELS.get(kind, kind)}",
    ]
    if amount is not None and not pd.isna(amount):
        lines.append(f"Amount: {amount:,.2f}")
    lines.append(f"Open in Salesforce: {link_url}")
    return "\n".join(lines)
