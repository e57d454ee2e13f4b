"""Planted secrets and the stand-ins' access tokens never reach anything a run leaves behind.

The sandbox's credentials are random and distinctive: the Salesforce and Graph
client secrets, the user password, the JWT bearer key and the Graph app's
certificate key. After a successful cycle (signed in with both keys), a failed one
(signed in with both secrets, then Graph keeps refusing its token) and a run served
by `kamsync serve`, none of them, nor any token the stand-ins issued, is in stdout,
stderr, the logs, the store, Prefect's database and files, or the workbooks.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from pydantic import SecretStr
from typer.testing import CliRunner

from config.loader import load_settings
from connectors.errors import ConnectorConfigError
from connectors.m365 import GraphClient
from connectors.salesforce import SalesforceClient
from flows.cli import app
from tests.conftest import start_sandbox
from tests.e2e.conftest import Served
from tests.e2e.secret_scan import (
    JWT,
    SALESFORCE_TOKEN,
    find_leaks,
    forms_of,
    issued_graph_fingerprints,
    issued_salesforce_tokens,
    pem_forms,
    texts_under,
    token_leaks,
)

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]

#: Graph keeps refusing every token on the user listing: renewed once, then the run fails.
REFUSE_TOKENS = {"method": "GET", "path": "/users$", "in_batch": False, "status": 401,
                 "code": "InvalidAuthenticationToken", "times": 50}  # fmt: skip


def state_dir(info: dict[str, Any]) -> Path:
    """The sandbox's state folder, which holds its config, credentials and databases."""
    return Path(info["config"]).parent


def planted(info: dict[str, Any]) -> dict[str, set[str]]:
    """What must never leak, each in every form it could be written in."""
    folder = state_dir(info)
    credentials = json.loads((folder / "credentials.json").read_text())
    needles = {
        name: forms_of(credentials[name])
        for name in ("salesforce_client_secret", "graph_client_secret", "salesforce_password")
    }
    needles["the Salesforce JWT key"] = pem_forms((folder / "jwt-private-key.pem").read_text())
    needles["the Graph certificate key"] = pem_forms(
        (folder / "graph-app-private-key.pem").read_text()
    )
    return needles


def assert_nothing_leaked(info: dict[str, Any], texts: dict[str, str]) -> None:
    folder = state_dir(info)
    salesforce_tokens = issued_salesforce_tokens(folder)
    assert salesforce_tokens, "the run signed in to Salesforce"
    leaks = find_leaks(texts, planted(info))
    leaks += token_leaks(texts, salesforce_tokens, issued_graph_fingerprints(folder))
    assert leaks == []


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A tiny sandbox of this module's own: its cycles write To Do tasks and mail."""
    with start_sandbox(tmp_path_factory.mktemp("secrets-sandbox")) as process:
        yield process.info


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where this module's runs keep their store, workbooks and Prefect home."""
    return tmp_path_factory.mktemp("secrets-home")


