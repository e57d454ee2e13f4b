"""Extended properties on events and messages: hidden by default, `$expand`, `$filter` Any."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.test_sandbox_graph_support import TENANT_DOMAIN, TestClient

ALICE = f"/v1.0/users/alice@{TENANT_DOMAIN}"
KEY = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name KamsyncKey"
OTHER = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name Colour"


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


def _event(key: str) -> dict[str, Any]:
    return {
        "subject": f"Keyed {key}",
        "start": {"dateTime": "2026-04-01T10:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-04-01T11:00:00", "timeZone": "UTC"},
        "singleValueExtendedProperties": [
            {"id": KEY, "value": key},
            {"id": OTHER, "value": "green"},
        ],
    }


def _any(key: str) -> str:
    return f"singleValueExtendedProperties/Any(ep: ep/id eq '{KEY}' and ep/value eq '{key}')"


def test_extended_properties_are_hidden_unless_expanded(client: TestClient) -> None:
    created = client.post(f"{ALICE}/events", json=_event("k-1")).json()
    expand = f"singleValueExtendedProperties($filter=id eq '{KEY}')"

    plain = client.get(f"{ALICE}/events/{created['id']}").json()
    expanded = client.get(f"{ALICE}/events/{created['id']}", params={"$expand": expand}).json()

    assert "singleValueExtendedProperties" not in created
    assert "singleValueExtendedProperties" not in plain
    assert expanded["singleValueExtendedProperties"] == [{"id": KEY, "value": "k-1"}]


def test_filter_any_finds_events_by_key(client: TestClient) -> None:
    wanted = client.post(f"{ALICE}/events", json=_event("k-1")).json()
    client.post(f"{ALICE}/events", json=_event("k-2"))

    found = client.get(
        f"{ALICE}/events",
        params={
            "$filter": _any("k-1"),
            "$expand": f"singleValueExtendedProperties($filter=id eq '{KEY}')",
            "$select": "subject",
        },
    ).json()["value"]
    none = client.get(f"{ALICE}/events", params={"$filter": _any("k-3")}).json()["value"]

    assert [event["id"] for event in found] == [wanted["id"]]
    assert found[0]["singleValueExtendedProperties"] == [{"id": KEY, "value": "k-1"}]
    assert none == []


def test_or_of_keys_and_patch_replaces_a_value(client: TestClient) -> None:
    first = client.post(f"{ALICE}/events", json=_event("k-1")).json()
    second = client.post(f"{ALICE}/events", json=_event("k-2")).json()
    client.patch(
        f"{ALICE}/events/{second['id']}",
        json={"singleValueExtendedProperties": [{"id": KEY, "value": "k-9"}]},
    )

    either = client.get(f"{ALICE}/events", params={"$filter": f"{_any('k-1')} or {_any('k-9')}"})

    assert sorted(e["id"] for e in either.json()["value"]) == sorted([first["id"], second["id"]])


def test_malformed_property_ids_and_bare_expand_are_refused(client: TestClient) -> None:
    bad = _event("k-1") | {"singleValueExtendedProperties": [{"id": "KamsyncKey", "value": "x"}]}

    created = client.post(f"{ALICE}/events", json=bad)
    bare = client.get(f"{ALICE}/events", params={"$expand": "singleValueExtendedProperties"})
    selected = client.get(f"{ALICE}/events", params={"$select": "singleValueExtendedProperties"})

    assert created.status_code == 400
    assert bare.status_code == 400
    assert selected.status_code == 400


def test_sent_mail_keeps_its_extended_properties_on_the_sent_items_copy(client: TestClient) -> None:
    message = {
        "subject": "Keyed mail",
        "body": {"contentType": "text", "content": "hello"},
        "toRecipients": [{"emailAddress": {"address": "dana@fabrikam.com"}}],
        "singleValueExtendedProperties": [{"id": KEY, "value": "mail-1"}],
    }
    assert client.post(f"{ALICE}/sendMail", json={"message": message}).status_code == 202

    found = client.get(
        f"{ALICE}/mailFolders/sentitems/messages",
        params={
            "$filter": _any("mail-1"),
            "$expand": f"singleValueExtendedProperties($filter=id eq '{KEY}')",
        },
    ).json()["value"]

    assert [m["subject"] for m in found] == ["Keyed mail"]
    assert found[0]["singleValueExtendedProperties"] == [{"id": KEY, "value": "mail-1"}]


def test_a_single_message_expands_its_extended_property(client: TestClient) -> None:
    draft = {
        "subject": "Keyed draft",
        "singleValueExtendedProperties": [{"id": KEY, "value": "m-1"}],
    }
    created = client.post(f"{ALICE}/mailFolders/drafts/messages", json=draft).json()
    expand = f"singleValueExtendedProperties($filter=id eq '{KEY}')"

    plain = client.get(f"{ALICE}/messages/{created['id']}").json()
    expanded = client.get(f"{ALICE}/messages/{created['id']}", params={"$expand": expand}).json()

    assert "singleValueExtendedProperties" not in plain
    assert expanded["singleValueExtendedProperties"] == [{"id": KEY, "value": "m-1"}]
