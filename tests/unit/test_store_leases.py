"""Outbox leases: what two runs working the same outbox may and may not do to each other."""

from __future__ import annotations

import pickle
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, inspect, text

from connectors.store import LeaseLost, Operation, Store, StoreError

TODO, MAIL = "todo.create", "mail.send"
ALICE = "alice@contoso.com"


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with Store(store_url) as opened:
        yield opened


def todo(key: str, mailbox: str | None = ALICE) -> Operation:
    payload = {"title": key} if mailbox is None else {"title": key, "mailbox": mailbox}
    return Operation(key, TODO, payload)


def expiry(op: Operation) -> datetime:
    assert op.lease_expires_at is not None
    return op.lease_expires_at


def expire(store: Store, owner: str) -> None:
    """Let `owner`'s leases run out, as a killed run's do."""
    store.claim(owner, [TODO, MAIL], lease_seconds=0.001)
    time.sleep(0.01)


def test_claim_leases_retryable_operations_of_the_kinds_oldest_first(store: Store) -> None:
    store.enqueue([todo("t1"), Operation("m1", MAIL, {"to": ALICE}), todo("t2"), todo("t3")])
    store.mark_done("t1")
    store.mark_failed("t3", "429")
    before = datetime.now(UTC)

    claimed = store.claim("run-a", [TODO], lease_seconds=60)

    after = datetime.now(UTC)
    assert [op.key for op in claimed] == ["t2", "t3"]
    assert [op.status for op in claimed] == ["pending", "failed"]
    for op in claimed:
        assert op.lease_owner == "run-a"
        assert before + timedelta(seconds=60) <= expiry(op) <= after + timedelta(seconds=60)
    assert store.operation("t2") == claimed[0]
    assert [op.key for op in store.claim("run-a", [TODO, MAIL], 60)] == ["m1", "t2", "t3"]


def test_another_owner_gets_nothing_while_the_lease_runs(store: Store) -> None:
    store.enqueue([todo("t1"), todo("t2")])
    first = store.claim("run-a", [TODO], 60)

    assert store.claim("run-b", [TODO], 60) == []

    store.enqueue([todo("t3")])
    assert [op.key for op in store.claim("run-b", [TODO], 60)] == ["t3"]
    again = store.claim("run-a", [TODO], 120)  # its own leases, extended
    assert [op.key for op in again] == ["t1", "t2"]
    assert [expiry(op) > expiry(old) for op, old in zip(again, first, strict=True)] == [True] * 2


def test_a_killed_runs_leases_are_taken_over_once_expired(store: Store) -> None:
    store.enqueue([todo("t1"), todo("t2")])
    expire(store, "killed-run")

    taken = store.claim("run-b", [TODO], 60)

    assert [(op.key, op.lease_owner) for op in taken] == [("t1", "run-b"), ("t2", "run-b")]
    with pytest.raises(LeaseLost):
        store.mark_done("t1", owner="killed-run")


def test_claim_by_mailbox_matches_the_payloads_mailbox_in_any_case(store: Store) -> None:
    store.enqueue(
        [
            todo("a1"),
            todo("b1", "bob@contoso.com"),
            todo("n1", None),
            todo("a2", "ALICE@Contoso.com"),
        ]
    )

    alice = store.claim("run-a", [TODO], 60, mailbox="Alice@contoso.COM")

    assert [op.key for op in alice] == ["a1", "a2"]
    assert [op.key for op in store.claim("run-b", [TODO], 60)] == ["b1", "n1"]


def test_claim_takes_at_most_limit(store: Store) -> None:
    store.enqueue([todo(f"t{n}") for n in range(5)])

    assert [op.key for op in store.claim("run-a", [TODO], 60, limit=2)] == ["t0", "t1"]
    assert [op.key for op in store.claim("run-b", [TODO], 60, limit=2)] == ["t2", "t3"]
    assert store.claim("run-c", [TODO], 60, limit=0) == []
    assert store.claim("run-c", [], 60) == []


def test_claim_refuses_a_bare_kind_a_lease_without_time_and_a_negative_limit(store: Store) -> None:
    with pytest.raises(TypeError, match="not one string"):
        store.claim("run-a", TODO, 60)
    with pytest.raises(ValueError, match="positive"):
        store.claim("run-a", [TODO], 0)
    with pytest.raises(ValueError, match="negative"):
        store.claim("run-a", [TODO], 60, limit=-1)


@pytest.mark.parametrize("outcome", ["done", "failed"])
def test_an_outcome_under_another_owners_lease_changes_nothing(store: Store, outcome: str) -> None:
    store.enqueue([todo("t1")])
    [leased] = store.claim("run-a", [TODO], 60)

    with pytest.raises(LeaseLost) as lost:
        if outcome == "done":
            store.mark_done("t1", {"id": "AAk1"}, owner="run-b")
        else:
            store.mark_failed("t1", "429", owner="run-b")

    assert isinstance(lost.value, StoreError)
    assert (lost.value.key, lost.value.holder) == ("t1", "run-a")
    assert "'t1'" in str(lost.value) and "run-a" in str(lost.value)
    assert store.operation("t1") == leased


