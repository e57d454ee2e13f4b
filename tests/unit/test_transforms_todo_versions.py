"""To Do follows every CRM edit, a change back to an earlier value included, and long
subjects become readable titles."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from transforms import collect_deadlines, plan_todo_tasks
from transforms.text import MAX_TITLE_CHARS

TODAY = dt.date(2026, 11, 27)
ANN = "ann@contoso.com"
KEY_ACCOUNTS = pd.DataFrame([{"account_id": "A1", "account_name": "Acme", "owner_email": ANN}])
EMPTY_OPPORTUNITIES = pd.DataFrame(
    columns=["Id", "AccountId", "Name", "Amount", "CloseDate", "IsClosed"]
)
EMPTY_CONTRACTS = pd.DataFrame(columns=["Id", "AccountId", "ContractNumber", "Status", "EndDate"])


def crm_task(subject: str, due: dt.date, modstamp: str) -> pd.DataFrame:
    """The mirrored Task table holding one open task of Acme."""
    return pd.DataFrame(
        [{"Id": "T1", "AccountId": "A1", "WhatId": "A1", "Subject": subject,
          "ActivityDate": due.isoformat(), "IsClosed": False, "SystemModstamp": modstamp}]
    )  # fmt: skip


class ToDoAndOutbox:
    """One linked To Do task and the outbox: a key already done is never applied again."""

    def __init__(self, title: str, due: dt.date) -> None:
        self.title, self.due = title, due
        self.done: set[str] = set()
        self.sent = 0

    def links(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"mailbox": ANN, "external_id": "T1", "task_id": "todo-T1", "list_id": "L1",
              "title": self.title, "due_date": self.due.isoformat(), "status": "notStarted"}]
        )  # fmt: skip

    def cycle(self, tasks: pd.DataFrame) -> None:
        deadlines = collect_deadlines(
            KEY_ACCOUNTS, tasks, EMPTY_OPPORTUNITIES, EMPTY_CONTRACTS, today=TODAY
        )
        plan = plan_todo_tasks(deadlines, self.links(), mailboxes=[ANN], instance_url="https://x")
        for row in plan[plan["action"] == "update"].to_dict("records"):
            if row["idempotency_key"] in self.done:
                continue
            self.title, self.due = row["title"], row["due_date"]
            self.done.add(row["idempotency_key"])
            self.sent += 1


def test_a_subject_changed_back_and_forth_reaches_to_do_every_time() -> None:
    due = TODAY + dt.timedelta(days=3)
    todo = ToDoAndOutbox("A", due)
    for stamp, subject in enumerate(["B", "A", "B", "A"], start=2):
        todo.cycle(crm_task(subject, due, f"2026-11-2{stamp}T10:00:00.000+0000"))
        assert todo.title == subject


def test_a_due_date_changed_back_and_forth_reaches_to_do_every_time() -> None:
    first, second = TODAY + dt.timedelta(days=3), TODAY + dt.timedelta(days=9)
    todo = ToDoAndOutbox("Call", first)
    for stamp, due in enumerate([second, first, second], start=2):
        todo.cycle(crm_task("Call", due, f"2026-11-2{stamp}T10:00:00.000+0000"))
        assert todo.due == due


def test_a_rerun_over_the_same_crm_state_sends_nothing_again() -> None:
    due = TODAY + dt.timedelta(days=3)
    todo = ToDoAndOutbox("A", due)
    tasks = crm_task("B", due, "2026-11-22T10:00:00.000+0000")
    todo.cycle(tasks)
    todo.title = "A"  # the write was lost or the user renamed it back in To Do
    todo.cycle(tasks)
    todo.cycle(tasks)
    assert todo.sent == 1


def test_a_long_subject_is_clipped_in_the_title_and_kept_whole_in_the_body() -> None:
    subject = "Renewal " + "x" * 10_000
    tasks = crm_task(subject, TODAY + dt.timedelta(days=3), "2026-11-22T10:00:00.000+0000")
    deadlines = collect_deadlines(
        KEY_ACCOUNTS, tasks, EMPTY_OPPORTUNITIES, EMPTY_CONTRACTS, today=TODAY
    )
    empty_links = pd.DataFrame(columns=["mailbox", "external_id", "task_id"])
    plan = plan_todo_tasks(deadlines, empty_links, mailboxes=[ANN], instance_url="https://x")
    title, body = str(plan.loc[0, "title"]), str(plan.loc[0, "body"])
    assert len(title) == MAX_TITLE_CHARS and title.endswith("…")
    assert title.startswith("Renewal xxx")
    assert subject in body


def test_control_characters_and_line_breaks_never_reach_a_title() -> None:
    tasks = crm_task("Call\r\nBcc: x@evil.test\x07\x00", TODAY, "2026-11-22T10:00:00.000+0000")
    deadlines = collect_deadlines(
        KEY_ACCOUNTS, tasks, EMPTY_OPPORTUNITIES, EMPTY_CONTRACTS, today=TODAY
    )
    empty_links = pd.DataFrame(columns=["mailbox", "external_id", "task_id"])
    plan = plan_todo_tasks(deadlines, empty_links, mailboxes=[ANN], instance_url="https://x")
    assert plan.loc[0, "title"] == "Call Bcc: x@evil.test"
