"""The Entra app's credential as msal takes it: a client secret or a certificate.

With a certificate, msal signs each client assertion with the private key and
names the certificate by its SHA-256 thumbprint (PS256, `x5t#S256`, as Microsoft
now recommends); the key may sit in its own PEM file or after the certificate
in one combined PEM. Files are checked up front, so a missing file or a key that
belongs to another certificate is a config error naming the key, not a refusal
from Entra.
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
    """The secret, or the certificate credential read from the configured files."""
    if settings.client_certificate_file is None:
        if settings.client_secret is None:
            raise ConnectorConfigError("[m365] needs client_secret or client_certificate_file")
        return settings.client_secret.get_secret_value()
    return certificate_credential(
        settings.client_certificate_file, settings.client_private_key_file
    )


def certificate_credential(certificate_file: Path, key_file: Path | None) -> CertificateCredential:
    """Load and cross-check a PEM certificate and its RSA private key."""
    certificate_pem = _read(certificate_file, "client_certificate_file")
    try:
        certificate = x509.load_pem_x509_certificates(certificate_pem)[0]
    except ValueError:
        raise ConnectorConfigError(
            f"[m365] client_certificate_file {certificate_file}: holds no PEM certificate"
        ) from None
    key_name = "client_private_key_file" if key_file else "client_certificate_file"
    key_path = key_file or certificate_file
    key_pem = _read(key_path, key_name) if key_file else certificate_pem
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        raise ConnectorConfigError(
            f"[m365] {key_name} {key_path}: holds no unencrypted PEM private key"
        ) from None
    if not isinstance(key, RSAPrivateKey):
        raise ConnectorConfigError(f"[m365] {key_name} {key_path}: Entra needs an RSA key")
    if _spki(key.public_key()) != _spki(certificate.public_key()):
        raise ConnectorConfigError(
            f"[m365] {key_name} {key_path}: this private key does not belong to the "
            f"certificate in client_certificate_file {certificate_file}"
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