def test_the_lease_holder_records_its_outcome_and_ends_the_lease(store: Store) -> None:
    store.enqueue([todo("t1"), todo("t2")])
    store.claim("run-a", [TODO], 60)

    store.mark_failed("t1", "429", owner="run-a")
    store.mark_done("t2", {"id": "AAk2"}, owner="run-a")

    failed, done = store.operation("t1"), store.operation("t2")
    assert failed == Operation("t1", TODO, todo("t1").payload, "failed", 1, "429")
    assert done == Operation("t2", TODO, todo("t2").payload, "done", 0, None, {"id": "AAk2"})
    assert [op.key for op in store.claim("run-b", [TODO], 60)] == ["t1"]  # retryable by anyone


def test_outcomes_without_owner_or_lease_behave_as_before(store: Store) -> None:
    store.enqueue([todo("t1"), todo("t2")])
    store.claim("run-a", [TODO], 60, limit=1)

    store.mark_done("t1")  # no owner: no check, as callers did before leases
    store.mark_failed("t2", "boom", owner="run-b")  # never leased: any owner may report

    assert store.operation("t1") == Operation("t1", TODO, todo("t1").payload, "done")
    assert store.operation("t2") == Operation("t2", TODO, todo("t2").payload, "failed", 1, "boom")
    with pytest.raises(KeyError, match="t9"):
        store.mark_done("t9", owner="run-a")
    with pytest.raises(KeyError, match="t9"):
        store.mark_failed("t9", "boom", owner="run-a")


def test_release_frees_every_lease_of_one_owner(store: Store) -> None:
    store.enqueue([todo("t1"), todo("t2"), todo("t3")])
    store.claim("run-a", [TODO], 60, limit=2)
    store.claim("run-b", [TODO], 60)

    assert store.release("run-a") == 2
    assert store.release("run-a") == 0

    assert [op.key for op in store.claim("run-c", [TODO], 60)] == ["t1", "t2"]
    assert store.operation("t3").lease_owner == "run-b"  # type: ignore[union-attr]


def test_lease_lost_survives_pickling() -> None:
    expires = datetime(2026, 12, 7, 18, 32, 11, tzinfo=UTC)
    lost = pickle.loads(pickle.dumps(LeaseLost("t1", "run-a", expires)))
    assert (lost.key, lost.holder, lost.expires_at) == ("t1", "run-a", expires)
    assert "until 2026-12-07 18:32:11 UTC" in str(lost)


# What kamsync made before leases existed (connectors/store/schema.py, December 2026).
OLD_OUTBOX = {
    "sqlite": """CREATE TABLE outbox (id INTEGER NOT NULL, "key" VARCHAR(512) NOT NULL,
        kind VARCHAR(64) NOT NULL, payload JSON NOT NULL, status VARCHAR(16) NOT NULL,
        attempts INTEGER NOT NULL, error TEXT, result JSON, created_at DATETIME NOT NULL,
        done_at DATETIME, PRIMARY KEY (id), UNIQUE ("key"))""",
    "postgresql": """CREATE TABLE outbox (id BIGSERIAL NOT NULL, key VARCHAR(512) NOT NULL,
        kind VARCHAR(64) NOT NULL, payload JSON NOT NULL, status VARCHAR(16) NOT NULL,
        attempts INTEGER NOT NULL, error TEXT, result JSON,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL, done_at TIMESTAMP WITH TIME ZONE,
        PRIMARY KEY (id), UNIQUE (key))""",
}
OLD_ROW = """INSERT INTO outbox (key, kind, payload, status, attempts, created_at)
    VALUES ('t1', 'todo.create', '{"title": "Renew"}', 'pending', 0, :created_at)"""
OLD_CREATED_AT = {"sqlite": "2026-12-07 18:00:00.000000", "postgresql": "2026-12-07 18:00:00+00"}


def make_old_store(url: str) -> None:
    """The outbox of a store made before leases, holding one pending operation `t1`."""
    engine = create_engine(url)
    backend = engine.dialect.name
    with engine.begin() as connection:
        connection.execute(text(OLD_OUTBOX[backend]))
        connection.execute(text("CREATE INDEX ix_outbox_status_id ON outbox (status, id)"))
        connection.execute(text(OLD_ROW), {"created_at": OLD_CREATED_AT[backend]})
    engine.dispose()


def test_a_store_from_before_leases_is_upgraded_on_open(store_url: str) -> None:
    make_old_store(store_url)

    with Store(store_url) as upgraded:
        [old] = upgraded.claim("run-a", [TODO], 60)
        assert (old.key, old.payload, old.lease_owner) == ("t1", {"title": "Renew"}, "run-a")
        assert upgraded.acquire_lock("kam-cycle", "run-a", "manual", 60).owner == "run-a"
    Store(store_url).close()  # a second open finds nothing left to add

    engine = create_engine(store_url)
    columns = {column["name"] for column in inspect(engine).get_columns("outbox")}
    assert {"lease_owner", "lease_expires_at"} <= columns
    engine.dispose()
