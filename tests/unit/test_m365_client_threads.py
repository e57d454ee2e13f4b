"""One GraphClient shared by the threads of a fan-out: exact request counts overall and per
thread, and one token renewal when several requests are refused with the same stale token."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, cast

import requests
from O365 import Account

from connectors.m365.client import GraphClient
from tests.unit.test_m365_support import ALICE, BOB, graph_client, m365_settings


class _InstantConnection:
    """Answers `{}` to every GET at once."""

    def get(self, url: str, **_: Any) -> requests.Response:
        response = requests.Response()
        response.status_code = 200
        response._content = b"{}"
        return response


class _Account:
    def __init__(self) -> None:
        self.con = _InstantConnection()


def run_in_threads(count: int, work: Any) -> list[Any]:
    """`work()` in `count` threads started together; what each returned."""
    start, results = threading.Barrier(count), [None] * count

    def run(slot: int) -> None:
        start.wait()
        results[slot] = work()

    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_requests_are_counted_exactly_in_all_and_per_thread() -> None:
    client = GraphClient(m365_settings(), account=cast(Account, _Account()))

    def many_requests() -> int:
        for number in range(500):
            client.get(f"https://graph.test/v1.0/users/box{number % 3}/messages")
        return client.thread_calls()

    assert run_in_threads(8, many_requests) == [500] * 8
    assert client.calls == 8 * 500
    assert client.thread_calls() == 0  # this thread sent none


def test_requests_refused_with_one_stale_token_renew_it_once(tmp_path: Path) -> None:
    with graph_client(tmp_path) as (graph, raw):
        graph.get(f"{graph.user_path(ALICE)}/mailFolders/inbox")
        raw.post("/_sandbox/graph/tokens/expire")
        boxes = [ALICE, BOB] * 3
        inboxes = run_in_threads(
            len(boxes),
            lambda: graph.get(f"{graph.user_path(boxes.pop())}/mailFolders/inbox"),
        )
        assert all(inbox["id"] for inbox in inboxes)
        assert graph.renewals == 1
