"""kamsync signs in to the Graph stand-in with a certificate (msal client assertion)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from config.settings import M365Settings, Settings
from connectors.errors import ConnectorConfigError
from connectors.m365 import GraphClient, read_messages
from sandbox.tls import ensure_graph_app_certificate
from tests.integration.m365_helpers import first_kam

pytestmark = pytest.mark.integration


def _with_certificate(settings: Settings, certificate: Path, key: Path | None) -> M365Settings:
    update = {
        "client_secret": None,
        "client_certificate_file": certificate,
        "client_private_key_file": key,
    }
    return settings.m365.model_copy(update=update)


@pytest.fixture
def certificate_settings(sandbox: dict[str, Any], sandbox_settings: Settings) -> M365Settings:
    """The sandbox's settings with its Graph app certificate instead of the secret."""
    graph = sandbox["graph"]
    certificate, key = Path(graph["certificate_file"]), Path(graph["private_key_file"])
    return _with_certificate(sandbox_settings, certificate, key)


def test_signs_in_with_the_certificate_and_reads_a_mailbox(
    certificate_settings: M365Settings, sandbox_settings: Settings
) -> None:
    graph = GraphClient(certificate_settings)

    connection = graph.account.con
    assert connection.auth[1] == "", "no secret is handed to O365"
    assert set(connection._client_credential) == {"private_key", "public_certificate"}
    kam = first_kam(sandbox_settings)
    batches = list(read_messages(graph, kam, "inbox", None, timedelta(days=365)))
    assert sum(len(batch.messages) for batch in batches) > 0


def test_expired_token_is_renewed_with_the_certificate(
    certificate_settings: M365Settings, sandbox_settings: Settings
) -> None:
    graph = GraphClient(certificate_settings)
    user = graph.user_path(first_kam(sandbox_settings))
    assert graph.get(user)["id"]

    expire = str(certificate_settings.graph_url).rstrip("/") + "/_sandbox/graph/tokens/expire"
    requests.post(expire, timeout=10).raise_for_status()

    assert graph.get(user)["id"]
    assert graph.renewals == 1


def test_combined_pem_holds_certificate_and_key(
    sandbox: dict[str, Any], sandbox_settings: Settings, tmp_path: Path
) -> None:
    graph = sandbox["graph"]
    combined = tmp_path / "app.pem"
    combined.write_bytes(
        Path(graph["certificate_file"]).read_bytes() + Path(graph["private_key_file"]).read_bytes()
    )

    client = GraphClient(_with_certificate(sandbox_settings, combined, None))

    assert client.get(client.user_path(first_kam(sandbox_settings)))["id"]


def test_key_of_another_certificate_is_a_clear_config_error(
    sandbox: dict[str, Any], sandbox_settings: Settings, tmp_path: Path
) -> None:
    other = ensure_graph_app_certificate(tmp_path)
    certificate = Path(sandbox["graph"]["certificate_file"])
    settings = _with_certificate(sandbox_settings, certificate, other.private_key_file)

    with pytest.raises(ConnectorConfigError, match=r"client_private_key_file .* does not belong"):
        GraphClient(settings)


def test_missing_key_file_names_the_file_and_the_key(
    sandbox: dict[str, Any], sandbox_settings: Settings, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.key"
    certificate = Path(sandbox["graph"]["certificate_file"])
    settings = _with_certificate(sandbox_settings, certificate, missing)

    with pytest.raises(ConnectorConfigError, match=rf"client_private_key_file {missing}: cannot"):
        GraphClient(settings)


def test_certificate_not_uploaded_to_the_app_is_refused_by_entra(
    sandbox_settings: Settings, tmp_path: Path
) -> None:
    other = ensure_graph_app_certificate(tmp_path)
    settings = _with_certificate(sandbox_settings, other.certificate_file, other.private_key_file)

    with pytest.raises(ConnectorConfigError, match="AADSTS700027") as refused:
        GraphClient(settings)
    assert "client_certificate_file" in str(refused.value)
