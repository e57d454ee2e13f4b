"""The real simple-salesforce client against the stand-in over HTTPS: the
server runs under uvicorn in a thread with a trustme CA, and requests trusts
it through REQUESTS_CA_BUNDLE (system roots + the CA)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest
import requests
import trustme
import uvicorn
from simple_salesforce import Salesforce, SalesforceExpiredSession, SFType
from starlette.applications import Starlette

from sandbox.salesforce import create_app, load_seed
from sandbox.state import DocStore
from tests.unit.test_sandbox_salesforce_helpers import CLIENT_ID, CLIENT_SECRET, record, user

SYSTEM_ROOTS = Path("/etc/ssl/certs/ca-certificates.crt")
ACCOUNTS = 450


@dataclass
class LiveSandbox:
    url: str
    token: str


def _serve(app: Starlette, tmp_path: Path) -> tuple[uvicorn.Server, threading.Thread, str]:
    """Start uvicorn with TLS on a free port; returns the server, its thread and CA bundle."""
    ca = trustme.CA()
    certificate = ca.issue_cert("127.0.0.1")
    cert_file, key_file, bundle = (tmp_path / name for name in ("cert.pem", "key.pem", "ca.pem"))
    certificate.private_key_pem.write_to_path(str(key_file))
    for blob in certificate.cert_chain_pems:
        blob.write_to_path(str(cert_file), append=True)
    bundle.write_bytes(SYSTEM_ROOTS.read_bytes() + b"\n" + ca.cert_pem.bytes())
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        ssl_certfile=str(cert_file),
        ssl_keyfile=str(key_file),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    return server, thread, str(bundle)


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


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveSandbox]:
    store = DocStore(tmp_path / "salesforce.db")
    accounts = [record("Account", n, Name=f"Account {n:04d}") for n in range(1, ACCOUNTS + 1)]
    load_seed(store, {"User": [user(1, "Ida", "Integration")], "Account": accounts})
    server, thread, bundle = _serve(
        create_app(store, client_id=CLIENT_ID, client_secret=CLIENT_SECRET), tmp_path
    )
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", bundle)
    port = server.servers[0].sockets[0].getsockname()[1]
    url = f"https://127.0.0.1:{port}"
    token = _log_in(url)
    assert token["instance_url"] == url
    yield LiveSandbox(url, token["access_token"])
    server.should_exit = True
    thread.join(timeout=10)
    assert not thread.is_alive(), "uvicorn did not stop"
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
