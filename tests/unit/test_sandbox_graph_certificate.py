"""Certificate credentials at the Entra stand-in: client assertions signed by the app's key."""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from sandbox.graph.assertion import JWT_BEARER
from sandbox.tls import GraphAppCertificate, ensure_graph_app_certificate
from tests.unit.test_sandbox_graph_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    GRAPH_SCOPE,
    TENANT_DOMAIN,
    TENANT_ID,
    TestClient,
    seeded_app,
)

TOKEN_PATH = f"/{TENANT_ID}/oauth2/v2.0/token"
AUDIENCE = f"http://testserver{TOKEN_PATH}"


@pytest.fixture(scope="module")
def app_cert(tmp_path_factory: pytest.TempPathFactory) -> GraphAppCertificate:
    return ensure_graph_app_certificate(tmp_path_factory.mktemp("app-cert"))


@pytest.fixture(scope="module")
def other_cert(tmp_path_factory: pytest.TempPathFactory) -> GraphAppCertificate:
    return ensure_graph_app_certificate(tmp_path_factory.mktemp("other-cert"))


@pytest.fixture
def client(tmp_path: Path, app_cert: GraphAppCertificate) -> Iterator[TestClient]:
    app, store = seeded_app(tmp_path, client_certificate_pem=app_cert.certificate_pem)
    with TestClient(app) as test_client:
        yield test_client
    store.close()


def _thumbprint(cert: GraphAppCertificate, digest: str) -> str:
    certificate = x509.load_pem_x509_certificate(cert.certificate_pem)
    der = certificate.public_bytes(serialization.Encoding.DER)
    return base64.urlsafe_b64encode(hashlib.new(digest, der).digest()).decode().rstrip("=")


def _assertion(
    signer: GraphAppCertificate,
    named: GraphAppCertificate,
    *,
    alg: str = "PS256",
    **claims: Any,
) -> str:
    """An assertion as msal 1.39 builds it: signed by `signer`, thumbprint of `named`."""
    now = time.time()
    payload = {
        "aud": AUDIENCE,
        "iss": CLIENT_ID,
        "sub": CLIENT_ID,
        "exp": now + 600,
        "iat": now,
        "jti": str(uuid.uuid4()),
    } | claims
    headers = {"x5t": _thumbprint(named, "sha1")}
    if alg == "PS256":  # msal keeps the base64 padding here
        headers["x5t#S256"] = _thumbprint(named, "sha256") + "="
    return jwt.encode(payload, signer.private_key_file.read_bytes(), alg, headers)


def _token_request(client: TestClient, assertion: str) -> Any:
    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_assertion_type": JWT_BEARER,
        "client_assertion": assertion,
        "scope": GRAPH_SCOPE,
    }
    return client.post(TOKEN_PATH, data=form)


def _refusal(response: Any, number: int) -> str:
    body = response.json()
    assert response.status_code == 401, body
    assert body["error"] == "invalid_client"
    assert body["error_codes"] == [number]
    description: str = body["error_description"]
    assert description.startswith(f"AADSTS{number}: ")
    return description


@pytest.mark.parametrize("alg", ["PS256", "RS256"])
def test_assertion_signed_by_the_app_key_gets_a_token_that_graph_accepts(
    client: TestClient, app_cert: GraphAppCertificate, alg: str
) -> None:
    response = _token_request(client, _assertion(app_cert, app_cert, alg=alg))

    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    me = client.get("/v1.0/users", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200


@pytest.mark.parametrize("tenant", [TENANT_ID, TENANT_DOMAIN])
def test_token_endpoint_by_id_or_domain_are_both_valid_audiences(
    client: TestClient, app_cert: GraphAppCertificate, tenant: str
) -> None:
    audience = f"http://testserver/{tenant}/oauth2/v2.0/token"
    response = _token_request(client, _assertion(app_cert, app_cert, aud=audience))

    assert response.status_code == 200, response.text


def test_the_same_assertion_is_accepted_twice_as_msal_reuses_it(
    client: TestClient, app_cert: GraphAppCertificate
) -> None:
    assertion = _assertion(app_cert, app_cert)

    assert _token_request(client, assertion).status_code == 200
    assert _token_request(client, assertion).status_code == 200


def test_wrong_key_with_the_registered_thumbprint_fails_signature_validation(
    client: TestClient, app_cert: GraphAppCertificate, other_cert: GraphAppCertificate
) -> None:
    response = _token_request(client, _assertion(other_cert, app_cert))

    assert "failed signature validation" in _refusal(response, 700027)


@pytest.mark.parametrize("alg", ["PS256", "RS256"])
def test_unregistered_certificate_is_named_by_its_thumbprint(
    client: TestClient, app_cert: GraphAppCertificate, other_cert: GraphAppCertificate, alg: str
) -> None:
    response = _token_request(client, _assertion(other_cert, other_cert, alg=alg))

    description = _refusal(response, 700027)
    assert "not registered on application" in description
    digest = "sha256" if alg == "PS256" else "sha1"
    certificate = x509.load_pem_x509_certificate(other_cert.certificate_pem)
    der = certificate.public_bytes(serialization.Encoding.DER)
    assert hashlib.new(digest, der).hexdigest().upper() in description


def test_assertion_for_another_audience_is_refused(
    client: TestClient, app_cert: GraphAppCertificate
) -> None:
    audience = "https://login.microsoftonline.com/common/oauth2/v2.0/token"
    response = _token_request(client, _assertion(app_cert, app_cert, aud=audience))

    assert "audience claim does not match" in _refusal(response, 700023)


def test_expired_assertion_is_refused_beyond_the_clock_skew(
    client: TestClient, app_cert: GraphAppCertificate
) -> None:
    past = time.time() - 3600
    expired = _assertion(app_cert, app_cert, iat=past, nbf=past, exp=past + 600)
    slightly_late = _assertion(app_cert, app_cert, exp=time.time() - 60)

    assert "not within its valid time range" in _refusal(_token_request(client, expired), 700024)
    assert _token_request(client, slightly_late).status_code == 200


def test_assertion_not_yet_valid_is_refused(
    client: TestClient, app_cert: GraphAppCertificate
) -> None:
    future = time.time() + 3600
    early = _assertion(app_cert, app_cert, nbf=future, exp=future + 600)

    _refusal(_token_request(client, early), 700024)


def test_assertion_issued_for_another_client_is_refused(
    client: TestClient, app_cert: GraphAppCertificate
) -> None:
    other = str(uuid.uuid4())
    response = _token_request(client, _assertion(app_cert, app_cert, iss=other, sub=other))

    _refusal(response, 700021)


def test_malformed_assertion_is_refused(client: TestClient) -> None:
    _refusal(_token_request(client, "not-a-jwt"), 50027)


def test_app_without_a_certificate_refuses_assertions_and_keeps_secrets(
    tmp_path: Path, app_cert: GraphAppCertificate
) -> None:
    app, store = seeded_app(tmp_path)
    with TestClient(app) as plain:
        refused = _token_request(plain, _assertion(app_cert, app_cert))
        secret = plain.post(
            TOKEN_PATH,
            data={
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "scope": GRAPH_SCOPE,
            },
        )
    store.close()
    _refusal(refused, 700027)
    assert secret.status_code == 200
