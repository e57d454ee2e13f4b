"""kamsync signs in to both stand-ins with secrets kept in Prefect blocks, and never shows them."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
from prefect.logging.handlers import APILogHandler
from typer.testing import CliRunner

from config.loader import ConfigError, load_settings
from config.settings import Settings
from connectors.m365 import GraphClient
from connectors.salesforce import SalesforceClient
from flows.blocks import M365Credentials, SalesforceCredentials, read_pem
from flows.cli import app
from flows.credentials import load_block, register_block_types, save_blocks, with_block_credentials
from tests.integration.m365_helpers import first_kam

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_harness")]

SF_BLOCK, M365_BLOCK = "sandbox-salesforce", "sandbox-m365"


def _secrets(sandbox: dict[str, Any]) -> list[str]:
    """Every secret of the sandbox's JSON line (what must never show)."""
    salesforce, graph = sandbox["salesforce"], sandbox["graph"]
    key_pem = Path(salesforce["private_key_file"]).read_text()
    return [salesforce["client_secret"], graph["client_secret"], salesforce["password"], key_pem]


def _config_with_blocks(sandbox: dict[str, Any], tmp_path: Path) -> Path:
    """The sandbox's own config with its secrets removed and the blocks named instead."""
    lines = Path(sandbox["config"]).read_text().splitlines()
    kept = [line for line in lines if not line.startswith("client_secret")]
    text = "\n".join(kept) + "\n"
    text = text.replace("[salesforce]\n", f'[salesforce]\ncredentials_block = "{SF_BLOCK}"\n')
    text = text.replace("[m365]\n", f'[m365]\ncredentials_block = "{M365_BLOCK}"\n')
    path = tmp_path / "kamsync.toml"
    path.write_text(text)
    return path


@pytest.fixture
def block_config(sandbox: dict[str, Any], sandbox_settings: Settings, tmp_path: Path) -> Path:
    """Both blocks saved from the sandbox's settings (as `kamsync blocks create` does)."""
    assert register_block_types() == [
        "kamsync-salesforce-credentials",
        "kamsync-m365-credentials",
    ]
    saved = save_blocks(sandbox_settings, salesforce=SF_BLOCK, m365=M365_BLOCK, overwrite=True)
    assert [block.config_line for block in saved] == [
        f'[salesforce] credentials_block = "{SF_BLOCK}"',
        f'[m365] credentials_block = "{M365_BLOCK}"',
    ]
    return _config_with_blocks(sandbox, tmp_path)


def test_signs_in_to_both_stand_ins_through_the_blocks(
    block_config: Path, sandbox: dict[str, Any]
) -> None:
    settings = load_settings(block_config)
    assert settings.salesforce.client_secret is None and settings.m365.client_secret is None
    resolved = with_block_credentials(settings)
    assert resolved.salesforce.client_secret is not None
    assert (
        resolved.salesforce.client_secret.get_secret_value()
        == (sandbox["salesforce"]["client_secret"])
    )
    salesforce = load_block(SalesforceCredentials, SF_BLOCK).get_client(settings.salesforce)
    users = [
        record for page in salesforce.query_pages("SELECT Id FROM User LIMIT 1") for record in page
    ]
    assert len(users) == 1
    graph = load_block(M365Credentials, M365_BLOCK).get_client(settings.m365)
    assert graph.get(graph.user_path(first_kam(settings)))["id"]


