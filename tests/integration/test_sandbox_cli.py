"""`kamsync sandbox up` as a contract: its JSON line, its state dir, its failures."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce
from typer.testing import CliRunner

from config.loader import load_settings
from flows.cli import app
from flows.demo import SandboxProcess

pytestmark = pytest.mark.integration


def test_handoff_line_is_enough_for_any_client(
    sandbox: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert set(sandbox) == {"salesforce", "graph", "ca_bundle", "config"}
    sf, graph = sandbox["salesforce"], sandbox["graph"]
    assert set(sf) == {
        "login_url", "instance_url", "api_version", "client_id", "client_secret",
        "username", "password", "private_key_file",
    }  # fmt: skip
    assert set(graph) == {
        "authority_url", "graph_url", "tenant_id", "client_id", "client_secret",
        "certificate_file", "private_key_file",
    }  # fmt: skip
    bundle = Path(sandbox["ca_bundle"]).read_text()
    assert bundle.count("BEGIN CERTIFICATE") > 10, "system roots plus the sandbox CA"
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sandbox["ca_bundle"])
    assert _salesforce(sandbox).query("SELECT COUNT() FROM Account")["totalSize"] > 0
    settings = load_settings(sandbox["config"])
    assert str(settings.salesforce.login_url).rstrip("/") == sf["login_url"]
    assert settings.m365.tenant_id == graph["tenant_id"]


def _salesforce(info: dict[str, Any]) -> Salesforce:
    """simple-salesforce on a token from the client-credentials grant, as the line describes."""
    sf = info["salesforce"]
    token = requests.post(
        f"{sf['login_url']}/services/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": sf["client_id"],
              "client_secret": sf["client_secret"]},
        timeout=10,
    ).json()["access_token"]  # fmt: skip
    return Salesforce(instance_url=sf["instance_url"], session_id=token, version=sf["api_version"])


def _account_names(info: dict[str, Any]) -> set[str]:
    records = _salesforce(info).query_all("SELECT Name FROM Account")["records"]
    return {row["Name"] for row in records}


@contextmanager
def _sandbox(state_dir: Path, reset: bool) -> Iterator[dict[str, Any]]:
    with SandboxProcess(state_dir, "tiny", reset, 0, 0) as process:
        yield process.info


def test_state_survives_a_restart_and_reset_reseeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _sandbox(tmp_path, reset=False) as info:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", info["ca_bundle"])
        _salesforce(info).Account.create({"Name": "Written Before Restart GmbH"})
    with _sandbox(tmp_path, reset=False) as info:
        assert "Written Before Restart GmbH" in _account_names(info)
    with _sandbox(tmp_path, reset=True) as info:
        assert "Written Before Restart GmbH" not in _account_names(info)


def test_demo_says_in_one_line_when_a_port_is_taken(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            app,
            ["demo", "--state-dir", str(tmp_path), "--salesforce-port", str(port),
             "--graph-port", "0"],
        )  # fmt: skip
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert f"port {port} (--salesforce-port) is not free" in lines[0]


def test_without_the_sandbox_extra_sandbox_up_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A worker machine installs the product alone; the stand-ins name what they lack."""
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec",
        lambda name, *a: None if name in ("faker", "lark") else real_find_spec(name, *a),
    )  # fmt: skip
    result = CliRunner().invoke(app, ["sandbox", "up", "--state-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "faker, lark" in result.output
    assert "pip install 'kamsync[sandbox]'" in result.output
    assert not (tmp_path / "kamsync.toml").exists()
