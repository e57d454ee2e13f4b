"""The Entra app's credential as msal takes it: a client secret or a certificate.

With a certificate, msal signs each client assertion with the private key and
names the certificate by its SHA-256 thumbprint (PS256, `x5t#S256`, as Microsoft
now recommends); the key may sit in its own PEM file or after the certificate
in one combined PEM, or both come as PEM text (env, or a Prefect credentials
block, so keys need not be on disk). They are checked up front, so a missing
file or a key that belongs to another certificate is a config error naming the
key, not a refusal from Entra.
"""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from config.settings import M365Settings
from connectors.errors import ConnectorConfigError

#: msal's `client_credential` for a certificate: private_key and public_certificate PEMs.
CertificateCredential = dict[str, str]


def client_credential(settings: M365Settings) -> str | CertificateCredential:
    """The secret, or the certificate credential from PEM text (e.g. a block's) or files."""
    if settings.client_certificate is not None:
        key = settings.client_private_key
        return pem_credential(
            settings.client_certificate.get_secret_value().encode(),
            key.get_secret_value().encode() if key is not None else None,
        )
    if settings.client_certificate_file is None:
        if settings.client_secret is None:
            raise ConnectorConfigError("[m365] needs client_secret or client_certificate_file")
        return settings.client_secret.get_secret_value()
    return certificate_credential(
        settings.client_certificate_file, settings.client_private_key_file
    )


def certificate_credential(certificate_file: Path, key_file: Path | None) -> CertificateCredential:
    """Load and cross-check a PEM certificate file and its RSA private key file."""
    return pem_credential(
        _read(certificate_file, "client_certificate_file"),
        _read(key_file, "client_private_key_file") if key_file else None,
        f"client_certificate_file {certificate_file}",
        f"client_private_key_file {key_file}",
    )


def pem_credential(
    certificate_pem: bytes,
    key_pem: bytes | None,
    certificate_name: str = "client_certificate",
    key_name: str = "client_private_key",
) -> CertificateCredential:
    """Cross-check a PEM certificate and its RSA private key (None: it follows the
    certificate); the names say where each came from in messages."""
    try:
        certificate = x509.load_pem_x509_certificates(certificate_pem)[0]
    except ValueError:
        raise ConnectorConfigError(f"[m365] {certificate_name}: holds no PEM certificate") from None
    if key_pem is None:
        key_pem, key_name = certificate_pem, certificate_name
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        raise ConnectorConfigError(
            f"[m365] {key_name}: holds no unencrypted PEM private key"
        ) from None
    if not isinstance(key, RSAPrivateKey):
        raise ConnectorConfigError(f"[m365] {key_name}: Entra needs an RSA key")
    if _spki(key.public_key()) != _spki(certificate.public_key()):
        raise ConnectorConfigError(
            f"[m365] {key_name}: this private key does not belong to the "
            f"certificate in {certificate_name}"
        )
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = certificate.public_bytes(serialization.Encoding.PEM)
    return {"private_key": private_pem.decode(), "public_certificate": public_pem.decode()}


def _read(path: Path, key: str) -> bytes:
    try:
        return path.expanduser().read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConnectorConfigError(f"[m365] {key} {path}: cannot be read ({reason})") from None


def _spki(key: PublicKeyTypes) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
