"""Scoped mirror reads (filtered in SQL on JSON fields) and bulk task links."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import event
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex

from connectors.store import Store, TaskLink
from connectors.store.schema import mirror_records
from tests.postgres import PostgresServer

ALICE, BOB = "alice@contoso.com", "bob@contoso.com"


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with Store(store_url) as opened:
        yield opened


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path}/kamsync.db") as opened:
        yield opened


def _messages(store: Store) -> None:
    frame = pd.DataFrame(
        [
            {"id": "m4", "mailbox": ALICE, "folder": "inbox", "subject": "a"},
            {"id": "m1", "mailbox": ALICE, "folder": "sentitems", "subject": "b"},
            {"id": "m2", "mailbox": BOB, "folder": "inbox", "subject": "c"},
            {"id": "m3", "mailbox": ALICE, "folder": "inbox", "subject": "d"},
        ]
    )
    store.upsert_records("m365", "messages", frame, id_column="id", modstamp_column=None)


def test_a_scoped_read_returns_only_the_scope_in_id_order(store: Store) -> None:
    _messages(store)
    inbox = store.read_table("m365", "messages", where={"mailbox": ALICE, "folder": "inbox"})
    assert inbox["id"].tolist() == ["m3", "m4"]
    alice = store.read_table("m365", "messages", where={"mailbox": ALICE})
    assert alice["id"].tolist() == ["m1", "m3", "m4"]
    assert store.read_table("m365", "messages", where={"mailbox": "nobody@x"}).empty
    assert store.read_table("m365", "events", where={"mailbox": ALICE}).empty


def test_a_scoped_read_hides_deleted_rows_unless_asked(store: Store) -> None:
    _messages(store)
    store.mark_deleted("m365", "messages", ["m3", "m2"])
    scope = {"mailbox": ALICE, "folder": "inbox"}
    assert store.read_table("m365", "messages", where=scope)["id"].tolist() == ["m4"]
    everything = store.read_table("m365", "messages", where=scope, include_deleted=True)
    assert everything["id"].tolist() == ["m3", "m4"]


def test_scope_fields_must_be_plain_names(store: Store) -> None:
    with pytest.raises(ValueError, match="plain JSON field"):
        store.read_table("m365", "messages", where={"mailbox') OR 1=1 --": ALICE})


def test_sqlite_reads_a_mailbox_through_its_index(sqlite_store: Store) -> None:
    store = sqlite_store
    _messages(store)
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, sql: str, params: Any, *_rest: Any) -> None:
        if sql.lstrip().upper().startswith("SELECT"):
            statements.append((sql, params))

    engine = store._engine
    event.listen(engine, "before_cursor_execute", capture)
    store.read_table("m365", "messages", where={"mailbox": ALICE, "folder": "inbox"})
    event.remove(engine, "before_cursor_execute", capture)
    [(sql, params)] = statements
    with engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()
    assert "USING INDEX mirror_records_mailbox" in " ".join(str(row[-1]) for row in plan)


def test_postgresql_reads_a_mailbox_through_its_index(postgres_server: PostgresServer) -> None:
    with Store(postgres_server.new_database()) as store:
        _messages(store)
        statements: list[tuple[str, Any]] = []

        def capture(_conn: Any, _cursor: Any, sql: str, params: Any, *_rest: Any) -> None:
            if sql.lstrip().upper().startswith("SELECT"):
                statements.append((sql, params))

        engine = store._engine
        event.listen(engine, "before_cursor_execute", capture)
        store.read_table("m365", "messages", where={"mailbox": ALICE, "folder": "inbox"})
        event.remove(engine, "before_cursor_execute", capture)
        [(sql, params)] = statements
        with engine.connect() as connection:
            # four rows read faster in a scan: only an index the query cannot use stays unused
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = connection.exec_driver_sql(f"EXPLAIN {sql}", params).scalars().all()
    assert "mirror_records_mailbox" in " ".join(plan)


def test_postgresql_indexes_and_filters_the_same_expression() -> None:
    [index] = [i for i in mirror_records.indexes if i.name == "mirror_records_mailbox"]
    ddl = str(CreateIndex(index).compile(dialect=postgresql.dialect()))
    assert "(source, object_name, (data ->> 'mailbox'), record_id)" in ddl


def test_reopening_a_store_keeps_its_expression_index(store_url: str) -> None:
    Store(store_url).close()
    with Store(store_url) as reopened:
        _messages(reopened)
        assert len(reopened.read_table("m365", "messages", where={"mailbox": BOB})) == 1


def test_bulk_links_insert_move_and_skip_unchanged(store: Store) -> None:
    store.link_task(ALICE, "00T0", "task-0", "list-a")
    rows = [
        TaskLink(ALICE, "00T0", "task-0", "list-a"),  # already stored
        TaskLink(ALICE, "00T1", "task-1", "list-a"),
        TaskLink(BOB, "00T1", "task-9", "list-b"),
    ]
    assert store.link_tasks(rows) == 2
    first = _links(store)

    moved = [TaskLink(ALICE, "00T1", "task-2", "list-c"), *rows[::2]]
    assert store.link_tasks(moved) == 1
    assert store.link_tasks(moved) == 0  # idempotent
    links = _links(store)
    assert len(links) == 3
    assert links[(ALICE, "00T1")][:2] == ("task-2", "list-c")
    assert links[(BOB, "00T1")][:2] == ("task-9", "list-b")
    # An unchanged link keeps the time it was made.
    assert links[(BOB, "00T1")][2] == first[(BOB, "00T1")][2]


def _links(store: Store) -> dict[tuple[str, str], tuple[Any, ...]]:
    frame = store.task_links()
    keys = zip(frame["mailbox"], frame["external_id"], strict=True)
    values = zip(frame["task_id"], frame["list_id"], frame["linked_at"], strict=True)
    return dict(zip(keys, values, strict=True))


def test_bulk_links_take_the_last_row_of_a_record_and_accept_nothing(store: Store) -> None:
    assert store.link_tasks([]) == 0
    rows = [TaskLink(ALICE, "00T1", "task-1", "list-a"), TaskLink(ALICE, "00T1", "task-2", "l")]
    assert store.link_tasks(iter(rows)) == 1
    assert store.task_links()["task_id"].tolist() == ["task-2"]


def test_links_of_one_mailbox_match_in_any_case(store: Store) -> None:
    store.link_tasks(
        [TaskLink("Alice@Contoso.com", "00T1", "t1", "l"), TaskLink(BOB, "00T2", "t2", "l")]
    )
    assert store.task_links(ALICE)["external_id"].tolist() == ["00T1"]
    assert len(store.task_links()) == 2


def test_read_fields_extracts_just_those_fields_of_live_rows(store: Store) -> None:
    _messages(store)
    store.upsert_records(
        "m365", "messages", pd.DataFrame([{"id": "m5", "mailbox": ALICE}]), id_column="id",
        modstamp_column=None,
    )  # fmt: skip
    store.mark_deleted("m365", "messages", ["m1"])
    fields = store.read_fields("m365", "messages", ["id", "folder"], where={"mailbox": ALICE})
    assert fields.to_dict("records") == [
        {"id": "m3", "folder": "inbox"},
        {"id": "m4", "folder": "inbox"},
        {"id": "m5", "folder": None},
    ]
    empty = store.read_fields("m365", "events", ["id", "start"], where={"mailbox": ALICE})
    assert empty.empty and list(empty.columns) == ["id", "start"]


def test_sqlite_marks_ids_deleted_through_the_primary_key(sqlite_store: Store) -> None:
    store = sqlite_store
    _messages(store)
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, sql: str, params: Any, *_rest: Any) -> None:
        if sql.lstrip().upper().startswith("UPDATE"):
            statements.append((sql, params))

    engine = store._engine
    event.listen(engine, "before_cursor_execute", capture)
    # a full chunk of ids: with that many, SQLite's planner prefers any index of equalities
    store.mark_deleted("m365", "messages", ["m3", *(f"gone{n}" for n in range(499))])
    event.remove(engine, "before_cursor_execute", capture)
    [(sql, params)] = statements
    with engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()
    # not the (source, object_name, is_deleted) index: that walks every live row of the object
    assert "record_id=?" in " ".join(str(row[-1]) for row in plan)
    assert "m3" not in store.read_table("m365", "messages")["id"].tolist()
