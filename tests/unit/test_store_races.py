"""Processes racing for the same outbox and the same lock, started at the same instant."""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from collections.abc import Iterator
from multiprocessing.pool import Pool
from multiprocessing.synchronize import Barrier

import pytest

from connectors.store import LockHeld, Operation, Store, StoreError
from tests.unit.test_store_leases import make_old_store

CONTENDERS = 3
RACE_TIMEOUT_S = 120  # a hung contender fails the test instead of hanging the suite
TODO = "todo.create"
_start_line: Barrier | None = None  # set in each contender process


def _join_race(barrier: Barrier) -> None:
    """Pool initializer: the barrier every contender waits at before each round."""
    global _start_line
    _start_line = barrier


def _go() -> None:
    assert _start_line is not None
    _start_line.wait(timeout=60)


def work_the_outbox(url: str, owner: str) -> list[str]:
    """Claim two operations at a time and mark them done until none is left; the keys it got."""
    claimed: list[str] = []
    with Store(url) as store:
        _go()
        while batch := store.claim(owner, [TODO], lease_seconds=60, limit=2):
            for op in batch:
                store.mark_done(op.key, {"by": owner}, owner=owner)
            claimed += [op.key for op in batch]
    return claimed


def race_for_locks(url: str, owner: str, names: list[str]) -> list[str]:
    """For each lock, all contenders try at once; the owner each one saw holding it."""
    seen = []
    with Store(url) as store:
        for name in names:
            _go()
            try:
                seen.append(store.acquire_lock(name, owner, f"run of {owner}", 60).owner)
            except LockHeld as held:
                seen.append(held.holder.owner)
    return seen


def open_store(url: str) -> str:
    """Open the store as a run starts; what went wrong, if anything."""
    _go()
    try:
        Store(url).close()
    except StoreError as exc:
        return str(exc)
    return "opened"


@pytest.fixture(scope="module")
def contenders() -> Iterator[Pool]:
    """Processes started afresh (spawn), like separate `kamsync run cycle` commands."""
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(CONTENDERS, initializer=_join_race, initargs=(context.Barrier(CONTENDERS),))
    try:
        yield pool
    finally:
        pool.terminate()  # idle workers: no need to wait for them to wind down
        pool.join()


def test_every_operation_is_claimed_by_exactly_one_process(
    store_url: str, contenders: Pool
) -> None:
    keys = [f"t{n:03}" for n in range(60)]
    with Store(store_url) as store:
        store.enqueue(Operation(key, TODO, {"title": key}) for key in keys)

    owners = [f"run-{n}" for n in range(CONTENDERS)]
    jobs = [(store_url, owner) for owner in owners]
    claims = contenders.starmap_async(work_the_outbox, jobs, 1).get(timeout=RACE_TIMEOUT_S)

    claimed = Counter(key for keys_of_one in claims for key in keys_of_one)
    assert [key for key, times in claimed.items() if times > 1] == []
    assert sorted(claimed) == keys
    with Store(store_url) as store:
        assert store.outbox_counts() == {"pending": 0, "done": len(keys), "failed": 0}
        for owner, keys_of_one in zip(owners, claims, strict=True):
            assert all(store.operation(key).result == {"by": owner} for key in keys_of_one)  # type: ignore[union-attr]


def test_exactly_one_process_takes_a_free_or_expired_lock(store_url: str, contenders: Pool) -> None:
    fresh = [f"cycle-{n}" for n in range(4)]
    stale = [f"stale-{n}" for n in range(4)]
    with Store(store_url) as store:
        for name in stale:  # left by a killed run
            store.acquire_lock(name, "killed-run", "run of killed-run", ttl_seconds=0.001)
    time.sleep(0.01)

    owners = [f"run-{n}" for n in range(CONTENDERS)]
    jobs = [(store_url, owner, fresh + stale) for owner in owners]
    seen = contenders.starmap_async(race_for_locks, jobs, 1).get(timeout=RACE_TIMEOUT_S)

    with Store(store_url) as store:
        for position, name in enumerate(fresh + stale):
            holder = store.lock_holder(name)
            assert holder is not None and holder.owner in owners
            # the winner saw itself, every loser saw the winner
            assert [seen_by[position] for seen_by in seen] == [holder.owner] * CONTENDERS


@pytest.mark.parametrize("made_by", ["nobody", "an older kamsync"])
def test_processes_opening_one_store_at_once_all_succeed(
    store_url: str, contenders: Pool, made_by: str
) -> None:
    if made_by == "an older kamsync":
        make_old_store(store_url)

    jobs = [(store_url,)] * CONTENDERS
    opened = contenders.starmap_async(open_store, jobs, 1).get(timeout=RACE_TIMEOUT_S)

    assert opened == ["opened"] * CONTENDERS