def test_keys_held_as_pem_text_sign_in_without_files(
    sandbox: dict[str, Any], sandbox_settings: Settings
) -> None:
    """JWT bearer for Salesforce and a certificate for Graph, both read from a block."""
    line, graph_line = sandbox["salesforce"], sandbox["graph"]
    SalesforceCredentials(private_key=read_pem(Path(line["private_key_file"]), "key")).save(
        "sandbox-salesforce-jwt", overwrite=True
    )
    M365Credentials(
        client_certificate=read_pem(Path(graph_line["certificate_file"]), "certificate"),
        client_private_key=read_pem(Path(graph_line["private_key_file"]), "key"),
    ).save("sandbox-m365-certificate", overwrite=True)
    salesforce = sandbox_settings.salesforce.model_copy(
        update={"auth": "jwt", "username": line["username"], "client_secret": None,
                "credentials_block": "sandbox-salesforce-jwt"}
    )  # fmt: skip
    m365 = sandbox_settings.m365.model_copy(
        update={"client_secret": None, "credentials_block": "sandbox-m365-certificate"}
    )
    resolved = with_block_credentials(
        sandbox_settings.model_copy(update={"salesforce": salesforce, "m365": m365})
    )
    assert resolved.salesforce.private_key_file is None
    assert resolved.m365.client_certificate_file is None
    assert SalesforceClient(resolved.salesforce).count("SELECT COUNT() FROM Account") > 0
    graph = GraphClient(resolved.m365)
    assert graph.account.con.auth[1] == "", "a certificate, not a secret"
    assert graph.get(graph.user_path(first_kam(resolved)))["id"]


@flow(name="blocks-sign-in", persist_result=False)
def sign_in_through_blocks(config_file: str) -> str:
    """What a kamsync flow does: settings by file name, secrets from blocks, in memory."""
    logger = get_run_logger()
    settings = with_block_credentials(load_settings(config_file))
    logger.info("settings %r", settings)
    logger.info("blocks %s %s", load_block(SalesforceCredentials, SF_BLOCK),
                load_block(M365Credentials, M365_BLOCK))  # fmt: skip
    salesforce = load_block(SalesforceCredentials, SF_BLOCK).get_client(settings.salesforce)
    logger.info("signed in to Salesforce at %s", salesforce.instance_url)
    return salesforce.instance_url


def test_secrets_reach_no_log_parameter_or_result(
    block_config: Path, sandbox: dict[str, Any]
) -> None:
    state = sign_in_through_blocks(str(block_config), return_state=True)
    assert state.is_completed()
    APILogHandler().flush()
    flow_run_id = state.state_details.flow_run_id
    assert isinstance(flow_run_id, UUID)
    with get_client(sync_client=True) as client:
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
        run = client.read_flow_run(flow_run_id)
    shown = "\n".join(log.message for log in logs)
    assert "signed in to Salesforce at https://" in shown
    assert "credentials_block" in shown and "SecretStr('**********')" in shown
    shown += f"\n{run.parameters}\n{state.result()}"
    leaked = [secret for secret in _secrets(sandbox) if secret in shown]
    assert not leaked, "a secret reached the Prefect logs, parameters or result"


def test_a_missing_block_names_it_and_how_to_create_it(block_config: Path) -> None:
    settings = load_settings(block_config)
    missing = settings.m365.model_copy(update={"credentials_block": "no-such-block"})
    with pytest.raises(ConfigError) as raised:
        with_block_credentials(settings.model_copy(update={"m365": missing}))
    message = str(raised.value)
    assert "[m365] credentials_block 'no-such-block': no kamsync-m365-credentials block" in message
    assert "the Prefect server at http" in message
    assert "kamsync blocks create --m365 no-such-block" in message


def test_cli_checks_and_refuses_to_overwrite_blocks(
    block_config: Path, sandbox: dict[str, Any]
) -> None:
    runner = CliRunner()
    checked = runner.invoke(app, ["blocks", "check", "--config", str(block_config)])
    assert checked.exit_code == 0, checked.output
    assert f"Prefect block '{SF_BLOCK}': OK" in checked.output
    create = ["blocks", "create", "--config", sandbox["config"], "--salesforce", SF_BLOCK]
    refused = runner.invoke(app, create)
    assert refused.exit_code == 2
    assert "exists already; pass --overwrite" in refused.output
    replaced = runner.invoke(app, [*create, "--overwrite"])
    assert replaced.exit_code == 0, replaced.output
    assert f'set [salesforce] credentials_block = "{SF_BLOCK}"' in replaced.output
    assert not [secret for secret in _secrets(sandbox) if secret in replaced.output]
