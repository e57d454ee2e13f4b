"""Configuration: a real org's file loads; every user mistake exits 2 naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from config.loader import ConfigError, load_settings
from flows.cli import app

EXAMPLE = Path(__file__).parents[2] / "config" / "kamsync.example.toml"

VALID = """
[salesforce]
login_url = "https://example.my.salesforce.com"
client_id = "id"
client_secret = "sf-secret"

[m365]
tenant_id = "tenant"
client_id = "app"
client_secret = "graph-secret"
mailboxes = ["Ada@Contoso.example"]

[reports]
drive_user = "ops@contoso.example"
sender = "ops@contoso.example"
recipients = ["ada@contoso.example"]
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "kamsync.toml"
    path.write_text(VALID)
    return path


def test_example_config_loads_with_secrets_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAMSYNC_SALESFORCE__CLIENT_SECRET", "from-env")
    monkeypatch.setenv("KAMSYNC_M365__CLIENT_SECRET", "also-from-env")
    settings = load_settings(EXAMPLE)
    assert settings.salesforce.client_secret is not None
    assert settings.salesforce.client_secret.get_secret_value() == "from-env"
    assert settings.m365.mailboxes == ["ada.kam@contoso.com", "ben.kam@contoso.com"]
    assert "from-env" not in repr(settings)


def test_env_overrides_file_and_defaults_apply(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAMSYNC_DEADLINES__HORIZON_DAYS", "14")
    settings = load_settings(config_file)
    assert settings.deadlines.horizon_days == 14
    assert settings.deadlines.renewal_notice_days == 90
    assert settings.m365.mailboxes == ["ada@contoso.example"]
    assert settings.store.url.startswith("sqlite:///")


def test_config_path_from_env(config_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAMSYNC_CONFIG", str(config_file))
    assert load_settings().reports.sender == "ops@contoso.example"


def _broken(config_file: Path, old: str, new: str) -> Path:
    config_file.write_text(VALID.replace(old, new))
    return config_file


CASES = {
    "missing key": ('client_secret = "sf-secret"\n', "", "[salesforce] client_secret"),
    "wrong type": (
        'mailboxes = ["Ada@Contoso.example"]',
        'mailboxes = ["Ada@Contoso.example"]\nmail_horizon_days = "soon"',
        "[m365] mail_horizon_days",
    ),
    "unknown section": ("[reports]", "[report]", "[report]"),
    "unknown key": ('tenant_id = "tenant"', 'tenant_id = "tenant"\ntennant = "x"', "tennant"),
    "bad toml": ('client_id = "id"', "client_id = id", "invalid TOML"),
    "bad url": ("https://example.my.salesforce.com", "example.my.salesforce", "login_url"),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_config_exits_2_naming_file_and_key(config_file: Path, case: str) -> None:
    old, new, named = CASES[case]
    path = _broken(config_file, old, new)
    result = CliRunner().invoke(app, ["run", "cycle", "--config", str(path)])
    assert result.exit_code == 2
    assert str(path) in result.output
    assert named in result.output
    assert "Traceback" not in result.output


def test_missing_file_is_a_user_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    result = CliRunner().invoke(app, ["config", "check", "--config", str(missing)])
    assert result.exit_code == 2
    assert f"config file {missing}: not found" in result.output


def test_bad_env_override_names_the_variable(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAMSYNC_DEADLINES__HORIZON_DAYS", "a month")
    with pytest.raises(ConfigError, match="KAMSYNC_DEADLINES__HORIZON_DAYS"):
        load_settings(config_file)


def test_config_check_hides_secrets(config_file: Path) -> None:
    result = CliRunner().invoke(app, ["config", "check", "--config", str(config_file)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output
    assert "sf-secret" not in result.output and "graph-secret" not in result.output


CERTIFICATE_KEYS = 'client_certificate_file = "app.crt"\nclient_private_key_file = "app.key"'


def test_certificate_credential_replaces_the_secret(config_file: Path) -> None:
    path = _broken(config_file, 'client_secret = "graph-secret"', CERTIFICATE_KEYS)
    settings = load_settings(path)
    assert settings.m365.client_secret is None
    assert settings.m365.client_certificate_file == Path("app.crt")
    assert settings.m365.client_private_key_file == Path("app.key")


def test_combined_pem_needs_only_the_certificate_key(config_file: Path) -> None:
    path = _broken(
        config_file, 'client_secret = "graph-secret"', 'client_certificate_file = "a.pem"'
    )
    assert load_settings(path).m365.client_private_key_file is None


M365_CREDENTIAL_CASES = {
    "neither": ("", "found neither"),
    "both": ('client_secret = "graph-secret"\n' + CERTIFICATE_KEYS, "found both"),
    "key without certificate": ('client_private_key_file = "app.key"', "needs client_certificate"),
}


@pytest.mark.parametrize("case", M365_CREDENTIAL_CASES)
def test_m365_needs_exactly_one_credential(config_file: Path, case: str) -> None:
    replacement, reason = M365_CREDENTIAL_CASES[case]
    path = _broken(config_file, 'client_secret = "graph-secret"', replacement)
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    message = str(raised.value)
    assert str(path) in message
    assert "[m365]: " in message and reason in message
    assert "client_certificate_file" in message
