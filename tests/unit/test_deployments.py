"""Deployments and schedules from config, as a sales-ops engineer writes them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from config.loader import ConfigError, load_settings
from config.settings import Settings
from flows.cli import app
from flows.deployments import REGISTRY, deployment_plans, prefect_yaml
from tests.unit.test_config import VALID

ROOT = Path(__file__).parents[2]


def _settings(tmp_path: Path, extra: str = "", top: str = "") -> tuple[Settings, Path]:
    path = tmp_path / "kamsync.toml"
    path.write_text(top + VALID + extra)
    return load_settings(path), path


def test_defaults_deploy_every_flow_in_the_company_time_zone(tmp_path: Path) -> None:
    settings, path = _settings(tmp_path, "\n")
    settings = settings.model_copy(update={"timezone": "Europe/Berlin"})
    plans = {plan.name: plan for plan in deployment_plans(settings, str(path))}
    assert set(plans) == {"kam-cycle", "salesforce-sync", "m365-sync"}
    assert plans["kam-cycle"].cron == "0 7 * * 1-5"
    assert plans["salesforce-sync"].cron == plans["m365-sync"].cron == "*/15 8-18 * * 1-5"
    assert {plan.timezone for plan in plans.values()} == {"Europe/Berlin"}
    assert all(plan.parameters == {"config_file": str(path)} for plan in plans.values())
    assert plans["kam-cycle"].entrypoint == "flows/cycle.py:kam_cycle"


def test_a_schedule_entry_replaces_that_flow_only(tmp_path: Path) -> None:
    settings, path = _settings(
        tmp_path,
        top='timezone = "America/New_York"\n',
        extra="""
[schedules.kam-cycle]
cron = "30 6 * * 1-5"
timezone = "Europe/London"
parameters = { dry_run = true }
[schedules.m365-sync]
cron = "0 * * * *"
active = false
""",
    )
    plans = {plan.name: plan for plan in deployment_plans(settings, str(path))}
    cycle = plans["kam-cycle"]
    assert (cycle.cron, cycle.timezone) == ("30 6 * * 1-5", "Europe/London")
    assert cycle.parameters == {"config_file": str(path), "dry_run": True}
    assert plans["m365-sync"].active is False
    assert plans["salesforce-sync"].timezone == "America/New_York"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('[schedules.kam-cycel]\ncron = "0 7 * * *"', "[schedules.kam-cycel]: no such flow"),
        ('[schedules.kam-cycle]\ncron = "0 7 * * *"\nparameters = { dry_run = "maybe" }',
         "[schedules.kam-cycle] parameters"),
    ],
)  # fmt: skip
def test_schedule_mistakes_name_the_entry(tmp_path: Path, entry: str, message: str) -> None:
    settings, path = _settings(tmp_path, "\n" + entry + "\n")
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        deployment_plans(settings, str(path))


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('[schedules.kam-cycle]\ncron = "every morning"', "five-field cron"),
        ('[schedules.kam-cycle]\ncron = "0 7 * * *"\ntimezone = "Mars/Olympus"', "Mars/Olympus"),
        ('timezone = "CET+1"', "unknown time zone"),
        ('[schedules.kam-cycle]\ncron = "0 7 * * *"\nparameters = { config_file = "x" }',
         "config_file is set by kamsync serve"),
    ],
)  # fmt: skip
def test_config_check_refuses_bad_schedules(tmp_path: Path, entry: str, message: str) -> None:
    path = tmp_path / "kamsync.toml"
    top, _, section = entry.partition("[")
    path.write_text(top + VALID + ("\n[" + section if section else ""))
    result = CliRunner().invoke(app, ["config", "check", "--config", str(path)])
    assert result.exit_code == 2
    assert message in result.output


def test_run_forms_show_titled_typed_parameters() -> None:
    """The Prefect UI renders each flow's parameter schema as its Custom run form."""
    cycle = next(flow for flow in REGISTRY if flow.name == "kam-cycle")
    form = cycle.parameters.model_dump()["properties"]
    assert form["dry_run"]["type"] == "boolean"
    assert form["report_date"]["anyOf"][0]["format"] == "date"
    for name in ("config_file", "dry_run", "mailboxes", "skip_push", "report_date"):
        assert form[name]["description"], name
    assert not any("secret" in name for flow in REGISTRY for name in flow.parameters.properties)


def test_committed_prefect_yaml_is_the_registry_s(monkeypatch: pytest.MonkeyPatch) -> None:
    """prefect.yaml is generated from the registry; a flow or schedule added without
    regenerating it fails here (regenerate: see the README)."""
    monkeypatch.setenv("KAMSYNC_SALESFORCE__CLIENT_SECRET", "x")
    monkeypatch.setenv("KAMSYNC_M365__CLIENT_SECRET", "x")
    settings = load_settings(ROOT / "config" / "kamsync.example.toml")
    expected = prefect_yaml(
        deployment_plans(settings, "/etc/kamsync/kamsync.toml"), "kamsync", "/opt/kamsync"
    )
    committed = (ROOT / "prefect.yaml").read_text()
    assert committed == expected
    names = [entry["name"] for entry in yaml.safe_load(committed)["deployments"]]
    assert names == [flow.name for flow in REGISTRY]
