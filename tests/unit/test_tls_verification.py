"""TLS is verified on every path kamsync talks to Salesforce and Microsoft Graph.

Each connector signs in to a stand-in served over HTTPS by a throwaway CA: trusted
through REQUESTS_CA_BUNDLE (what `[http] ca_bundle` installs) it works, and the
sessions it uses (simple-salesforce's, O365's, msal's) verify certificates;
with only the system roots it is refused with one message naming the fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pydantic import HttpUrl, SecretStr

from config.settings import M365Settings, SalesforceSettings
from connectors.errors import ConnectorConfigError
from connectors.m365 import GraphClient
from connectors.salesforce import SalesforceClient
from sandbox.salesforce import create_app, load_seed
from sandbox.state import DocStore
from tests.tls_server import SYSTEM_ROOTS, TlsServer, serve_over_tls
from tests.unit.test_sandbox_graph_support import CLIENT_ID as GRAPH_CLIENT_ID
from tests.unit.test_sandbox_graph_support import CLIENT_SECRET as GRAPH_SECRET
from tests.unit.test_sandbox_graph_support import TENANT_ID, seeded_app
from tests.unit.test_sandbox_salesforce_helpers import CLIENT_ID, CLIENT_SECRET, user

ROOT = Path(__file__).resolve().parents[2]
#: Ways Python code turns certificate checks off, or hides that it did.
INSECURE = re.compile(
    r"verify\s*=\s*False|CERT_NONE|check_hostname\s*=\s*False|InsecureRequestWarning"
    r"|disable_warnings|trust_env\s*=\s*False|_create_unverified_context"
)


@pytest.fixture
def salesforce(tmp_path: Path) -> Iterator[TlsServer]:
    store = DocStore(tmp_path / "salesforce.db")
    load_seed(store, {"User": [user(1, "Ida", "Integration")]})
    app = create_app(store, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    (tmp_path / "sf").mkdir()
    with serve_over_tls(app, tmp_path / "sf") as server:
        yield server
    store.close()


@pytest.fixture
def graph(tmp_path: Path) -> Iterator[TlsServer]:
    (tmp_path / "graph").mkdir()
    app, store = seeded_app(tmp_path / "graph")
    with serve_over_tls(app, tmp_path / "graph") as server:
        yield server
    store.close()


def _salesforce_settings(server: TlsServer) -> SalesforceSettings:
    return SalesforceSettings(
        login_url=HttpUrl(server.url),
        client_id=CLIENT_ID,
        client_secret=SecretStr(CLIENT_SECRET),
        timeout_seconds=10,
    )


def _m365_settings(server: TlsServer) -> M365Settings:
    return M365Settings(
        authority_url=HttpUrl(server.url),
        graph_url=HttpUrl(server.url),
        tenant_id=TENANT_ID,
        client_id=GRAPH_CLIENT_ID,
        client_secret=SecretStr(GRAPH_SECRET),
        mailboxes=["kam@example.com"],
        timeout_seconds=10,
    )


def _trust(monkeypatch: pytest.MonkeyPatch, bundle: Path) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(bundle))


def _close_graph(client: GraphClient) -> None:
    """Close every pooled connection: uvicorn waits for open ones when it stops."""
    connection = client.account.con
    for session in (connection.session, connection.naive_session):
        if session is not None:
            session.close()
    if connection._msal_client is not None:
        connection._msal_client.http_client.close()


def test_no_code_path_turns_certificate_checks_off() -> None:
    sources = [
        path
        for folder in ("connectors", "flows", "config", "transforms", "bench")
        for path in (ROOT / folder).rglob("*.py")
    ]
    assert len(sources) > 20
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if INSECURE.search(line)
    ]
    assert found == []


def test_salesforce_session_verifies_against_the_trusted_ca(
    salesforce: TlsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _trust(monkeypatch, salesforce.ca_bundle)
    client = SalesforceClient(_salesforce_settings(salesforce))
    try:
        session = client.sf.session
        assert session.verify is True
        assert session.trust_env is True, "REQUESTS_CA_BUNDLE ([http] ca_bundle) is honoured"
        settings = session.merge_environment_settings(salesforce.url, {}, None, True, None)
        assert settings["verify"] == str(salesforce.ca_bundle)
        assert client.instance_url == salesforce.url
    finally:
        client.sf.session.close()


def test_salesforce_refuses_an_untrusted_certificate_naming_the_fix(
    salesforce: TlsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _trust(monkeypatch, SYSTEM_ROOTS)
    with pytest.raises(ConnectorConfigError) as refused:
        SalesforceClient(_salesforce_settings(salesforce))
    message = str(refused.value)
    assert salesforce.url in message
    assert "certificate" in message and "[http] ca_bundle" in message
    assert CLIENT_SECRET not in message


def test_graph_sessions_verify_against_the_trusted_ca(
    graph: TlsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _trust(monkeypatch, graph.ca_bundle)
    client = GraphClient(_m365_settings(graph))
    try:
        connection = client.account.con
        assert connection.session is not None
        msal_http = connection.msal_client.http_client
        while not isinstance(msal_http, requests.Session):  # msal wraps it for throttling
            msal_http = msal_http.http_client
        for session in (connection.session, msal_http):
            assert session.verify is True
            assert session.trust_env is True
        assert client.get(f"{client.root}/users")["value"]
    finally:
        _close_graph(client)


def test_graph_refuses_an_untrusted_certificate_naming_the_fix(
    graph: TlsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _trust(monkeypatch, SYSTEM_ROOTS)
    with pytest.raises(ConnectorConfigError) as refused:
        GraphClient(_m365_settings(graph))
    message = str(refused.value)
    assert graph.url in message
    assert "certificate" in message and "[http] ca_bundle" in message
    assert GRAPH_SECRET not in message
