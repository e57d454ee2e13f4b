"""Opening the store: SQLite files, what survives a restart, bad URLs, concurrent writers."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from connectors.store import Operation, Store, StoreError


def test_a_reopened_store_still_has_everything(store_url: str) -> None:
    url = store_url
    before = Store(url)
    batch = pd.DataFrame([{"Id": "001A", "Name": "Acme"}])
    before.upsert_records("salesforce", "Account", batch, watermark=("sf.Account", "w1"))
    before.link_task("kam@contoso.com", "00T1", "task-a", "list-a")
    before.enqueue([Operation("t1", "todo.create", {"title": "Renew"})])
    before.mark_failed("t1", "boom")
    run_id = before.start_run("sync")
    before.close()

    after = Store(url)

    assert after.read_table("salesforce", "Account").to_dict("records") == [
        {"Id": "001A", "Name": "Acme"}
    ]
    assert after.watermark("sf.Account") == "w1"
    assert after.task_links()["task_id"].tolist() == ["task-a"]
    assert [(op.key, op.attempts) for op in after.pending()] == [("t1", 1)]
    assert after.runs()["id"].tolist() == [run_id]
    after.close()


def test_a_fresh_file_gets_its_folder_and_wal_journal(tmp_path: Path) -> None:
    database = tmp_path / "state" / "nested" / "kamsync.db"

    Store(f"sqlite:///{database}").close()

    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://kam:s3cret@127.0.0.1:1/kamsync", "postgresql://kam:***@127.0.0.1:1/kamsync"),
        ("postgresql://kam:s3cret@db:not-a-port/kamsync", "postgresql://kam:***@db:not-a-port/"),
        ("postgresql+asyncpg://kam:s3cret@db/kamsync", "kam:***@db/kamsync"),
        ("mysql://kam:s3cret@db/kamsync", "mysql://kam:***@db/kamsync"),
        ("kamsync.db", "kamsync.db"),
    ],
)
def test_bad_urls_raise_store_error_without_the_password(url: str, shown: str) -> None:
    with pytest.raises(StoreError) as raised:
        Store(url)

    assert shown in str(raised.value)
    assert "s3cret" not in str(raised.value)


def test_an_unwritable_sqlite_path_raises_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")

    with pytest.raises(StoreError, match="not-a-folder"):
        Store(f"sqlite:///{blocker}/kamsync.db")


def test_a_database_that_cannot_be_opened_raises_store_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"

    with pytest.raises(StoreError, match="unable to open database file"):
        Store(f"sqlite:///file:{missing}?mode=ro&uri=true")


def test_concurrent_writers_wait_instead_of_failing(store_url: str) -> None:
    url = store_url
    Store(url).close()

    def pull(stream: int) -> None:
        with Store(url) as store:
            for batch in range(15):
                ids = [f"{stream}-{batch}-{row}" for row in range(50)]
                frame = pd.DataFrame({"Id": ids, "Name": "Acme"})
                store.upsert_records(
                    "salesforce", "Account", frame, watermark=(f"s{stream}", str(batch))
                )
                store.enqueue([Operation(f"{stream}-{batch}", "todo.create", {})])

    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(pull, range(3)))

    with Store(url) as store:
        assert store.count("salesforce", "Account") == 3 * 15 * 50
        assert store.outbox_counts()["pending"] == 3 * 15
        assert [store.watermark(f"s{stream}") for stream in range(3)] == ["14"] * 3
