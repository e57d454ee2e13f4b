"""Configuration mistakes made through the environment end in one message naming the key
(exit 2, no traceback); a misspelt `KAMSYNC_` variable is reported, not ignored."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.environment import unknown_variables
from tests.unit.test_config import VALID

ROOT = Path(__file__).parents[2]


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "kamsync.toml"
    path.write_text(VALID + f'local_dir = "{tmp_path / "out"}"\n')
    return path


def config_check(config: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`kamsync config check` as a user runs it, with `env` added to a clean environment."""
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("KAMSYNC_")}
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", "config", "check", "--config", str(config)],
        env=clean | env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def assert_config_error(result: subprocess.CompletedProcess[str], *names: str) -> None:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr, result.stderr
    for name in names:
        assert name in result.stderr, result.stderr


def test_mailboxes_not_json_names_the_key(config_file: Path) -> None:
    result = config_check(config_file, KAMSYNC_M365__MAILBOXES="ada@contoso.example")
    assert_config_error(result, "[m365] mailboxes", "KAMSYNC_M365__MAILBOXES", "JSON")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_missing_ca_bundle_names_the_key(config_file: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-bundle.pem"
    result = config_check(config_file, KAMSYNC_HTTP__CA_BUNDLE=str(missing))
    assert_config_error(result, "ca_bundle", "KAMSYNC_HTTP__CA_BUNDLE", str(missing))


@pytest.mark.parametrize(
    "url", ["http://login.microsoftonline.com", "https://login.microsoftonline.com?x=1"]
)
def test_malformed_authority_url_names_the_key(config_file: Path, url: str) -> None:
    result = config_check(config_file, KAMSYNC_M365__AUTHORITY_URL=url)
    assert_config_error(result, "authority_url", "KAMSYNC_M365__AUTHORITY_URL")


def test_unwritable_local_dir_is_found_by_config_check(config_file: Path, tmp_path: Path) -> None:
    # Root may write anywhere, so the folder is made impossible: it would sit under a file.
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = config_check(config_file, KAMSYNC_REPORTS__LOCAL_DIR=str(blocker / "out"))
    assert_config_error(result, "[reports] local_dir", str(blocker / "out"))


def test_check_says_the_local_dir_is_writable(config_file: Path, tmp_path: Path) -> None:
    result = config_check(config_file)
    assert result.returncode == 0, result
    assert f"{tmp_path / 'out'} (writable)" in result.stdout
    assert result.stderr == ""


def test_misspelt_variable_is_reported_with_the_closest_key(config_file: Path) -> None:
    result = config_check(config_file, KAMSYNC_M356__CLIENT_SECRET="graph-secret")
    assert result.returncode == 0, result
    warning = [line for line in result.stderr.splitlines() if "KAMSYNC_M356__CLIENT_SECRET" in line]
    assert len(warning) == 1, result.stderr
    assert "did you mean KAMSYNC_M365__CLIENT_SECRET" in warning[0]
    assert "graph-secret" not in result.stderr


def test_real_keys_and_tables_are_not_reported() -> None:
    environ = {
        "KAMSYNC_CONFIG": "kamsync.toml",
        "KAMSYNC_M365__CLIENT_SECRET": "x",
        "KAMSYNC_COMPANY": "Contoso",
        "KAMSYNC_SALESFORCE__OBJECTS__ACCOUNT__EXTRA_FIELDS": '["Rating"]',
        "kamsync_store__url": "sqlite:///x.db",
    }
    assert unknown_variables(environ) == []
    reported = unknown_variables({"KAMSYNC_REPORTS__LOCALDIR": "out", "KAMSYNC_M365": "{}"})
    assert len(reported) == 1 and "KAMSYNC_REPORTS__LOCAL_DIR" in reported[0]
