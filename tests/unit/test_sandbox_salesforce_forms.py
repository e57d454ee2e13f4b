"""Salesforce resources other clients use: getUpdated/getDeleted, address components,
OpenID userinfo, and Bulk API 1.0's documented refusal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox.ids import salesforce_id
from sandbox.salesforce import replication_api
from tests.unit.test_sandbox_salesforce_helpers import API, NOW, Org, make_org, record, user

KIM = salesforce_id("User", 1)
ACME = salesforce_id("Account", 1)
BOREAL = salesforce_id("Account", 2)
CORAL = salesforce_id("Account", 3)
TWO_DAYS_AGO = "2026-05-12T08:30:00.000+0000"


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    accounts = [
        record(
            "Account",
            1,
            Name="Acme Energy",
            BillingStreet="1 Quay Road",
            BillingCity="Oslo",
            BillingPostalCode="0150",
            BillingCountry="Norway",
            BillingLatitude=59.91,
            BillingLongitude=10.75,
            SystemModstamp=TWO_DAYS_AGO,
        ),
        record("Account", 2, Name="Boreal Foods", BillingCity="Bergen", BillingPostalCode="5003"),
        record("Account", 3, Name="Coral Media", SystemModstamp=TWO_DAYS_AGO),
    ]
    org = make_org(tmp_path, {"User": [user(1, "Kim", "Kam")], "Account": accounts})
    yield org
    org.store.close()


def _span(org: Org, resource: str, start: str, end: str) -> Any:
    url = f"{API}/sobjects/Account/{resource}/"
    return org.client.get(url, params={"start": start, "end": end}, headers=org.headers)


def test_get_updated_lists_records_stamped_in_the_span(org: Org) -> None:
    org.clock.now = NOW - timedelta(hours=1)
    patched = org.client.patch(
        f"{API}/sobjects/Account/{BOREAL}", json={"Phone": "555"}, headers=org.headers
    )
    org.clock.now = NOW
    assert patched.status_code == 204

    answer = _span(org, "updated", "2026-05-12T00:00:00+00:00", "2026-05-14T12:00:00Z")

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "ids": [ACME, CORAL, BOREAL],
        "latestDateCovered": "2026-05-14T12:00:00.000+0000",
    }


def test_get_updated_covers_a_future_end_only_up_to_now_and_drops_seconds(org: Org) -> None:
    answer = _span(org, "updated", "2026-05-12T08:30:59+00:00", "2026-06-01T00:00:00+00:00")

    assert answer.json()["latestDateCovered"] == "2026-05-14T12:00:00.000+0000"
    assert answer.json()["ids"] == [ACME, CORAL]


def test_get_deleted_lists_deletions_with_their_dates(org: Org) -> None:
    org.clock.now = NOW - timedelta(minutes=30)
    org.client.delete(f"{API}/sobjects/Account/{CORAL}", headers=org.headers)
    org.clock.now = NOW

    answer = _span(org, "deleted", "2026-05-14T00:00:00+00:00", "2026-05-14T12:00:00+00:00")
    updated = _span(org, "updated", "2026-05-12T00:00:00+00:00", "2026-05-14T12:00:00+00:00")

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "deletedRecords": [{"id": CORAL, "deletedDate": "2026-05-14T11:30:00.000+0000"}],
        "earliestDateAvailable": "2026-04-29T12:00:00.000+0000",
        "latestDateCovered": "2026-05-14T12:00:00.000+0000",
    }
    assert CORAL not in updated.json()["ids"]


BAD_DATE = "INVALID_REPLICATION_DATE"


@pytest.mark.parametrize(
    ("resource", "start", "end", "code", "words"),
    [
        ("updated", "2026-05-14T00:00:00Z", "2026-05-13T00:00:00Z", BAD_DATE, "precede"),
        ("updated", "2026-04-10T00:00:00Z", "2026-05-13T00:00:00Z", BAD_DATE, "30 days"),
        ("deleted", "2026-04-25T00:00:00Z", "2026-05-13T00:00:00Z", BAD_DATE, "15 days"),
        ("deleted", "yesterday", "2026-05-13T00:00:00Z", "MALFORMED_QUERY", "start"),
    ],
)
def test_bad_spans_answer_the_documented_errors(
    org: Org, resource: str, start: str, end: str, code: str, words: str
) -> None:
    answer = _span(org, resource, start, end)

    assert answer.status_code == 400
    [error] = answer.json()
    assert error["errorCode"] == code and words in error["message"]


def test_too_many_ids_ask_for_a_narrower_span(org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replication_api, "MAX_IDS", 1)

    answer = _span(org, "updated", "2026-05-12T00:00:00Z", "2026-05-14T00:00:00Z")

    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_missing_end_is_malformed(org: Org) -> None:
    url = f"{API}/sobjects/Account/updated/?start=2026-05-13T00:00:00Z"
    [error] = org.client.get(url, headers=org.headers).json()

    assert error["errorCode"] == "MALFORMED_QUERY" and "end" in error["message"]


@pytest.mark.parametrize(
    ("sobject", "prefix"), [("Account", "Billing"), ("Account", "Shipping"), ("Contact", "Mailing")]
)
def test_address_components_are_described_as_parts_of_the_compound(
    org: Org, sobject: str, prefix: str
) -> None:
    fields = org.client.get(f"{API}/sobjects/{sobject}/describe", headers=org.headers).json()
    by_name = {field["name"]: field for field in fields["fields"]}

    for part in ("Street", "City", "State", "PostalCode", "Country", "Latitude", "Longitude"):
        assert by_name[f"{prefix}{part}"]["compoundFieldName"] == f"{prefix}Address"
        assert by_name[f"{prefix}{part}"]["updateable"] is True
    assert by_name[f"{prefix}GeocodeAccuracy"]["compoundFieldName"] == f"{prefix}Address"
    assert by_name[f"{prefix}Address"]["updateable"] is False


def test_address_components_select_filter_and_sort(org: Org) -> None:
    rows = org.records(
        "SELECT Name, BillingStreet, BillingPostalCode, BillingLatitude FROM Account "
        "WHERE BillingPostalCode != null ORDER BY BillingPostalCode DESC"
    )

    assert [(row["Name"], row["BillingPostalCode"]) for row in rows] == [
        ("Boreal Foods", "5003"),
        ("Acme Energy", "0150"),
    ]
    assert rows[1]["BillingStreet"] == "1 Quay Road" and rows[1]["BillingLatitude"] == 59.91


def test_writes_go_through_components_and_show_in_the_compound(org: Org) -> None:
    changes = {"BillingStreet": "2 Harbour Lane", "BillingState": "Vestland"}

    patched = org.client.patch(
        f"{API}/sobjects/Account/{BOREAL}", json=changes, headers=org.headers
    )
    shown = org.client.get(f"{API}/sobjects/Account/{BOREAL}", headers=org.headers).json()
    refused = org.client.patch(
        f"{API}/sobjects/Account/{BOREAL}",
        json={"BillingAddress": {"street": "x"}},
        headers=org.headers,
    )

    assert patched.status_code == 204, patched.text
    assert shown["BillingStreet"] == "2 Harbour Lane" and shown["BillingState"] == "Vestland"
    assert shown["BillingAddress"]["street"] == "2 Harbour Lane"
    assert shown["BillingAddress"]["city"] == "Bergen"
    assert refused.status_code == 400


def test_shipping_components_are_queried_and_written_like_billing(org: Org) -> None:
    patched = org.client.patch(
        f"{API}/sobjects/Account/{BOREAL}",
        json={"ShippingCity": "Stavanger", "ShippingCountry": "Norway"},
        headers=org.headers,
    )
    rows = org.records("SELECT Name, ShippingCity, ShippingAddress FROM Account "
                       "WHERE ShippingCity = 'Stavanger'")  # fmt: skip

    assert patched.status_code == 204, patched.text
    assert [(row["Name"], row["ShippingAddress"]["country"]) for row in rows] == [
        ("Boreal Foods", "Norway")
    ]


def test_userinfo_describes_the_token_user(org: Org) -> None:
    answer = org.client.get("/services/oauth2/userinfo", headers=org.headers)

    assert answer.status_code == 200, answer.text
    info = answer.json()
    assert info["user_id"] == KIM and info["organization_id"].startswith("00D")
    assert info["preferred_username"] == info["email"] == "kim.kam@example.com"
    assert info["sub"].endswith(f"/id/{info['organization_id']}/{KIM}")
    assert info["urls"]["rest"].endswith("/services/data/v{version}/")
    assert info["urls"]["query"].endswith("/services/data/v{version}/query/")


@pytest.mark.parametrize(
    ("headers", "body"),
    [({}, "Missing_OAuth_Token"), ({"Authorization": "Bearer 00Dforged"}, "Bad_OAuth_Token")],
)
def test_userinfo_without_a_valid_token_is_forbidden(
    org: Org, headers: dict[str, str], body: str
) -> None:
    answer = org.client.get("/services/oauth2/userinfo", headers=headers)

    assert answer.status_code == 403 and answer.text == body


def _session_id(org: Org) -> str:
    return org.headers["Authorization"].partition(" ")[2]


def test_bulk_v1_job_is_refused_as_not_enabled_in_xml(org: Org) -> None:
    job = (
        '<?xml version="1.0" encoding="UTF-8"?><jobInfo xmlns="http://www.force.com/2009/06/'
        'asyncapi/dataload"><operation>query</operation><object>Account</object>'
        "<contentType>CSV</contentType></jobInfo>"
    )
    answer = org.client.post(
        "/services/async/59.0/job",
        content=job,
        headers={"X-SFDC-Session": _session_id(org), "Content-Type": "application/xml"},
    )

    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/xml")
    assert 'xmlns="http://www.force.com/2009/06/asyncapi/dataload"' in answer.text
    assert "<exceptionCode>FeatureNotEnabled</exceptionCode>" in answer.text


def test_bulk_v1_answers_json_to_json_and_checks_the_session_first(org: Org) -> None:
    body = {"operation": "query", "object": "Account", "contentType": "JSON"}
    json_headers = {"Content-Type": "application/json"}

    refused = org.client.post(
        "/services/async/59.0/job", json=body, headers={"X-SFDC-Session": _session_id(org)}
    )
    stale = org.client.get(
        "/services/async/59.0/job/750000000000001/batch",
        headers=json_headers | {"X-SFDC-Session": "00Dforged"},
    )

    assert refused.status_code == 400
    assert refused.json()["exceptionCode"] == "FeatureNotEnabled"
    assert stale.status_code == 400
    assert stale.json() == {
        "exceptionCode": "InvalidSessionId",
        "exceptionMessage": "Invalid session id",
    }
