"""Links between a CRM record and the To Do task kamsync made for it in one mailbox."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import pandas as pd
from sqlalchemy import Connection, func, select

from connectors.store.dialect import upsert
from connectors.store.schema import task_links, utc_now

LINK_COLUMNS = ["mailbox", "external_id", "task_id", "list_id", "linked_at"]
# Stays under SQLite's bound-parameter limit on old builds (999) with room to spare.
_MAILBOXES_PER_STATEMENT = 500


class TaskLink(NamedTuple):
    """The To Do task (and its list) made in `mailbox` for the CRM record `external_id`."""

    mailbox: str
    external_id: str
    task_id: str
    list_id: str


def link_task(
    connection: Connection, mailbox: str, external_id: str, task_id: str, list_id: str
) -> None:
    """Remember (or move, when the task changed list and id) the task made for a CRM record."""
    row = {
        "mailbox": mailbox,
        "external_id": external_id,
        "task_id": task_id,
        "list_id": list_id,
        "linked_at": utc_now(),
    }
    upsert(connection, task_links, [row], ["mailbox", "external_id"])


def link_tasks(connection: Connection, rows: Iterable[TaskLink]) -> int:
    """Write the links that are new or point elsewhere than stored; return how many."""
    wanted = {(link.mailbox, link.external_id): link for link in map(TaskLink._make, rows)}
    stored = _stored(connection, {mailbox for mailbox, _ in wanted})
    linked_at = utc_now()
    changed = [
        link._asdict() | {"linked_at": linked_at}
        for key, link in wanted.items()
        if stored.get(key) != (link.task_id, link.list_id)
    ]
    upsert(connection, task_links, changed, ["mailbox", "external_id"])
    return len(changed)


def _stored(connection: Connection, mailboxes: set[str]) -> dict[tuple[str, str], tuple[str, str]]:
    """(mailbox, external_id) -> (task_id, list_id) of the stored links of these mailboxes."""
    names = sorted(mailboxes)
    stored: dict[tuple[str, str], tuple[str, str]] = {}
    for start in range(0, len(names), _MAILBOXES_PER_STATEMENT):
        query = select(
            task_links.c.mailbox,
            task_links.c.external_id,
            task_links.c.task_id,
            task_links.c.list_id,
        ).where(task_links.c.mailbox.in_(names[start : start + _MAILBOXES_PER_STATEMENT]))
        for mailbox, external_id, task_id, list_id in connection.execute(query):
            stored[(mailbox, external_id)] = (task_id, list_id)
    return stored


def read_task_links(connection: Connection, mailbox: str | None = None) -> pd.DataFrame:
    """Every link (of `mailbox`, in any case, when given), one row per (mailbox, external_id),
    with `linked_at` in UTC."""
    query = select(*(task_links.c[name] for name in LINK_COLUMNS)).order_by(
        task_links.c.mailbox, task_links.c.external_id
    )
    if mailbox is not None:
        query = query.where(func.lower(task_links.c.mailbox) == mailbox.lower())
    links = pd.DataFrame(connection.execute(query).all(), columns=LINK_COLUMNS)
    links["linked_at"] = pd.to_datetime(links["linked_at"], utc=True)
    return links
