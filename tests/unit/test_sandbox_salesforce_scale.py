"""The sorted indexes behind large-object queries give exactly what a scan of every
record would, and stay right as records are written, soft- and hard-deleted
between queries. Synthetic tasks come from the benchmark's generator (many share
a SystemModstamp, so the Id tie-break matters). Speed is the benchmark's job."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bench.salesforce_query import NOW, synthetic_tasks
from sandbox.salesforce.soql_dates import format_instant
from sandbox.salesforce.soql_eval import SoqlEngine
from sandbox.salesforce.soql_grammar import parse_soql
from sandbox.state import Doc, DocStore

TASKS = 3_000


@pytest.fixture
def store(tmp_path: Path) -> DocStore:
    store = DocStore(tmp_path / "salesforce.db")
    store.put_many("Task", ((task["Id"], task) for task in synthetic_tasks(TASKS, accounts=40)))
    return store


def ids(store: DocStore, soql: str, *, all_rows: bool = False) -> list[str]:
    engine = SoqlEngine(store, lambda: NOW)
    plan = engine.plan(parse_soql(soql), include_deleted=all_rows)
    return [record["Id"] for record in engine.execute(plan)]


def scanned(
    store: DocStore,
    keep: Callable[[Doc], bool],
    *,
    descending: bool = False,
    all_rows: bool = False,
) -> list[str]:
    """The answer by brute force: every task tested, sorted by (SystemModstamp, Id)."""
    found = [
        task for task in store.all("Task") if (all_rows or not task["IsDeleted"]) and keep(task)
    ]
    found.sort(key=lambda task: (task["SystemModstamp"], task["Id"]), reverse=descending)
    return [task["Id"] for task in found]


def ago(days: int) -> str:
    return format_instant(NOW - timedelta(days=days))


def literal(days: int) -> str:
    return ago(days).replace(".000+0000", "Z")


SYNC = "SELECT Id FROM Task WHERE SystemModstamp >= {low} AND SystemModstamp < {high} "


def check_windows(store: DocStore) -> None:
    """Several index-served queries, each against the brute-force answer."""
    low, high = ago(200), ago(100)
    window = SYNC.format(low=literal(200), high=literal(100))
    assert ids(store, window + "ORDER BY SystemModstamp, Id") == scanned(
        store, lambda task: low <= task["SystemModstamp"] < high
    )
    assert ids(store, window + "ORDER BY SystemModstamp DESC, Id DESC") == scanned(
        store, lambda task: low <= task["SystemModstamp"] < high, descending=True
    )
    completed = window + "AND Status = 'Completed' ORDER BY SystemModstamp"
    assert ids(store, completed) == scanned(
        store, lambda task: low <= task["SystemModstamp"] < high and task["Status"] == "Completed"
    )
    assert ids(store, "SELECT Id FROM Task WHERE SystemModstamp > " + literal(30)) == scanned(
        store, lambda task: task["SystemModstamp"] > ago(30)
    )


def test_index_windows_match_a_full_scan(store: DocStore) -> None:
    check_windows(store)
    last_week = "SELECT Id FROM Task WHERE SystemModstamp = LAST_N_DAYS:7 ORDER BY SystemModstamp"
    start = format_instant(NOW.replace(hour=0) - timedelta(days=7))
    assert ids(store, last_week) == scanned(store, lambda task: task["SystemModstamp"] >= start)


def test_keyset_paging_on_id_and_unordered_queries(store: DocStore) -> None:
    every_id = sorted(task["Id"] for task in store.all("Task"))
    middle = every_id[1500]
    assert (
        ids(store, f"SELECT Id FROM Task WHERE Id > '{middle}' ORDER BY Id LIMIT 100")
        == (every_id[1501:1601])
    )
    assert sorted(ids(store, "SELECT Id FROM Task")) == every_id
    store.put("Task", every_id[0], {**(store.get("Task", every_id[0]) or {}), "IsDeleted": True})
    assert len(ids(store, "SELECT Id FROM Task")) == TASKS - 1


def rewrite(store: DocStore, tasks: list[Doc], **changes: Any) -> None:
    store.put_many("Task", ((task["Id"], {**task, **changes}) for task in tasks))


@pytest.mark.parametrize("changed", [5, 400, 1_000])
def test_indexes_follow_writes_between_queries(store: DocStore, changed: int) -> None:
    check_windows(store)  # builds the indexes
    tasks = store.all("Task")
    rewrite(store, tasks[:changed], SystemModstamp=ago(150), Status="Completed")
    rewrite(store, tasks[-3:], IsDeleted=True)
    new = next(synthetic_tasks(1, accounts=40, seed=99))
    store.put("Task", "00TKz0000zzzzzzzAAA", {**new, "Id": "00TKz0000zzzzzzzAAA"})
    check_windows(store)
    deleted = {task["Id"] for task in tasks[-3:]}
    everything = ids(store, "SELECT Id FROM Task ORDER BY SystemModstamp", all_rows=True)
    assert deleted <= set(everything) and not deleted & set(ids(store, "SELECT Id FROM Task"))
    assert everything == scanned(store, lambda task: True, all_rows=True)


def test_a_hard_delete_rebuilds_the_indexes(store: DocStore) -> None:
    check_windows(store)
    gone = store.all("Task")[10]["Id"]
    store.delete("Task", gone)
    check_windows(store)
    assert gone not in ids(store, "SELECT Id FROM Task ORDER BY SystemModstamp")
