"""Credentials from Prefect blocks: config rules, filling settings, secrets that never print."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from config.loader import ConfigError, load_settings
from config.settings import M365Settings, SalesforceSettings
from connectors.errors import RetriableError
from flows.blocks import M365Credentials, SalesforceCredentials
from flows.cli import app
from flows.credentials import load_block, with_block_credentials
from tests.unit.test_config import VALID

SF_BLOCK = 'client_secret = "sf-secret"\n'
M365_BLOCK = 'client_secret = "graph-secret"\n'


def _config(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    text = VALID
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "kamsync.toml"
    path.write_text(text)
    return path


def _with_blocks(tmp_path: Path, *extra: tuple[str, str]) -> Path:
    return _config(
        tmp_path,
        (SF_BLOCK, 'credentials_block = "sf-prod"\n'),
        (M365_BLOCK, 'credentials_block = "m365-prod"\n'),
        *extra,
    )


def _problem(path: Path) -> str:
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    return str(raised.value)


def test_a_named_block_replaces_the_secrets(tmp_path: Path) -> None:
    settings = load_settings(_with_blocks(tmp_path))
    assert settings.salesforce.credentials_block == "sf-prod"
    assert settings.salesforce.client_secret is None
    assert settings.m365.credentials_block == "m365-prod"
    assert settings.m365.client_secret is None


def test_a_block_and_a_file_secret_is_an_error_naming_both(tmp_path: Path) -> None:
    path = _config(tmp_path, (SF_BLOCK, SF_BLOCK + 'credentials_block = "sf-prod"\n'))
    message = _problem(path)
    assert "[salesforce] client_secret: also held by credentials_block 'sf-prod'" in message


def test_a_block_and_an_env_secret_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAMSYNC_M365__CLIENT_SECRET", "from-env")
    message = _problem(_with_blocks(tmp_path))
    assert "[m365]: credentials_block 'm365-prod' and client_secret" in message
    assert "KAMSYNC_M365__CLIENT_SECRET" in message
    assert "from-env" not in message


def test_an_empty_env_secret_does_not_clash_with_a_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAMSYNC_SALESFORCE__CLIENT_SECRET", "")
    assert load_settings(_with_blocks(tmp_path)).salesforce.credentials_block == "sf-prod"


def test_a_block_and_a_certificate_file_clash(tmp_path: Path) -> None:
    path = _with_blocks(
        tmp_path,
        ('tenant_id = "tenant"', 'tenant_id = "tenant"\nclient_certificate_file = "a.pem"'),
    )
    assert "and client_certificate_file" in _problem(path)


def test_jwt_with_a_block_still_needs_the_username(tmp_path: Path) -> None:
    path = _with_blocks(tmp_path, ('client_id = "id"', 'client_id = "id"\nauth = "jwt"'))
    message = _problem(path)
    assert "[salesforce] username: required when auth = 'jwt'" in message
    assert "private_key_file" not in message


def test_bad_block_names_are_config_errors(tmp_path: Path) -> None:
    path = _with_blocks(tmp_path, ('"sf-prod"', '"SF Prod"'))
    assert "[salesforce] credentials_block: 'SF Prod' is not a Prefect block name" in _problem(path)


JWT = 'auth = "jwt"\nusername = "kamsync@contoso.example"\n'


def test_jwt_key_as_pem_text_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAMSYNC_SALESFORCE__PRIVATE_KEY", "-----BEGIN PRIVATE KEY-----")
    settings = load_settings(_config(tmp_path, (SF_BLOCK, JWT)))
    assert settings.salesforce.private_key is not None
    assert settings.salesforce.private_key_file is None


def test_jwt_key_as_text_and_file_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAMSYNC_SALESFORCE__PRIVATE_KEY", "pem")
    path = _config(tmp_path, (SF_BLOCK, JWT + 'private_key_file = "k.pem"\n'))
    assert "[salesforce] private_key_file: private_key (PEM text) is given too" in _problem(path)


M365_PEM_CASES = {
    "key text without certificate": (
        'client_private_key = "k"',
        "client_private_key needs client_certificate",
    ),
    "certificate as file and text": (
        'client_certificate = "c"\nclient_certificate_file = "c.pem"',
        "client_certificate_file and client_certificate (PEM text) both given",
    ),
    "certificate text and secret": ('client_certificate = "c"\n' + M365_BLOCK, "found both"),
}


@pytest.mark.parametrize("case", M365_PEM_CASES)
def test_m365_pem_text_rules(tmp_path: Path, case: str) -> None:
    replacement, reason = M365_PEM_CASES[case]
    assert reason in _problem(_config(tmp_path, (M365_BLOCK, replacement + "\n")))


def test_certificate_as_pem_text_is_a_credential(tmp_path: Path) -> None:
    path = _config(tmp_path, (M365_BLOCK, 'client_certificate = "c"\nclient_private_key = "k"\n'))
    assert load_settings(path).m365.client_certificate is not None


def _sf(auth: str = "client_credentials", **keys: object) -> SalesforceSettings:
    return SalesforceSettings.model_validate(
        {"client_id": "id", "auth": auth, "credentials_block": "sf", "username": "u@x.example"}
        | keys
    )


def _m365(**keys: object) -> M365Settings:
    base = {"tenant_id": "t", "client_id": "c", "mailboxes": ["a@x.example"]}
    return M365Settings.model_validate(base | {"credentials_block": "m365"} | keys)


def test_salesforce_block_fills_what_auth_needs_and_stays_valid() -> None:
    block = SalesforceCredentials(
        client_secret=SecretStr("s3cret"), private_key=SecretStr("PEM"), password=SecretStr("pw")
    )
    filled = block.settings_for(_sf("jwt"))
    assert filled.private_key is not None and filled.private_key.get_secret_value() == "PEM"
    assert filled.client_secret is None and filled.credentials_block is None
    assert SalesforceSettings.model_validate(filled.model_dump()) == filled


def test_salesforce_block_wins_over_the_settings_own_key_file() -> None:
    settings = _sf("jwt", credentials_block=None, private_key_file="old.pem")
    filled = SalesforceCredentials(private_key=SecretStr("PEM")).settings_for(settings)
    assert filled.private_key_file is None


def test_salesforce_block_missing_a_secret_names_block_and_auth() -> None:
    with pytest.raises(ConfigError) as raised:
        SalesforceCredentials(client_secret=SecretStr("s3cret")).settings_for(_sf("password"))
    message = str(raised.value)
    assert "'sf' (kamsync-salesforce-credentials) has no password" in message
    assert "auth = 'password'" in message


def test_m365_block_with_a_certificate_replaces_the_secret() -> None:
    block = M365Credentials(
        client_certificate=SecretStr("CERT"), client_private_key=SecretStr("KEY")
    )
    filled = block.settings_for(_m365())
    assert filled.client_secret is None and filled.credentials_block is None
    assert filled.client_certificate is not None and filled.client_private_key is not None
    assert M365Settings.model_validate(filled.model_dump()) == filled


M365_BLOCK_CASES = {
    "both": (
        M365Credentials(client_secret=SecretStr("s"), client_certificate=SecretStr("c")),
        "found both",
    ),
    "neither": (M365Credentials(), "found neither"),
    "key only": (M365Credentials(client_private_key=SecretStr("k")), "no client_certificate"),
}


@pytest.mark.parametrize("case", M365_BLOCK_CASES)
def test_m365_block_needs_exactly_one_credential(case: str) -> None:
    block, reason = M365_BLOCK_CASES[case]
    with pytest.raises(ConfigError, match=reason) as raised:
        block.settings_for(_m365())
    assert "'m365' (kamsync-m365-credentials)" in str(raised.value)


def test_blocks_never_print_their_secrets() -> None:
    """Secrets arrive as plain JSON strings (Prefect's API, the UI) and never print."""
    secrets = ["sf-s3cret", "-----BEGIN KEY sf-----", "pw-s3cret", "graph-s3cret", "CERT-PEM"]
    blocks = [
        SalesforceCredentials.model_validate(
            dict(zip(["client_secret", "private_key", "password"], secrets[:3], strict=True))
        ),
        M365Credentials.model_validate(
            {"client_secret": secrets[3], "client_certificate": secrets[4]}
        ),
    ]
    for block in blocks:
        shown = [repr(block), str(block), str(block.model_dump()), block.model_dump_json()]
        shown += [str(block.model_dump(mode="json")), str(dict(block))]
        assert not [secret for secret in secrets for text in shown if secret in text]
    assert isinstance(blocks[0], SalesforceCredentials) and blocks[0].password is not None
    assert blocks[0].password.get_secret_value() == "pw-s3cret"


def test_from_settings_reads_key_files(tmp_path: Path) -> None:
    key = tmp_path / "jwt.key"
    key.write_text("-----BEGIN PRIVATE KEY-----\n")
    block = SalesforceCredentials.from_settings(
        _sf("jwt", credentials_block=None, private_key_file=key)
    )
    assert block.private_key is not None
    assert block.private_key.get_secret_value() == key.read_text()
    missing = tmp_path / "nope.crt"
    with pytest.raises(ConfigError, match=rf"\[m365\] client_certificate_file {missing}: cannot"):
        M365Credentials.from_settings(
            _m365(credentials_block=None, client_certificate_file=missing)
        )


def test_no_block_named_means_no_prefect_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_prefect(*args: object, **kwargs: object) -> None:
        raise AssertionError("Prefect was asked for a block")

    monkeypatch.setattr(SalesforceCredentials, "load", no_prefect)
    monkeypatch.setattr(M365Credentials, "load", no_prefect)
    settings = load_settings(_config(tmp_path))
    assert with_block_credentials(settings) is settings


def test_a_missing_block_says_how_to_create_it(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_found(name: str, _sync: bool) -> None:
        raise ValueError(f"Unable to find block document named {name}")

    monkeypatch.setattr(M365Credentials, "load", not_found)
    with pytest.raises(ConfigError) as raised:
        load_block(M365Credentials, "m365-prod")
    message = str(raised.value)
    assert "[m365] credentials_block 'm365-prod': no kamsync-m365-credentials block" in message
    assert "kamsync blocks create --m365 m365-prod" in message


def test_an_unreachable_prefect_server_is_retriable(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(name: str, _sync: bool) -> None:
        raise httpx.ConnectError("All connection attempts failed")

    monkeypatch.setattr(SalesforceCredentials, "load", unreachable)
    with pytest.raises(RetriableError, match=r"'sf-prod' .* could not be loaded"):
        load_block(SalesforceCredentials, "sf-prod")


def test_config_check_accepts_blocks_and_create_needs_a_name(tmp_path: Path) -> None:
    path = _with_blocks(tmp_path)
    assert CliRunner().invoke(app, ["config", "check", "--config", str(path)]).exit_code == 0
    result = CliRunner().invoke(app, ["blocks", "create", "--config", str(path)])
    assert result.exit_code == 2
    assert "--salesforce NAME" in result.output
