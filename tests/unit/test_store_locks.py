"""Named locks (the cycle lock): one run at a time, and a killed run's lock runs out."""

from __future__ import annotations

import pickle
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from connectors.store import LockHeld, LockInfo, LockLost, Store, StoreError

CYCLE = "kam-cycle"


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with Store(store_url) as opened:
        yield opened


def test_a_free_lock_is_taken_for_its_time(store: Store) -> None:
    before = datetime.now(UTC)

    held = store.acquire_lock(CYCLE, "run-a", "cycle 2026-12-07T18:00", ttl_seconds=1800)

    assert (held.name, held.owner, held.label) == (CYCLE, "run-a", "cycle 2026-12-07T18:00")
    assert before <= held.acquired_at <= datetime.now(UTC)
    assert held.expires_at - held.acquired_at == timedelta(seconds=1800)
    assert held.acquired_at.tzinfo is not None
    assert store.lock_holder(CYCLE) == held
    assert store.lock_holder("other-lock") is None


def test_another_owner_is_refused_with_the_holding_run(store: Store) -> None:
    held = store.acquire_lock(CYCLE, "run-a", "scheduled-cycle-42", ttl_seconds=1800)

    with pytest.raises(LockHeld) as refused:
        store.acquire_lock(CYCLE, "run-b", "manual-cycle", ttl_seconds=1800)

    assert isinstance(refused.value, StoreError)
    assert refused.value.holder == held
    message = str(refused.value)
    since = f"{held.acquired_at:%Y-%m-%d %H:%M:%S} UTC"
    assert message.startswith(
        f'lock "{CYCLE}" is held by run scheduled-cycle-42 (owner run-a) since {since}, until '
    )
    assert message.endswith("UTC; this run exits without writing")
    assert store.lock_holder(CYCLE) == held


def test_the_holder_extends_its_lock_and_keeps_its_start(store: Store) -> None:
    first = store.acquire_lock(CYCLE, "run-a", "cycle", ttl_seconds=60)

    again = store.acquire_lock(CYCLE, "run-a", "cycle", ttl_seconds=600)
    renewed = store.renew_lock(CYCLE, "run-a", ttl_seconds=1200)

    assert again.acquired_at == first.acquired_at == renewed.acquired_at
    assert first.expires_at < again.expires_at < renewed.expires_at
    assert store.lock_holder(CYCLE) == renewed


def test_a_killed_runs_lock_is_taken_over_once_expired(store: Store) -> None:
    store.acquire_lock(CYCLE, "killed-run", "cycle-1", ttl_seconds=0.001)
    time.sleep(0.01)
    assert store.lock_holder(CYCLE) is None

    taken = store.acquire_lock(CYCLE, "run-b", "cycle-2", ttl_seconds=60)

    assert (taken.owner, taken.label) == ("run-b", "cycle-2")
    with pytest.raises(LockLost) as lost:
        store.renew_lock(CYCLE, "killed-run", ttl_seconds=60)
    assert lost.value.holder == taken
    assert "killed-run" in str(lost.value) and "cycle-2" in str(lost.value)
    assert store.release_lock(CYCLE, "killed-run") is False
    assert store.lock_holder(CYCLE) == taken


def test_an_expired_lock_nobody_took_is_still_renewable(store: Store) -> None:
    store.acquire_lock(CYCLE, "run-a", "cycle", ttl_seconds=0.001)
    time.sleep(0.01)

    renewed = store.renew_lock(CYCLE, "run-a", ttl_seconds=60)

    assert store.lock_holder(CYCLE) == renewed


def test_a_released_lock_is_free_for_anyone(store: Store) -> None:
    store.acquire_lock(CYCLE, "run-a", "cycle", ttl_seconds=60)

    assert store.release_lock(CYCLE, "run-a") is True
    assert store.release_lock(CYCLE, "run-a") is False

    assert store.lock_holder(CYCLE) is None
    assert store.acquire_lock(CYCLE, "run-b", "cycle", ttl_seconds=60).owner == "run-b"
    with pytest.raises(LockLost, match="nobody holds it"):
        store.renew_lock("never-taken", "run-a", ttl_seconds=60)


def test_a_lock_needs_a_positive_time(store: Store) -> None:
    with pytest.raises(ValueError, match="positive"):
        store.acquire_lock(CYCLE, "run-a", "cycle", ttl_seconds=0)
    assert store.lock_holder(CYCLE) is None


def test_lock_errors_survive_pickling_and_name_a_later_day() -> None:
    since = datetime(2026, 12, 7, 23, 50, 0, tzinfo=UTC)
    holder = LockInfo(CYCLE, "run-a", "nightly", since, since + timedelta(hours=1))

    held = pickle.loads(pickle.dumps(LockHeld(holder)))
    lost = pickle.loads(pickle.dumps(LockLost(CYCLE, "run-b", holder)))

    assert held.holder == holder and lost.holder == holder
    assert "since 2026-12-07 23:50:00 UTC, until 2026-12-08 00:50:00 UTC;" in str(held)
    assert str(lost) == f'lock "{CYCLE}" is no longer held by owner run-b; run nightly holds it'