def run_cycle(info: dict[str, Any], home: Path, config: Path) -> subprocess.CompletedProcess[str]:
    """`kamsync run cycle` as a user starts it, with a Prefect home of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env |= {"PREFECT_HOME": str(home / "prefect"), "REQUESTS_CA_BUNDLE": info["ca_bundle"],
            "KAMSYNC_STORE__URL": f"sqlite:///{home / 'store.db'}",
            "KAMSYNC_REPORTS__LOCAL_DIR": str(home / "out")}  # fmt: skip
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    # A working folder of its own: a token cache written "here" would be scanned too.
    workdir = home / "workdir"
    workdir.mkdir(exist_ok=True)
    command = [sys.executable, "-m", "flows.cli", "run", "cycle", "--config", str(config)]
    return subprocess.run(
        command, env=env, cwd=workdir, capture_output=True, text=True, timeout=600
    )


def key_config(info: dict[str, Any], folder: Path) -> Path:
    """The sandbox's config signing in with keys: Salesforce JWT bearer, a Graph certificate
    (the client secrets stay in the file, unused but loaded)."""
    graph = info["graph"]
    text = Path(info["config"]).read_text()
    salesforce_secret = f"client_secret = {json.dumps(info['salesforce']['client_secret'])}\n"
    graph_secret = f"client_secret = {json.dumps(graph['client_secret'])}\n"
    text = text.replace(
        salesforce_secret,
        salesforce_secret + 'auth = "jwt"\n'
        f"username = {json.dumps(info['salesforce']['username'])}\n"
        f"private_key_file = {json.dumps(info['salesforce']['private_key_file'])}\n",
    )
    text = text.replace(
        graph_secret,
        f"client_certificate_file = {json.dumps(graph['certificate_file'])}\n"
        f"client_private_key_file = {json.dumps(graph['private_key_file'])}\n",
    )
    assert 'auth = "jwt"' in text and graph["client_secret"] not in text, "keys configured"
    config = folder / "kamsync-keys.toml"
    config.write_text(text)
    return config


def run_texts(result: subprocess.CompletedProcess[str], *places: Path) -> dict[str, str]:
    return {"stdout": result.stdout, "stderr": result.stderr} | texts_under(*places)


def graph_token(info: dict[str, Any]) -> str:
    """A token from the Graph stand-in, asked for as any client would."""
    graph = info["graph"]
    form = {"grant_type": "client_credentials", "client_id": graph["client_id"],
            "client_secret": graph["client_secret"],
            "scope": f"{graph['graph_url']}/.default"}  # fmt: skip
    url = f"{graph['authority_url']}/{graph['tenant_id']}/oauth2/v2.0/token"
    answer = requests.post(url, data=form, verify=info["ca_bundle"], timeout=30)
    return str(answer.json()["access_token"])


def salesforce_token(info: dict[str, Any]) -> str:
    """A session id from the Salesforce stand-in (client credentials)."""
    salesforce = info["salesforce"]
    form = {"grant_type": "client_credentials", "client_id": salesforce["client_id"],
            "client_secret": salesforce["client_secret"]}  # fmt: skip
    url = f"{salesforce['login_url']}/services/oauth2/token"
    answer = requests.post(url, data=form, verify=info["ca_bundle"], timeout=30)
    return str(answer.json()["access_token"])


def test_the_scan_finds_planted_secrets_and_issued_tokens(fresh: dict[str, Any]) -> None:
    """The search itself works: the sandbox's own files hold the secrets, and tokens
    acquired with them have the shapes and entries the scan looks for."""
    sandbox_files = texts_under(Path(fresh["config"]), state_dir(fresh) / "credentials.json")
    found = {leak.split(" (")[0] for leak in find_leaks(sandbox_files, planted(fresh))}
    assert {"salesforce_client_secret", "graph_client_secret"} <= found
    log = f"got {graph_token(fresh)} and {salesforce_token(fresh)}"
    assert JWT.search(log) and SALESFORCE_TOKEN.search(log)
    folder = state_dir(fresh)
    leaks = token_leaks(
        {"a log": log}, issued_salesforce_tokens(folder), issued_graph_fingerprints(folder)
    )
    found = {leak.split(" (")[0] for leak in leaks}
    assert found == {"a Salesforce access token", "a Graph access token"}
    in_a_database = texts_under(folder / "salesforce.db")  # the stand-in keeps its tokens
    assert token_leaks(in_a_database, issued_salesforce_tokens(folder), set())


def test_a_cycle_signed_in_with_keys_leaves_no_secret(
    fresh: dict[str, Any], home: Path, tmp_path: Path
) -> None:
    result = run_cycle(fresh, home, key_config(fresh, tmp_path))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert list((home / "out").glob("*.xlsx")), "the cycle wrote its workbook"
    assert (home / "prefect" / "prefect.db").exists(), "the run used this module's Prefect home"
    assert_nothing_leaked(fresh, run_texts(result, home))


def test_a_failed_cycle_leaves_no_secret(fresh: dict[str, Any], home: Path) -> None:
    faults = f"{fresh['graph']['graph_url']}/_sandbox/graph/faults"
    requests.post(faults, json=REFUSE_TOKENS, verify=fresh["ca_bundle"], timeout=30)
    try:
        result = run_cycle(fresh, home, Path(fresh["config"]))
    finally:
        requests.delete(faults, verify=fresh["ca_bundle"], timeout=30)
    assert result.returncode != 0, result.stdout[-3000:]
    assert "InvalidAuthenticationToken" in result.stdout + result.stderr
    assert_nothing_leaked(fresh, run_texts(result, home))


def test_a_refused_secret_is_not_echoed(
    fresh: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrong secret ends the sign-in with a message that names the key, not its value."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", fresh["ca_bundle"])
    settings = load_settings(Path(fresh["config"]))
    wrong = SecretStr("kamsync-planted-" + secrets.token_urlsafe(24))
    refusals = []
    with pytest.raises(ConnectorConfigError) as refused:
        SalesforceClient(settings.salesforce.model_copy(update={"client_secret": wrong}))
    refusals.append(str(refused.value))
    with pytest.raises(ConnectorConfigError) as refused:
        GraphClient(settings.m365.model_copy(update={"client_secret": wrong}))
    refusals.append(str(refused.value))
    assert "client_secret" in refusals[0] and "client_secret" in refusals[1]
    texts = {"the Salesforce refusal": refusals[0], "the Graph refusal": refusals[1]}
    assert find_leaks(texts, {"the wrong secret": forms_of(wrong.get_secret_value())}) == []


def test_config_check_hides_the_store_password(
    fresh: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    password = "kamsync-planted-" + secrets.token_urlsafe(16)
    url = f"postgresql+psycopg://kamsync:{password}@db.example.com:5432/kamsync"
    monkeypatch.setenv("KAMSYNC_STORE__URL", url)
    result = CliRunner().invoke(app, ["config", "check", "--config", fresh["config"]])
    assert result.exit_code == 0, result.output
    assert "kamsync:***@db.example.com" in result.output.replace("\n", "")
    assert find_leaks({"config check": result.output}, {"the password": forms_of(password)}) == []


def _drain(process: subprocess.Popen[str]) -> str:
    """What serve has printed since its JSON line, without waiting for more."""
    assert process.stdout is not None
    descriptor = process.stdout.fileno()
    os.set_blocking(descriptor, False)
    chunks = []
    try:
        while chunk := os.read(descriptor, 65536):
            chunks.append(chunk)
    except BlockingIOError:
        pass
    return b"".join(chunks).decode(errors="replace")


def _prefect_home(process: subprocess.Popen[str]) -> Path:
    """The Prefect home serve's own process (the one running the flows) uses."""
    environ = Path(f"/proc/{process.pid}/environ").read_bytes().split(b"\0")
    values = dict(item.decode().partition("=")[::2] for item in environ if b"=" in item)
    return Path(values.get("PREFECT_HOME") or Path.home() / ".prefect")


