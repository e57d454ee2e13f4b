"""To Do plan: each KAM gets one task per deadline, created once, in their own mailbox."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from transforms import plan_todo_tasks, unassigned_deadlines

TODAY = dt.date(2026, 11, 27)
INSTANCE_URL = "https://contoso.my.salesforce.com/"
LINK_COLUMNS = ["mailbox", "external_id", "task_id"]


def deadline(sf_id: str, owner: str | None, days_left: int, **fields: object) -> dict[str, object]:
    """A deadline row as `collect_deadlines` emits it (an opportunity close unless overridden)."""
    row: dict[str, object] = {
        "deadline_key": f"Opportunity:{sf_id}:opportunity_close",
        "sf_id": sf_id,
        "sobject": "Opportunity",
        "kind": "opportunity_close",
        "account_id": "A1",
        "account_name": "Acme",
        "title": f"Close: Deal {sf_id}",
        "due_date": TODAY + dt.timedelta(days=days_left),
        "days_left": days_left,
        "overdue": days_left < 0,
        "owner_email": owner,
        "amount": 125000.0,
        "record_path": f"/lightning/r/Opportunity/{sf_id}/view",
    }
    return {**row, **fields}


DEADLINES = pd.DataFrame(
    [
        deadline("O1", "Ann@Contoso.com", 3),
        deadline("O2", "ann@contoso.com", 20),
        deadline("O3", "bo@contoso.com", -2),
        deadline("O4", "carl@contoso.com", 5),
        deadline("O5", None, 5),
    ]
)


def links(*pairs: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [(mailbox, external_id, f"todo-{external_id}") for mailbox, external_id in pairs],
        columns=LINK_COLUMNS,
    )


def plan(existing: pd.DataFrame, mailboxes: list[str]) -> pd.DataFrame:
    return plan_todo_tasks(DEADLINES, existing, mailboxes=mailboxes, instance_url=INSTANCE_URL)


def test_only_deadlines_of_configured_mailboxes_are_planned_case_insensitively() -> None:
    planned = plan(links(), ["ANN@contoso.com", "bo@contoso.com"])

    assert list(planned["sf_id"]) == ["O1", "O2", "O3"]
    assert set(planned["mailbox"]) == {"ann@contoso.com", "bo@contoso.com"}
    assert planned["idempotency_key"].tolist() == [
        "todo:ann@contoso.com:O1",
        "todo:ann@contoso.com:O2",
        "todo:bo@contoso.com:O3",
    ]


def test_only_deadlines_without_a_linked_task_are_created() -> None:
    existing = links(("ANN@CONTOSO.COM", "O1"), ("bo@contoso.com", "O1"))

    planned = plan(existing, ["ann@contoso.com", "bo@contoso.com"]).set_index("sf_id")

    assert planned["action"].to_dict() == {"O1": "in_place", "O2": "create", "O3": "create"}


def test_urgent_and_overdue_tasks_are_high_importance() -> None:
    planned = plan(links(), ["ann@contoso.com", "bo@contoso.com"]).set_index("sf_id")

    assert planned["importance"].to_dict() == {"O1": "high", "O2": "normal", "O3": "high"}


def test_task_links_back_to_the_record_and_says_what_it_is() -> None:
    planned = plan(links(), ["bo@contoso.com"]).iloc[0]

    assert (
        planned["link_url"] == "https://contoso.my.salesforce.com/lightning/r/Opportunity/O3/view"
    )
    assert planned["title"] == "Close: Deal O3"
    assert planned["due_date"] == TODAY - dt.timedelta(days=2)
    assert "Acme" in planned["body"]
    assert "125,000.00" in planned["body"]
    assert planned["link_url"] in planned["body"]


def test_deadlines_without_a_configured_mailbox_are_reported_as_unassigned() -> None:
    unassigned = unassigned_deadlines(DEADLINES, ["ann@contoso.com", "BO@contoso.com"])

    assert list(unassigned["sf_id"]) == ["O4", "O5"]


def test_nothing_to_plan_gives_empty_plan_with_columns() -> None:
    planned = plan_todo_tasks(
        DEADLINES.iloc[0:0], links(), mailboxes=["ann@contoso.com"], instance_url=INSTANCE_URL
    )

    assert planned.empty
    assert {"idempotency_key", "action", "link_url"} <= set(planned.columns)


def test_missing_link_column_is_named() -> None:
    with pytest.raises(ValueError, match=r"existing_links.*external_id"):
        plan(pd.DataFrame(columns=["mailbox", "task_id"]), ["ann@contoso.com"])
