"""The limits resource and the daily API allocation: what `/limits` reports matches
`Sforce-Limit-Info`, composite and collection requests count once, and a spent
allocation refuses every call with REQUEST_LIMIT_EXCEEDED."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.test_sandbox_salesforce_helpers import API, Org, make_org, user

REFUSED = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    org = make_org(tmp_path, {"User": [user(1, "Ida", "Integration")]}, daily_api_limit=10)
    yield org
    org.store.close()


def used(org: Org) -> int:
    """API requests used so far, read from the limits resource (which itself counts one)."""
    limits = org.client.get(f"{API}/limits", headers=org.headers).json()["DailyApiRequests"]
    return int(limits["Max"] - limits["Remaining"])


def test_limits_report_the_allocations_clients_budget_against(org: Org) -> None:
    response = org.client.get(f"{API}/limits", headers=org.headers)
    limits = response.json()
    assert limits["DailyApiRequests"] == {"Max": 10, "Remaining": 9}
    assert response.headers["Sforce-Limit-Info"] == "api-usage=1/10"
    for name in ("DailyBulkV2QueryJobs", "DailyBulkV2QueryFileStorageMB", "DailyBulkApiBatches"):
        assert set(limits[name]) == {"Max", "Remaining"}
        assert 0 < limits[name]["Remaining"] <= limits[name]["Max"]


def test_a_composite_request_and_a_collection_count_as_one_call_each(org: Org) -> None:
    before = used(org)
    composite = {
        "compositeRequest": [
            {
                "method": "POST",
                "url": f"{API}/sobjects/Account",
                "referenceId": f"account{n}",
                "body": {"Name": f"Account {n}"},
            }
            for n in range(5)
        ]
    }
    org.client.post(f"{API}/composite", json=composite, headers=org.headers)
    records = [{"attributes": {"type": "Account"}, "Name": f"Bulk {n}"} for n in range(50)]
    org.client.post(f"{API}/composite/sobjects", json={"records": records}, headers=org.headers)
    composite_call, collection_call, limits_call = 1, 1, 1
    assert used(org) == before + composite_call + collection_call + limits_call


def test_a_spent_allocation_refuses_writes_without_applying_them(org: Org) -> None:
    for _ in range(10):
        org.client.get(f"{API}/limits", headers=org.headers)
    refused = org.client.post(f"{API}/sobjects/Account", json={"Name": "X"}, headers=org.headers)
    assert (refused.status_code, refused.json()) == (403, REFUSED)
    assert org.store.count("Account") == 0
