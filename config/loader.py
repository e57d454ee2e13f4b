"""Load settings from a TOML file plus environment overrides, or explain why not.

Every user mistake (unreadable file, bad TOML, unknown section or key, missing
key, wrong type) becomes one `ConfigError` whose message names the file and
the key, so the CLI can print it and exit with code 2 instead of a traceback.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsError

from config.environment import unparsable_variables
from config.settings import Settings

CONFIG_ENV = "KAMSYNC_CONFIG"
DEFAULT_CONFIG = Path("kamsync.toml")


class ConfigError(Exception):
    """The configuration cannot be used; the message says where and why."""


def config_path(explicit: Path | str | None = None) -> Path:
    """The file to read: `--config`, else `$KAMSYNC_CONFIG`, else ./kamsync.toml."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(CONFIG_ENV)
    return Path(from_env) if from_env else DEFAULT_CONFIG


def load_settings(path: Path | str | None = None) -> Settings:
    """Read and validate the configuration (file values, then env overrides)."""
    file = config_path(path)
    data = _read_toml(file)
    unparsable = unparsable_variables()
    if unparsable:
        raise ConfigError("\n".join(unparsable))
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise ConfigError(_describe(file, exc)) from None
    except SettingsError as exc:  # an env value pydantic-settings cannot decode
        raise ConfigError(f"environment: {exc}") from None


def check_local_dir(settings: Settings) -> Path:
    """Create `[reports] local_dir` if needed and prove a file can be written there, so a
    cycle stops before it writes anything rather than after the push; ConfigError if not."""
    folder = Path(settings.reports.local_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".kamsync-write-check-"):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(
            f"[reports] local_dir: {folder} is not a writable folder ({reason}); "
            "set local_dir (or env KAMSYNC_REPORTS__LOCAL_DIR) to one kamsync may write"
        ) from None
    return folder


def _read_toml(file: Path) -> dict[str, Any]:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"config file {file}: not found (pass --config FILE or set {CONFIG_ENV})"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {file}: cannot be read ({exc})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {file}: invalid TOML: {exc}") from None


def _describe(file: Path, exc: ValidationError) -> str:
    lines = [f"config file {file}: {exc.error_count()} problem(s)"]
    for error in exc.errors(include_url=False):
        lines.append("  " + _describe_one(error["loc"], error["type"], error["msg"]))
    return "\n".join(lines)


def _describe_one(loc: tuple[int | str, ...], kind: str, message: str) -> str:
    parts = [str(part) for part in loc]
    if kind == "extra_forbidden":
        if len(parts) == 1:
            return f"[{parts[0]}]: unknown section or key"
        return f"[{parts[0]}] {'.'.join(parts[1:])}: unknown key"
    key = f"[{parts[0]}] {'.'.join(parts[1:])}" if len(parts) > 1 else parts[0]
    if kind == "value_error" and len(parts) == 1:
        key = f"[{parts[0]}]"  # a whole section's rule, e.g. [m365]'s one credential
    env_name = "KAMSYNC_" + "__".join(parts).upper()
    message = message.removeprefix("Value error, ")
    if kind == "missing" or message.startswith("required when"):
        source = f" (or env {env_name})"
    elif env_name in {name.upper() for name in os.environ}:
        source = f" (from env {env_name})"
    else:
        source = ""
    return f"{key}: {message.lower() if kind == 'missing' else message}{source}"
