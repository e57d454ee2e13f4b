"""The sandbox's own certificate authority and connected-app key pair, kept in the state dir.

Clients trust the sandbox through `ca-bundle.pem`: the roots this machine
already trusts plus the sandbox CA, so the same bundle also reaches real hosts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import certifi
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

HOSTS = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class TlsFiles:
    cert_chain: Path
    private_key: Path
    ca_bundle: Path


def ensure_tls(state_dir: Path) -> TlsFiles:
    """Load (or create on first start) the CA, and issue the server certificate."""
    ca_cert, ca_key = state_dir / "ca.pem", state_dir / "ca-key.pem"
    if ca_cert.exists() and ca_key.exists():
        ca = trustme.CA.from_pem(ca_cert.read_bytes(), ca_key.read_bytes())
    else:
        ca = trustme.CA(organization_name="kamsync sandbox")
        ca_key.write_bytes(ca.private_key_pem.bytes())
        ca_key.chmod(0o600)
        ca_cert.write_bytes(ca.cert_pem.bytes())
    server = ca.issue_cert(*HOSTS)
    chain, key = state_dir / "server-chain.pem", state_dir / "server-key.pem"
    chain.write_bytes(b"".join(blob.bytes() for blob in server.cert_chain_pems))
    key.write_bytes(server.private_key_pem.bytes())
    key.chmod(0o600)
    bundle = state_dir / "ca-bundle.pem"
    bundle.write_bytes(_system_roots(exclude=bundle) + b"\n" + ca.cert_pem.bytes())
    return TlsFiles(chain, key, bundle)


def _system_roots(exclude: Path) -> bytes:
    """The roots requests trusts here today (its env override, else certifi's)."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        path = os.environ.get(name)
        if path and Path(path).is_file() and Path(path).resolve() != exclude.resolve():
            return Path(path).read_bytes()
    return Path(certifi.where()).read_bytes()


@dataclass(frozen=True)
class JwtKeys:
    """The connected app's certificate (given to the stand-in) and its private key (to clients)."""

    private_key: Path
    certificate_pem: bytes


def ensure_jwt_keys(state_dir: Path) -> JwtKeys:
    """An RSA key and self-signed certificate for the JWT bearer flow, made on first start."""
    key_file, cert_file = state_dir / "jwt-private-key.pem", state_dir / "jwt-certificate.pem"
    _ensure_key_and_certificate(key_file, cert_file, "kamsync sandbox connected app")
    return JwtKeys(key_file, cert_file.read_bytes())


@dataclass(frozen=True)
class GraphAppCertificate:
    """The Graph app's certificate (registered with the stand-in) and its private key."""

    certificate_file: Path
    private_key_file: Path

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate_file.read_bytes()


def ensure_graph_app_certificate(state_dir: Path) -> GraphAppCertificate:
    """An RSA key and self-signed certificate for the Graph app's client assertions."""
    key_file = state_dir / "graph-app-private-key.pem"
    cert_file = state_dir / "graph-app-certificate.pem"
    _ensure_key_and_certificate(key_file, cert_file, "kamsync sandbox Graph app")
    return GraphAppCertificate(cert_file, key_file)


def _ensure_key_and_certificate(key_file: Path, cert_file: Path, common_name: str) -> None:
    """Write a 2048-bit RSA key (PKCS#8, mode 600) and a 10-year self-signed certificate."""
    if key_file.exists() and cert_file.exists():
        return
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_file.chmod(0o600)
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
