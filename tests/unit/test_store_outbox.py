"""The outbox, task links and runs: what push flows and the CLI rely on between runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.store import Operation, Store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with Store(store_url) as opened:
        yield opened


def create_task(key: str, title: str = "Renew Acme") -> Operation:
    return Operation(key=key, kind="todo.create", payload={"title": title})


def test_enqueue_counts_only_new_keys_and_keeps_the_first_payload(store: Store) -> None:
    assert store.enqueue([create_task("t1"), create_task("t2"), create_task("t1", "dup")]) == 2

    assert store.enqueue([create_task("t1", "changed"), create_task("t3")]) == 1

    stored = store.operation("t1")
    assert stored == Operation("t1", "todo.create", {"title": "Renew Acme"})


def test_a_done_operation_stays_done_when_enqueued_again(store: Store) -> None:
    store.enqueue([create_task("t1")])
    store.mark_done("t1", {"id": "AAkTask1"})

    assert store.enqueue([create_task("t1")]) == 0

    assert store.pending() == []
    stored = store.operation("t1")
    assert stored is not None
    assert (stored.status, stored.result) == ("done", {"id": "AAkTask1"})


def test_failures_count_attempts_and_stay_retryable(store: Store) -> None:
    store.enqueue([create_task("t1")])

    store.mark_failed("t1", "429 Too Many Requests")
    store.mark_failed("t1", "503 Service Unavailable")

    [retry] = store.pending()
    assert (retry.status, retry.attempts, retry.error) == ("failed", 2, "503 Service Unavailable")

    store.mark_done("t1", {"id": "AAkTask1"})
    done = store.operation("t1")
    assert done == Operation(
        "t1", "todo.create", {"title": "Renew Acme"}, "done", 2, None, {"id": "AAkTask1"}
    )


def test_a_late_failure_report_does_not_undo_done(store: Store) -> None:
    store.enqueue([create_task("t1")])
    store.mark_done("t1")

    store.mark_failed("t1", "timeout after the write landed")

    stored = store.operation("t1")
    assert stored is not None and (stored.status, stored.attempts) == ("done", 0)


def test_pending_is_oldest_first_and_filters_by_kind(store: Store) -> None:
    store.enqueue([create_task("t2"), Operation("m1", "mail.send", {"to": ["kam@contoso.com"]})])
    store.enqueue([create_task("t1")])
    store.mark_failed("t2", "boom")

    assert [op.key for op in store.pending()] == ["t2", "m1", "t1"]
    assert [op.key for op in store.pending("todo.create")] == ["t2", "t1"]
    assert [op.key for op in store.pending("drive.upload")] == []


def test_outbox_counts_list_every_status(store: Store) -> None:
    assert store.outbox_counts() == {"pending": 0, "done": 0, "failed": 0}
    store.enqueue([create_task("t1"), create_task("t2"), create_task("t3")])
    store.mark_done("t1")
    store.mark_failed("t2", "boom")

    assert store.outbox_counts() == {"pending": 1, "done": 1, "failed": 1}


def test_unknown_keys_and_non_pending_operations_are_refused(store: Store) -> None:
    with pytest.raises(KeyError, match="t9"):
        store.mark_done("t9")
    with pytest.raises(KeyError, match="t9"):
        store.mark_failed("t9", "boom")
    with pytest.raises(ValueError, match="enqueued as 'done'"):
        store.enqueue([Operation("t1", "todo.create", {}, status="done")])
    assert store.operation("t9") is None


def test_linking_a_record_again_moves_the_link(store: Store) -> None:
    assert list(store.task_links().columns) == [
        "mailbox",
        "external_id",
        "task_id",
        "list_id",
        "linked_at",
    ]
    store.link_task("kam@contoso.com", "00T1", "task-a", "list-inbox")
    store.link_task("kam@contoso.com", "00T2", "task-b", "list-inbox")

    store.link_task("kam@contoso.com", "00T1", "task-c", "list-renewals")

    links = store.task_links()
    assert links[["external_id", "task_id", "list_id"]].values.tolist() == [
        ["00T1", "task-c", "list-renewals"],
        ["00T2", "task-b", "list-inbox"],
    ]
    assert str(links["linked_at"].dt.tz) == "UTC"


def test_runs_record_status_and_summary(store: Store) -> None:
    first = store.start_run("sync")
    second = store.start_run("push")
    store.finish_run(first, "completed", {"records": 120, "objects": ["Account"]})

    runs = store.runs()

    assert runs["id"].tolist() == [second, first]
    finished = runs.set_index("id").loc[first]
    assert (finished["flow"], finished["status"]) == ("sync", "completed")
    assert finished["summary"] == {"records": 120, "objects": ["Account"]}
    assert finished["finished_at"] >= finished["started_at"]
    unfinished = runs.set_index("id").loc[second]
    assert unfinished["status"] == "running" and unfinished["summary"] is None
    assert store.runs("push")["id"].tolist() == [second]
    with pytest.raises(KeyError):
        store.finish_run(999, "failed", {})
