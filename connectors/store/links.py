"""Links between a CRM record and the To Do task kamsync made for it in one mailbox."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, select

from connectors.store.dialect import upsert
from connectors.store.schema import task_links, utc_now

LINK_COLUMNS = ["mailbox", "external_id", "task_id", "list_id", "linked_at"]


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


def read_task_links(connection: Connection) -> pd.DataFrame:
    """Every link, one row per (mailbox, external_id), with `linked_at` in UTC."""
    query = select(*(task_links.c[name] for name in LINK_COLUMNS)).order_by(
        task_links.c.mailbox, task_links.c.external_id
    )
    links = pd.DataFrame(connection.execute(query).all(), columns=LINK_COLUMNS)
    links["linked_at"] = pd.to_datetime(links["linked_at"], utc=True)
    return links
