"""Query paging: 2,000-record pages by default, `batchSize` honoured within
200-2,000, `nextRecordsUrl` locators that answer the next page, and the
errors an unknown or stale locator gets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.unit.test_sandbox_salesforce_helpers import API, NOW, Org, make_org, record, user

ACCOUNTS = 2_450


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    accounts = [record("Account", n, Name=f"Account {n:05d}") for n in range(1, ACCOUNTS + 1)]
    org = make_org(
        tmp_path_factory.mktemp("org"), {"User": [user(1, "Kim", "Kam")], "Account": accounts}
    )
    yield org
    org.store.close()


@pytest.fixture(autouse=True)
def back_to_now(org: Org) -> Iterator[None]:
    yield
    org.clock.now = NOW


def all_pages(org: Org, first: dict[str, Any]) -> list[dict[str, Any]]:
    pages = [first]
    while not pages[-1]["done"]:
        response = org.client.get(pages[-1]["nextRecordsUrl"], headers=org.headers)
        assert response.status_code == 200, response.text
        pages.append(response.json())
    return pages


def test_default_pages_hold_two_thousand_records_and_cover_everything(org: Org) -> None:
    first = org.query("SELECT Id, Name FROM Account ORDER BY Name DESC").json()
    assert len(first["records"]) == 2000
    assert first["nextRecordsUrl"].startswith(f"{API}/query/01g")
    assert first["nextRecordsUrl"].endswith("-2000")
    pages = all_pages(org, first)
    assert [len(page["records"]) for page in pages] == [2000, 450]
    assert {page["totalSize"] for page in pages} == {ACCOUNTS}
    assert "nextRecordsUrl" not in pages[-1]
    names = [row["Name"] for page in pages for row in page["records"]]
    assert names == sorted((f"Account {n:05d}" for n in range(1, ACCOUNTS + 1)), reverse=True)


@pytest.mark.parametrize(
    ("asked", "page_sizes"),
    [
        (500, [500, 500, 500, 500, 450]),
        (50, [200] * 12 + [50]),
        (5000, [2000, 450]),
    ],
)
def test_batch_size_is_honoured_within_salesforce_bounds(
    org: Org, asked: int, page_sizes: list[int]
) -> None:
    first = org.query("SELECT Id FROM Account", batch_size=asked).json()
    assert [len(page["records"]) for page in all_pages(org, first)] == page_sizes


def test_query_all_pages_stay_on_query_all(org: Org) -> None:
    first = org.query("SELECT Id FROM Account", all_rows=True).json()
    assert first["nextRecordsUrl"].startswith(f"{API}/queryAll/01g")
    assert len(all_pages(org, first)) == 2


def test_a_limit_smaller_than_a_page_needs_no_locator(org: Org) -> None:
    body = org.query("SELECT Id FROM Account LIMIT 300", batch_size=200).json()
    assert (body["totalSize"], len(body["records"]), body["done"]) == (300, 200, False)
    assert len(all_pages(org, body)[-1]["records"]) == 100


def test_unknown_and_idle_locators_are_invalid(org: Org) -> None:
    unknown = org.client.get(f"{API}/query/01gKz0000000999AAA-2000", headers=org.headers)
    assert unknown.status_code == 400
    assert unknown.json() == [
        {"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}
    ]
    next_url = org.query("SELECT Id FROM Account").json()["nextRecordsUrl"]
    org.clock.now += timedelta(minutes=16)
    stale = org.client.get(next_url, headers=org.headers)
    assert stale.status_code == 400
    assert stale.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_following_a_locator_needs_a_session(org: Org) -> None:
    next_url = org.query("SELECT Id FROM Account").json()["nextRecordsUrl"]
    assert org.client.get(next_url).status_code == 401
