"""What the analysis reads, taken from the store's read API in one place."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from config.settings import Settings
from connectors.m365 import MESSAGE_COLUMNS
from connectors.m365.calendar import EVENT_COLUMNS
from connectors.m365.users import USER_COLUMNS
from connectors.salesforce import objects_for
from connectors.store import Store
from flows.pull_goals import GOAL_READS, GOALS
from transforms.analysis import ANALYSIS_FIELDS, MirrorFrames, analysis_fields

#: the tenant's users, mirrored by the mailbox-scope step
TENANT_USERS = "users"
TODO_COLUMNS = ["id", "title", "due_date", "status"]


def salesforce_tables(
    store: Store, settings: Settings, names: Collection[str] | None = None
) -> dict[str, pd.DataFrame]:
    """The mirrored Salesforce objects the analysis reads (all, or these `names`), each with
    the fields it reads (`transforms.analysis.analysis_fields`), and those only."""
    return {
        spec.name: store.read_fields(
            "salesforce", spec.name, analysis_fields(spec.name, spec.select_list(), settings)
        )
        for spec in objects_for(settings)
        if spec.name in ANALYSIS_FIELDS and (names is None or spec.name in names)
    }


def mirror_frames(store: Store, settings: Settings) -> MirrorFrames:
    """Every mirrored table the analysis reads."""
    m365 = store.read_tables(
        "m365",
        {
            "messages": MESSAGE_COLUMNS,
            "events": EVENT_COLUMNS,
            "todo_tasks": TODO_COLUMNS,
            GOALS: ["kam", "sheet_row"],
            GOAL_READS: ["mailbox", "error"],
            TENANT_USERS: USER_COLUMNS,
        },
    )
    return MirrorFrames(
        salesforce=salesforce_tables(store, settings),
        messages=m365["messages"],
        events=m365["events"],
        todo_tasks=m365["todo_tasks"],
        task_links=store.task_links(),
        goals=m365[GOALS],
        goal_reads=m365[GOAL_READS],
        tenant_users=m365[TENANT_USERS],
    )
