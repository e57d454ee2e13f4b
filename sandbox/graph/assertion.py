"""Certificate credentials: the client assertion msal signs with the app's certificate key.

Entra's private_key_jwt: a JWT (PS256 with `x5t#S256`, or the older RS256 with
`x5t`) whose `iss` and `sub` are the client id and whose `aud` is the tenant's
token endpoint. The thumbprint picks the registered certificate; a token signed
by another key, aimed elsewhere or outside its `nbf`..`exp` window is refused
with Entra's `invalid_client` AADSTS codes. A `jti` may be presented again:
msal reuses one assertion for up to nine minutes, and Entra accepts that.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Collection
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: Clock skew tolerated on `nbf` and `exp`, as Entra's five minutes.
CLOCK_SKEW_SECONDS = 300
_DOCS = (
    "Review the documentation at "
    "https://learn.microsoft.com/entra/identity-platform/certificate-credentials ."
)


class AssertionRefused(Exception):
    """A refused assertion: AADSTS number and description (always `invalid_client`, 401)."""

    def __init__(self, number: int, description: str) -> None:
        super().__init__(f"AADSTS{number}: {description}")
        self.number = number
        self.description = description


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CertificateCredential:
    """One certificate registered on the app (its public key and both thumbprints)."""

    def __init__(self, certificate_pem: bytes) -> None:
        certificate = x509.load_pem_x509_certificate(certificate_pem)
        key = certificate.public_key()
        if not isinstance(key, RSAPublicKey):
            raise ValueError("the Graph app certificate must hold an RSA key")
        der = certificate.public_bytes(serialization.Encoding.DER)
        self.key = key
        self.x5t = _b64url(hashlib.sha1(der).digest())  # Entra's legacy x5t
        self.x5t_s256 = _b64url(hashlib.sha256(der).digest())

    def matches(self, header: dict[str, Any]) -> bool:
        """Whether the header's thumbprint (`x5t#S256` first, else `x5t`) names this cert.

        msal keeps the base64 `=` padding on thumbprints; Entra accepts either form.
        """
        if "x5t#S256" in header:
            return str(header["x5t#S256"]).rstrip("=") == self.x5t_s256
        return str(header.get("x5t", "")).rstrip("=") == self.x5t


@lru_cache(maxsize=8)
def registered_certificate(certificate_pem: bytes) -> CertificateCredential:
    """The parsed credential of a PEM certificate (parsed once per process)."""
    return CertificateCredential(certificate_pem)


def check_assertion(
    assertion: str,
    client_id: str,
    credentials: Collection[CertificateCredential],
    audiences: Collection[str],
    now: float,
) -> None:
    """Accept a client assertion for `client_id`, or raise AssertionRefused."""
    header, claims, signing_input, signature = _parse(assertion)
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        raise AssertionRefused(
            700021, "Client assertion application identifier doesn't match 'client_id' parameter."
        )
    credential = next((c for c in credentials if c.matches(header)), None)
    if credential is None:
        thumbprint = header.get("x5t#S256") or header.get("x5t") or ""
        raise AssertionRefused(
            700027,
            "The certificate with identifier used to sign the client assertion is not "
            f"registered on application. [Reason - The key was not found., Thumbprint of key "
            f"used by client: '{_hex(thumbprint)}', Please visit the Azure Portal, Graph "
            f"Explorer or directly use MS Graph to see configured keys for app Id '{client_id}'.]",
        )
    if not _signature_ok(credential.key, header.get("alg"), signing_input, signature):
        raise AssertionRefused(
            700027,
            "Client assertion failed signature validation. (Reason: The key was found but use "
            "of the key to verify the signature failed.)",
        )
    wanted = {url.rstrip("/").lower() for url in audiences}
    audience = claims.get("aud")
    if not isinstance(audience, str) or audience.rstrip("/").lower() not in wanted:
        raise AssertionRefused(
            700023, f"Client assertion audience claim does not match Realm issuer. {_DOCS}"
        )
    _check_lifetime(claims, now)


def _parse(assertion: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    try:
        head, body, signature = assertion.split(".")
        header = json.loads(_unb64url(head))
        claims = json.loads(_unb64url(body))
        raw_signature = _unb64url(signature)
    except ValueError:
        raise AssertionRefused(50027, "JWT token is invalid or malformed.") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise AssertionRefused(50027, "JWT token is invalid or malformed.")
    return header, claims, f"{head}.{body}".encode(), raw_signature


def _signature_ok(key: RSAPublicKey, alg: object, signing_input: bytes, signature: bytes) -> bool:
    if alg == "PS256":
        pad: padding.AsymmetricPadding = padding.PSS(
            mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO
        )
    elif alg == "RS256":
        pad = padding.PKCS1v15()
    else:
        return False
    try:
        key.verify(signature, signing_input, pad, hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def _check_lifetime(claims: dict[str, Any], now: float) -> None:
    expires, not_before = _epoch(claims.get("exp")), _epoch(claims.get("nbf", 0))
    if now - CLOCK_SKEW_SECONDS < expires and not_before <= now + CLOCK_SKEW_SECONDS:
        return
    raise AssertionRefused(
        700024,
        f"Client assertion is not within its valid time range. Current time: {_iso(now)}, "
        f"assertion valid from {_iso(not_before)}, expiry time of assertion {_iso(expires)}. "
        + _DOCS,
    )


def _epoch(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AssertionRefused(50027, "JWT token is invalid or malformed.")
    return float(value)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


def _hex(thumbprint: object) -> str:
    try:
        return _unb64url(str(thumbprint)).hex().upper()
    except ValueError:
        return str(thumbprint)
