"""Mailbox settings: Exchange's defaults, one property, and PATCH merges."""

from __future__ import annotations

import pytest

from tests.unit.test_sandbox_graph_support import (
    TENANT_DOMAIN,
    TestClient,
)

SETTINGS = f"/v1.0/users/alice@{TENANT_DOMAIN}/mailboxSettings"


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


def test_defaults_and_one_property(client: TestClient) -> None:
    settings = client.get(SETTINGS).json()
    zone = client.get(f"{SETTINGS}/timeZone").json()
    hours = client.get(f"{SETTINGS}/workingHours").json()
    unknown = client.get(f"{SETTINGS}/favouriteColour")

    assert settings["timeZone"] == "UTC" and settings["language"]["locale"] == "en-US"
    assert settings["automaticRepliesSetting"]["status"] == "disabled"
    assert zone["value"] == "UTC" and zone["@odata.context"].endswith("/mailboxSettings/timeZone")
    assert hours["startTime"] == "08:00:00.0000000"
    assert unknown.status_code == 400


def test_patch_merges_and_checks(client: TestClient) -> None:
    changed = client.patch(SETTINGS, json={"timeZone": "W. Europe Standard Time"})
    bad_zone = client.patch(SETTINGS, json={"timeZone": "Mars/Olympus"})
    read_only = client.patch(SETTINGS, json={"userPurpose": "shared"})

    assert changed.json()["timeZone"] == "W. Europe Standard Time"
    assert client.get(SETTINGS).json()["timeZone"] == "W. Europe Standard Time"
    assert client.get(SETTINGS).json()["dateFormat"] == "M/d/yyyy"
    assert bad_zone.status_code == read_only.status_code == 400
