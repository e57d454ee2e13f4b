"""To Do plan: each KAM gets one task per deadline, created once, in their own mailbox."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from transforms import plan_todo_tasks, unassigned_deadlines
from transforms.todo_plan import closed_record_ids, linked_task_states

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


def states(*rows: tuple[str, str, str, str, str]) -> pd.DataFrame:
    """Links with their task's state: (mailbox, external_id, title, due YYYY-MM-DD, status)."""
    return pd.DataFrame(
        [
            {"mailbox": mailbox, "external_id": sf_id, "task_id": f"todo-{sf_id}",
             "list_id": "L1", "title": title, "due_date": due, "status": status}
            for mailbox, sf_id, title, due, status in rows
        ]
    )  # fmt: skip


def _due(days_left: int) -> str:
    return (TODAY + dt.timedelta(days=days_left)).isoformat()


def test_open_tasks_whose_title_or_due_date_changed_in_the_crm_are_updated() -> None:
    existing = states(
        ("ann@contoso.com", "O1", "Close: Deal O1", _due(3), "notStarted"),
        ("ann@contoso.com", "O2", "Close: old name", _due(20), "inProgress"),
        ("bo@contoso.com", "O3", "Close: Deal O3", _due(9), "notStarted"),
    )
    planned = plan(existing, ["ann@contoso.com", "bo@contoso.com"]).set_index("sf_id")

    assert planned["action"].to_dict() == {"O1": "in_place", "O2": "update", "O3": "update"}
    assert planned.loc["O2", "task_id"] == "todo-O2" and planned.loc["O2", "list_id"] == "L1"
    assert str(planned.loc["O2", "idempotency_key"]).startswith("todo-update:ann@contoso.com:O2:")
    assert planned.loc["O1", "idempotency_key"] == "todo:ann@contoso.com:O1"


def test_an_update_key_names_the_new_values() -> None:
    first = plan(states(("bo@contoso.com", "O3", "x", _due(1), "notStarted")), ["bo@contoso.com"])
    other = DEADLINES.assign(title="Close: renamed")
    second = plan_todo_tasks(
        other,
        states(("bo@contoso.com", "O3", "x", _due(1), "notStarted")),
        mailboxes=["bo@contoso.com"],
        instance_url=INSTANCE_URL,
    )
    assert first["idempotency_key"][0] != second["idempotency_key"][0]


def test_completed_or_vanished_tasks_are_left_alone() -> None:
    existing = states(("ann@contoso.com", "O2", "Close: old name", _due(1), "completed"))
    gone = links(("ann@contoso.com", "O1")).assign(
        list_id="L1", title=None, due_date=None, status=None
    )
    planned = plan(pd.concat([existing, gone]), ["ann@contoso.com"]).set_index("sf_id")

    assert planned["action"].to_dict() == {"O1": "in_place", "O2": "in_place"}


def test_open_tasks_of_closed_records_are_completed() -> None:
    existing = states(
        ("ann@contoso.com", "O9", "Close: Deal O9", _due(-5), "notStarted"),
        ("ann@contoso.com", "O8", "Close: Deal O8", _due(-5), "completed"),
        ("carl@contoso.com", "O7", "Close: Deal O7", _due(-5), "notStarted"),
    )
    planned = plan_todo_tasks(
        DEADLINES,
        existing,
        mailboxes=["ann@contoso.com"],
        instance_url=INSTANCE_URL,
        closed_ids={"O9", "O8", "O7"},
    )
    completions = planned[planned["action"] == "complete"]

    assert completions[["sf_id", "task_id", "idempotency_key"]].values.tolist() == [
        ["O9", "todo-O9", "todo-complete:ann@contoso.com:O9"]
    ]
    assert completions["due_date"].tolist() == [TODAY - dt.timedelta(days=5)]


def test_linked_task_states_join_the_mirror_by_task_id() -> None:
    store_links = pd.DataFrame(
        [
            {"mailbox": "ann@contoso.com", "external_id": "O1", "task_id": "t1", "list_id": "L"},
            {"mailbox": "ann@contoso.com", "external_id": "O2", "task_id": "t2", "list_id": "L"},
        ]
    )
    mirror = pd.DataFrame(
        [{"id": "t1", "title": "Close: Deal O1", "due_date": _due(3), "status": "notStarted"}]
    )
    joined = linked_task_states(store_links, mirror).set_index("external_id")

    assert joined.loc["O1", "title"] == "Close: Deal O1"
    assert joined.loc["O2", "title"] is None and joined.loc["O2", "status"] is None


def test_closed_record_ids() -> None:
    tasks = pd.DataFrame({"Id": ["T1", "T2"], "IsClosed": [True, "false"]})
    opportunities = pd.DataFrame({"Id": ["O1", "O2"], "IsClosed": ["true", False]})
    contracts = pd.DataFrame({"Id": ["C1", "C2", "C3"], "Status": ["Expired", "Activated", None]})

    assert closed_record_ids(tasks, opportunities, contracts) == {"T1", "O1", "C1"}
