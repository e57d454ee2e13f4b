"""The OAuth 2.0 JWT bearer grant of the Salesforce stand-in: RS256 assertions
checked against the connected app's certificate, refused with Salesforce's
error pairs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from sandbox.ids import salesforce_id
from tests.unit.test_sandbox_salesforce_helpers import (
    API,
    BASE_URL,
    CLIENT_ID,
    NOW,
    Org,
    make_org,
    user,
)

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
IDA = user(1, "Ida", "Integration")
KIM = user(2, "Kim", "Kam")
LEFT = {**user(3, "Lea", "Left"), "IsActive": False}


@dataclass(frozen=True)
class ConnectedAppKey:
    """A private key and the self-signed certificate uploaded to the connected app."""

    private_key_pem: bytes
    certificate_pem: bytes


def connected_app_key(common_name: str = "kamsync") -> ConnectedAppKey:
    """A fresh 2048-bit RSA key and a self-signed certificate for it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2026, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2036, 1, 1, tzinfo=UTC))
        .sign(key, hashes.SHA256())
    )
    return ConnectedAppKey(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        certificate.public_bytes(serialization.Encoding.PEM),
    )


@pytest.fixture(scope="module")
def app_key() -> ConnectedAppKey:
    return connected_app_key()


@pytest.fixture
def org(tmp_path: Path, app_key: ConnectedAppKey) -> Iterator[Org]:
    org = make_org(
        tmp_path, {"User": [IDA, KIM, LEFT]}, jwt_certificate_pem=app_key.certificate_pem
    )
    yield org
    org.store.close()


def assertion(key: ConnectedAppKey, **claims: Any) -> str:
    """An RS256 assertion for Kim, valid for 3 minutes from the org's "now"; `claims` override."""
    payload = {
        "iss": CLIENT_ID,
        "sub": KIM["Username"],
        "aud": "https://login.salesforce.com",
        "exp": int((NOW + timedelta(minutes=3)).timestamp()),
        **claims,
    }
    return jwt.encode(payload, key.private_key_pem, algorithm="RS256")


def exchange(org: Org, signed: str) -> tuple[int, dict[str, Any]]:
    response = org.client.post(
        "/services/oauth2/token", data={"grant_type": JWT_BEARER, "assertion": signed}
    )
    return response.status_code, dict(response.json())


def test_a_valid_assertion_gets_a_token_for_its_subject(org: Org, app_key: ConnectedAppKey) -> None:
    status, answer = exchange(org, assertion(app_key))
    assert status == 200
    assert set(answer) == {"access_token", "scope", "instance_url", "id", "token_type"}
    assert answer["instance_url"] == BASE_URL
    assert answer["id"].endswith(f"/{salesforce_id('User', 2)}")
    headers = {"Authorization": f"Bearer {answer['access_token']}"}
    created = org.client.post(f"{API}/sobjects/Account", json={"Name": "Fabrikam"}, headers=headers)
    account = org.client.get(f"{API}/sobjects/Account/{created.json()['id']}", headers=headers)
    assert account.json()["CreatedById"] == salesforce_id("User", 2)


@pytest.mark.parametrize(
    "audience", ["https://login.salesforce.com", "https://test.salesforce.com/", BASE_URL]
)
def test_salesforce_login_hosts_and_the_sandbox_itself_are_valid_audiences(
    org: Org, app_key: ConnectedAppKey, audience: str
) -> None:
    assert exchange(org, assertion(app_key, aud=audience))[0] == 200


def test_an_expiry_sent_as_text_is_read_like_a_number(org: Org, app_key: ConnectedAppKey) -> None:
    """simple-salesforce sends `exp` as a string of seconds."""
    expiry = str(int((NOW + timedelta(minutes=3)).timestamp()))
    assert exchange(org, assertion(app_key, exp=expiry))[0] == 200


@pytest.mark.parametrize(
    ("claims", "error", "description"),
    [
        ({"iss": "someone-else"}, "invalid_client_id", "client identifier invalid"),
        ({"aud": "https://evil.example.com"}, "invalid_grant", "audience is invalid"),
        (
            {"exp": int((NOW - timedelta(seconds=1)).timestamp())},
            "invalid_grant",
            "expired authorization code",
        ),
        ({"sub": "nobody@example.com"}, "invalid_grant", "user hasn't approved this consumer"),
        ({"sub": LEFT["Username"]}, "invalid_grant", "user hasn't approved this consumer"),
    ],
    ids=["issuer", "audience", "expired", "unknown-user", "inactive-user"],
)
def test_bad_claims_are_refused_with_salesforce_errors(
    org: Org, app_key: ConnectedAppKey, claims: dict[str, Any], error: str, description: str
) -> None:
    status, answer = exchange(org, assertion(app_key, **claims))
    assert (status, answer) == (400, {"error": error, "error_description": description})


def test_assertions_not_signed_by_the_app_key_are_invalid(
    org: Org, app_key: ConnectedAppKey
) -> None:
    stranger = connected_app_key("stranger")
    shared_secret = jwt.encode(
        {"iss": CLIENT_ID, "sub": KIM["Username"], "aud": BASE_URL, "exp": NOW.timestamp() + 60},
        "a-shared-secret-that-is-long-enough-for-hs256",
        algorithm="HS256",
    )
    for signed in (assertion(stranger), shared_secret, "not.a.jwt"):
        assert exchange(org, signed) == (
            400,
            {"error": "invalid_grant", "error_description": "invalid assertion"},
        )


def test_without_a_certificate_the_grant_is_not_offered(tmp_path: Path) -> None:
    org = make_org(tmp_path, {"User": [IDA, KIM]})
    status, answer = exchange(org, assertion(connected_app_key()))
    assert (status, answer["error"]) == (400, "unsupported_grant_type")
    org.store.close()
