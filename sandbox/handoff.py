"""What `sandbox up` hands to clients: the JSON line and a ready kamsync config."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sandbox.tls import GraphAppCertificate


def handoff_line(
    creds: dict[str, str],
    salesforce_url: str,
    graph_url: str,
    api_version: str,
    ca_bundle: Path,
    config_file: Path,
    jwt_private_key: Path,
    graph_certificate: GraphAppCertificate | None = None,
) -> str:
    """The one JSON line any client can use to talk to the sandbox."""
    graph: dict[str, str] = {
        "authority_url": graph_url,
        "graph_url": graph_url,
        "tenant_id": creds["tenant_id"],
        "client_id": creds["graph_client_id"],
        "client_secret": creds["graph_client_secret"],
    }
    if graph_certificate is not None:
        # The app's certificate credential: the public PEM and its private key (PKCS#8 PEM).
        graph["certificate_file"] = str(graph_certificate.certificate_file.resolve())
        graph["private_key_file"] = str(graph_certificate.private_key_file.resolve())
    return json.dumps(
        {
            "salesforce": {
                "login_url": salesforce_url,
                "instance_url": salesforce_url,
                "api_version": api_version,
                "client_id": creds["salesforce_client_id"],
                "client_secret": creds["salesforce_client_secret"],
                # The integration user, for the JWT bearer and (legacy) password flows.
                "username": creds["salesforce_username"],
                "password": creds["salesforce_password"],
                "private_key_file": str(jwt_private_key.resolve()),
            },
            "graph": graph,
            "ca_bundle": str(ca_bundle.resolve()),
            "config": str(config_file.resolve()),
        }
    )


def write_config(
    state_dir: Path,
    org: dict[str, Any],
    creds: dict[str, str],
    salesforce_url: str,
    graph_url: str,
    ca_bundle: Path,
) -> Path:
    """Write `kamsync.toml` pointing kamsync at this sandbox (rewritten on every start)."""
    kams: list[str] = org["kam_emails"]
    sender = org["managers"][0] if org["managers"] else kams[0]
    store = (state_dir / "kamsync.db").resolve()
    lines = [
        "# Written by `kamsync sandbox up`: kamsync pointed at the local sandbox.",
        "# Rewritten on every start (ports may change); copy it before editing.",
        f"company = {_q(org['company'])}",
        "",
        "[salesforce]",
        f"login_url = {_q(salesforce_url)}",
        'api_version = "59.0"',
        f"client_id = {_q(creds['salesforce_client_id'])}",
        f"client_secret = {_q(creds['salesforce_client_secret'])}",
        "",
        "[m365]",
        f"authority_url = {_q(graph_url)}",
        f"graph_url = {_q(graph_url)}",
        f"tenant_id = {_q(creds['tenant_id'])}",
        f"client_id = {_q(creds['graph_client_id'])}",
        f"client_secret = {_q(creds['graph_client_secret'])}",
        f"mailboxes = {_list(kams)}",
        "",
        "[store]",
        f"url = {_q('sqlite:///' + str(store))}",
        "",
        "[reports]",
        f"drive_user = {_q(sender)}",
        'onedrive_folder = "KAM Reports"',
        f"sender = {_q(sender)}",
        f"recipients = {_list([*org['managers'], *kams])}",
        "",
        "[http]",
        f"ca_bundle = {_q(str(ca_bundle.resolve()))}",
    ]
    path = state_dir / "kamsync.toml"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path


def _q(value: str) -> str:
    return json.dumps(value)


def _list(values: list[str]) -> str:
    return "[" + ", ".join(_q(value) for value in values) + "]"