def _finished_run(api: str, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        run: dict[str, Any] = requests.get(f"{api}/flow_runs/{run_id}", timeout=30).json()
        if run["state_type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return run
        time.sleep(2)
    pytest.fail("the served run did not finish within 240 s")


def test_a_served_run_leaves_no_secret(served: Served, sandbox: dict[str, Any]) -> None:
    info, process, folder = served
    started = time.time()
    api = info["api_url"]
    cycle = requests.get(f"{api}/deployments/name/kam-cycle/kam-cycle", timeout=30).json()
    answer = requests.post(f"{api}/deployments/{cycle['id']}/create_flow_run",
                           json={"parameters": {"dry_run": True}}, timeout=30)  # fmt: skip
    answer.raise_for_status()
    run = _finished_run(api, answer.json()["id"])
    assert run["state_type"] == "COMPLETED", run["state"]
    results = _prefect_home(process) / "storage"
    recent = [path for path in results.rglob("*") if path.is_file()] if results.exists() else []
    texts = texts_under(folder, *[path for path in recent if path.stat().st_mtime >= started])
    texts = {where: text for where, text in texts.items() if not where.endswith("kamsync.toml")}
    texts["serve stdout"] = _drain(process)
    assert any("prefect.db" in where for where in texts), "serve's Prefect database was read"
    assert_nothing_leaked(sandbox, texts)
