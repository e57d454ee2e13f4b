"""The OAuth 2.0 JWT bearer grant: an RS256 assertion signed with the connected
app's private key, checked against the X.509 certificate uploaded to the app.

Refusals carry Salesforce's error pairs: `invalid_client_id` for an unknown
issuer, `invalid_grant` with "invalid assertion" (unreadable or badly signed),
"audience is invalid" or "expired authorization code". Salesforce documents
`exp` as at most 3 minutes ahead but accepts later ones (the Salesforce CLI
sends milliseconds there), so only an `exp` in the past is refused.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
#: Audiences Salesforce accepts from any org (production and sandbox login hosts).
SALESFORCE_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")


class GrantRefused(Exception):
    """A token request refused with an OAuth error and its description (HTTP 400)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


def certificate_key(certificate_pem: bytes) -> RSAPublicKey:
    """The RSA public key of a PEM certificate (ValueError if it is not one)."""
    key = x509.load_pem_x509_certificate(certificate_pem).public_key()
    if not isinstance(key, RSAPublicKey):
        raise ValueError("the connected app certificate must hold an RSA key (RS256)")
    return key


class JwtBearerCheck:
    """Checks assertions for one connected app (consumer key + certificate)."""

    def __init__(self, client_id: str, certificate_pem: bytes) -> None:
        self._client_id = client_id
        self._key = certificate_key(certificate_pem)

    def subject(self, assertion: str, audiences: Collection[str], now: float) -> str:
        """The username (`sub`) of a valid assertion, or GrantRefused."""
        try:
            claims: dict[str, Any] = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise GrantRefused("invalid_grant", "invalid assertion") from None
        if claims.get("iss") != self._client_id:
            raise GrantRefused("invalid_client_id", "client identifier invalid")
        try:
            jwt.decode(
                assertion,
                self._key,
                algorithms=["RS256"],
                options={"verify_exp": False, "verify_aud": False, "verify_iat": False},
            )
        except jwt.PyJWTError:
            raise GrantRefused("invalid_grant", "invalid assertion") from None
        if not _audience_ok(claims.get("aud"), audiences):
            raise GrantRefused("invalid_grant", "audience is invalid")
        if _expiry(claims.get("exp")) <= now:
            raise GrantRefused("invalid_grant", "expired authorization code")
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise GrantRefused("invalid_grant", "invalid assertion")
        return subject


def _audience_ok(audience: object, accepted: Collection[str]) -> bool:
    wanted = {url.rstrip("/") for url in accepted}
    named = audience if isinstance(audience, list) else [audience]
    return any(isinstance(url, str) and url.rstrip("/") in wanted for url in named)


def _expiry(exp: object) -> float:
    """`exp` as epoch seconds (numbers or numeric strings, as simple-salesforce sends)."""
    if isinstance(exp, bool) or not isinstance(exp, int | float | str):
        raise GrantRefused("invalid_grant", "invalid assertion")
    try:
        return float(exp)
    except ValueError:
        raise GrantRefused("invalid_grant", "invalid assertion") from None
