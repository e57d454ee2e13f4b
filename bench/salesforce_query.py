"""How fast the Salesforce stand-in answers queries on a large object.

Builds a synthetic Task collection (1,000,000 rows by default) in an in-memory
store, serves the app in-process, and times what an incremental sync does: a
REST page of 2,000 on a SystemModstamp window (cold, when the index is built,
then warm), the next page, the same after a few and after many writes, a
first page of a full-object query, and a Bulk API 2.0 job with a 50,000-row
result set. Run: `.venv/bin/python -m bench.salesforce_query [--tasks N]`.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.exceptions import StarletteDeprecationWarning

from sandbox.ids import salesforce_id
from sandbox.salesforce import create_app, load_seed
from sandbox.salesforce.soql_dates import format_instant
from sandbox.state import DocStore

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

API = "/services/data/v59.0"
NOW = datetime(2026, 5, 14, 12, 0, tzinfo=UTC)
CLIENT_ID, CLIENT_SECRET = "bench-app", "bench-secret"
#: Two years of changes, at one-minute resolution so many records share a stamp.
SPAN_MINUTES = 2 * 365 * 24 * 60
STATUSES = ("Not Started", "In Progress", "Completed", "Waiting on someone else")


def synthetic_tasks(count: int, accounts: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """`count` stored Task records spread over two years of SystemModstamps, filed
    on `accounts` accounts (deterministic for a seed)."""
    rng = random.Random(seed)
    start = NOW - timedelta(minutes=SPAN_MINUTES)
    for number in range(1, count + 1):
        stamp = format_instant(start + timedelta(minutes=rng.randrange(SPAN_MINUTES)))
        account = salesforce_id("Account", rng.randrange(1, accounts + 1))
        status = rng.choice(STATUSES)
        yield {
            "Id": salesforce_id("Task", number),
            "IsDeleted": False,
            "CreatedDate": stamp,
            "LastModifiedDate": stamp,
            "SystemModstamp": stamp,
            "Subject": f"Follow-up {number}",
            "Status": status,
            "Priority": "Normal",
            "IsClosed": status == "Completed",
            "ActivityDate": stamp[:10],
            "WhatId": account,
            "AccountId": account,
            "OwnerId": salesforce_id("User", 1),
        }


def synthetic_accounts(count: int) -> list[dict[str, Any]]:
    stamp = format_instant(NOW - timedelta(days=400))
    return [
        {
            "Id": salesforce_id("Account", number),
            "IsDeleted": False,
            "CreatedDate": stamp,
            "LastModifiedDate": stamp,
            "SystemModstamp": stamp,
            "Name": f"Account {number}",
            "Key_Account__c": number % 10 == 0,
        }
        for number in range(1, count + 1)
    ]


def timed(label: str, action: Callable[[], Any]) -> Any:
    """Run `action`, printing its wall time and the CPU time the process spent (all
    threads: the app runs in TestClient's), the steadier figure on a busy machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<58} {wall:7.3f} s wall {cpu:7.3f} s CPU")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=100_000)
    options = parser.parse_args()
    store = DocStore(":memory:")
    users = [{"Id": salesforce_id("User", 1), "IsDeleted": False, "LastName": "Bench"}]
    load_seed(store, {"User": users, "Account": synthetic_accounts(options.accounts)})
    timed(
        f"load {options.tasks:,} tasks into the store",
        lambda: load_seed(store, {"Task": list(synthetic_tasks(options.tasks, options.accounts))}),
    )
    # As a long-running sandbox should after seeding: a million documents make each
    # full garbage collection take about a second, and they are never garbage.
    gc.collect()
    gc.freeze()
    client = TestClient(
        create_app(store, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, clock=lambda: NOW),
        base_url="https://127.0.0.1",
    )
    token = client.post(
        "/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    ).json()["access_token"]
    run(client, {"Authorization": f"Bearer {token}"}, store)


def run(client: TestClient, headers: dict[str, str], store: DocStore) -> None:
    window = format_instant(NOW - timedelta(days=365)).replace(".000+0000", "Z")
    sync = (
        "SELECT Id, Subject, Status, WhatId, SystemModstamp FROM Task "
        f"WHERE SystemModstamp >= {window} ORDER BY SystemModstamp, Id"
    )

    def page(soql: str) -> dict[str, Any]:
        response = client.get(f"{API}/query", params={"q": soql}, headers=headers)
        assert response.status_code == 200, response.text
        return dict(response.json())

    timed("REST page of 2,000, window query (cold: builds the index)", lambda: page(sync))
    first = timed("REST page of 2,000, window query (warm)", lambda: page(sync))
    print(f"{'  matching records (totalSize)':<58} {first['totalSize']:>10,}")
    timed(
        "next page via nextRecordsUrl",
        lambda: client.get(first["nextRecordsUrl"], headers=headers).json(),
    )
    rewrite(store, 50)
    timed("window query after 50 writes", lambda: page(sync))
    rewrite(store, 20_000)
    timed("window query after 20,000 writes", lambda: page(sync))
    full = "SELECT Id, Subject FROM Task"
    timed("first page of a full-object query, no ORDER BY (cold)", lambda: page(full))
    timed("first page of a full-object query, no ORDER BY (warm)", lambda: page(full))
    timed("bulk job: create, poll, 50,000-row result set", lambda: bulk(client, headers, sync))


def rewrite(store: DocStore, count: int) -> None:
    """Touch `count` tasks as a client write would (new stamp, new document)."""
    stamp = format_instant(NOW)
    changed = [{**task, "SystemModstamp": stamp} for task in store.all("Task")[:count]]
    store.put_many("Task", ((task["Id"], task) for task in changed))


def bulk(client: TestClient, headers: dict[str, str], soql: str) -> int:
    created = client.post(
        f"{API}/jobs/query", json={"operation": "query", "query": soql}, headers=headers
    ).json()
    assert client.get(f"{API}/jobs/query/{created['id']}", headers=headers).json()["state"] == (
        "JobComplete"
    )
    response = client.get(
        f"{API}/jobs/query/{created['id']}/results", params={"maxRecords": 50_000}, headers=headers
    )
    return int(response.headers["Sforce-NumberOfRecords"])


if __name__ == "__main__":
    main()
