"""The real simple-salesforce client against the stand-in over HTTPS: the
server runs under uvicorn in a thread with a trustme CA, and requests trusts
it through REQUESTS_CA_BUNDLE (system roots + the CA).

simple-salesforce's own logins post to https://{domain}.salesforce.com only, so
its JWT login reaches the sandbox through a requests session that forwards
login.salesforce.com there (kamsync's connector logs in itself instead)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce, SalesforceExpiredSession, SFType

from sandbox.salesforce import create_app, load_seed
from sandbox.state import DocStore
from tests.tls_server import serve_over_tls
from tests.unit.test_sandbox_salesforce_helpers import CLIENT_ID, CLIENT_SECRET, record, user
from tests.unit.test_sandbox_salesforce_jwt import ConnectedAppKey, connected_app_key

ACCOUNTS = 450


@dataclass
class LiveSandbox:
    url: str
    token: str


def _log_in(url: str) -> dict[str, str]:
    """The token answer. The response is dropped on return: a response kept alive
    keeps its TLS connection open and uvicorn waits for it when shutting down."""
    response = requests.post(
        f"{url}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
        timeout=10,
    )
    response.raise_for_status()
    return dict(response.json())


@pytest.fixture(scope="module")
def app_key() -> ConnectedAppKey:
    return connected_app_key()


@pytest.fixture
def sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_key: ConnectedAppKey
) -> Iterator[LiveSandbox]:
    store = DocStore(tmp_path / "salesforce.db")
    accounts = [record("Account", n, Name=f"Account {n:04d}") for n in range(1, ACCOUNTS + 1)]
    load_seed(store, {"User": [user(1, "Ida", "Integration")], "Account": accounts})
    app = create_app(
        store,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        jwt_certificate_pem=app_key.certificate_pem,
    )
    with serve_over_tls(app, tmp_path) as server:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_bundle))
        token = _log_in(server.url)
        assert token["instance_url"] == server.url
        yield LiveSandbox(server.url, token["access_token"])
    store.close()


@pytest.fixture
def sf(sandbox: LiveSandbox) -> Iterator[Salesforce]:
    client = Salesforce(instance_url=sandbox.url, session_id=sandbox.token)
    yield client
    client.session.close()


def test_query_all_follows_next_records_url_across_pages(sf: Salesforce) -> None:
    first = sf.query("SELECT Id FROM Account", headers={"Sforce-Query-Options": "batchSize=200"})
    assert (len(first["records"]), first["done"]) == (200, False)
    everything = sf.query_all(
        "SELECT Id, Name FROM Account ORDER BY Name",
        headers={"Sforce-Query-Options": "batchSize=200"},
    )
    names = [row["Name"] for row in everything["records"]]
    assert names == [f"Account {n:04d}" for n in range(1, ACCOUNTS + 1)]
    assert sf.api_usage["api-usage"].used == 1 + 3  # the first query, then three pages


def test_create_update_and_get_through_the_sobject_api(sf: Salesforce) -> None:
    accounts = cast(SFType, sf.Account)
    created = accounts.create({"Name": "Northwind", "Industry": "Retail"})
    assert created["success"] is True
    assert accounts.update(created["id"], {"Industry": "Energy"}) == 204
    account = accounts.get(created["id"])
    assert (account["Name"], account["Industry"]) == ("Northwind", "Energy")
    assert account["attributes"]["type"] == "Account"


def test_an_invalid_session_raises_expired_session(sandbox: LiveSandbox) -> None:
    stranger = Salesforce(instance_url=sandbox.url, session_id="00DKz0000000001!forged")
    with pytest.raises(SalesforceExpiredSession):
        stranger.query("SELECT Id FROM Account")
    stranger.session.close()


def test_upsert_by_external_id_creates_then_updates(sf: Salesforce) -> None:
    accounts = cast(SFType, sf.Account)
    assert accounts.upsert("External_Id__c/NW-1", {"Name": "Northwind"}) == 201
    assert accounts.upsert("External_Id__c/nw-1", {"Industry": "Energy"}) == 200
    account = accounts.get_by_custom_id("External_Id__c", "NW-1")
    assert (account["Name"], account["Industry"]) == ("Northwind", "Energy")


def test_collections_through_restful_count_as_one_call(sf: Salesforce) -> None:
    records = [{"attributes": {"type": "Account"}, "Name": f"Batch {n}"} for n in range(3)]
    results = sf.restful(
        "composite/sobjects", method="POST", json={"allOrNone": True, "records": records}
    )
    assert results is not None and [result["success"] for result in results] == [True] * 3
    assert sf.api_usage["api-usage"].used == 1


class _LoginHostToSandbox(HTTPAdapter):
    """Forwards https://login.salesforce.com requests to the sandbox."""

    def __init__(self, sandbox_url: str) -> None:
        super().__init__()
        self._sandbox_url = sandbox_url

    def send(  # type: ignore[override]  # requests' stubs spell every keyword out
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        request.url = str(request.url).replace("https://login.salesforce.com", self._sandbox_url, 1)
        return super().send(request, *args, **kwargs)


def test_jwt_login_and_transparent_relogin_after_the_session_expires(
    sandbox: LiveSandbox, app_key: ConnectedAppKey, tmp_path: Path
) -> None:
    key_file = tmp_path / "connected-app.key"
    key_file.write_bytes(app_key.private_key_pem)
    session = requests.Session()
    session.mount("https://login.salesforce.com", _LoginHostToSandbox(sandbox.url))
    sf = Salesforce(
        username="ida.integration@example.com",
        consumer_key=CLIENT_ID,
        privatekey_file=str(key_file),
        session=session,
    )
    assert f"https://{sf.sf_instance}" == sandbox.url
    first_session = sf.session_id
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == ACCOUNTS
    expired = requests.post(f"{sandbox.url}/_sandbox/salesforce/tokens/expire", timeout=10)
    assert expired.json() == {"expired": 2}
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == ACCOUNTS
    assert sf.session_id != first_session
    session.close()
