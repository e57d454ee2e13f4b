"""Contract: resources other Salesforce clients use, through simple-salesforce and plain
requests against the session sandbox (getUpdated/getDeleted, address components,
OpenID userinfo, Bulk API 1.0's refusal)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
import requests
from simple_salesforce import Salesforce, SalesforceMalformedRequest, SFType
from simple_salesforce.bulk import SFBulkHandler

pytestmark = pytest.mark.integration


@pytest.fixture
def token(sandbox: dict[str, Any], trust_sandbox: None) -> str:
    sf = sandbox["salesforce"]
    answer = requests.post(
        f"{sf['login_url']}/services/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": sf["client_id"],
              "client_secret": sf["client_secret"]},
        timeout=10,
    )  # fmt: skip
    answer.raise_for_status()
    return str(answer.json()["access_token"])


@pytest.fixture
def sf(sandbox: dict[str, Any], token: str) -> Salesforce:
    info = sandbox["salesforce"]
    return Salesforce(
        instance_url=info["instance_url"], session_id=token, version=info["api_version"]
    )


def _accounts(sf: Salesforce) -> SFType:
    """simple-salesforce's handle on Account (`sf.Account`)."""
    return cast(SFType, sf.Account)


def _account(sf: Salesforce, **fields: Any) -> str:
    created = _accounts(sf).create({"Name": f"Forms Test {uuid.uuid4().hex[:8]} AS", **fields})
    return str(created["id"])


def test_updated_and_deleted_through_simple_salesforce(sf: Salesforce) -> None:
    start = datetime.now(UTC) - timedelta(minutes=5)
    kept, dropped = _account(sf), _account(sf)
    _accounts(sf).delete(dropped)
    end = datetime.now(UTC) + timedelta(minutes=2)

    updated = _accounts(sf).updated(start, end)
    deleted = _accounts(sf).deleted(start, end)

    assert kept in updated["ids"] and dropped not in updated["ids"]
    assert dropped in [entry["id"] for entry in deleted["deletedRecords"]]
    assert updated["latestDateCovered"] and deleted["earliestDateAvailable"]


def test_updated_refuses_a_span_older_than_thirty_days(sf: Salesforce) -> None:
    now = datetime.now(UTC)

    with pytest.raises(SalesforceMalformedRequest) as refused:
        _accounts(sf).updated(now - timedelta(days=40), now)

    assert "INVALID_REPLICATION_DATE" in str(refused.value.content)


def test_address_components_read_write_and_query(sf: Salesforce) -> None:
    postcode = uuid.uuid4().hex[:6]
    account_id = _account(sf, BillingStreet="7 Dock Street", BillingPostalCode=postcode)
    _accounts(sf).update(account_id, {"BillingCity": "Trondheim", "BillingLatitude": 63.43})

    shown = _accounts(sf).get(account_id)
    rows = sf.query(
        "SELECT Id, BillingStreet, BillingCity FROM Account "
        f"WHERE BillingPostalCode = '{postcode}' ORDER BY BillingCity"
    )["records"]

    assert shown["BillingStreet"] == "7 Dock Street" and shown["BillingLatitude"] == 63.43
    assert shown["BillingAddress"]["city"] == "Trondheim"
    assert [(row["Id"], row["BillingCity"]) for row in rows] == [(account_id, "Trondheim")]


def test_userinfo_with_the_access_token(sandbox: dict[str, Any], token: str) -> None:
    url = f"{sandbox['salesforce']['instance_url']}/services/oauth2/userinfo"

    info = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    forged = requests.get(url, headers={"Authorization": "Bearer 00Dforged"}, timeout=10)

    assert info.status_code == 200, info.text
    assert info.json()["user_id"].startswith("005")
    assert info.json()["organization_id"].startswith("00D")
    assert "{version}" in info.json()["urls"]["rest"]
    assert forged.status_code == 403 and forged.text == "Bad_OAuth_Token"


def test_bulk_v1_query_is_refused_as_not_enabled(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as refused:
        bulk_accounts: Any = cast(SFBulkHandler, sf.bulk).Account  # its stub types data as rows
        bulk_accounts.query("SELECT Id FROM Account")

    content = cast(dict[str, str], refused.value.content)
    assert content["exceptionCode"] == "FeatureNotEnabled"
