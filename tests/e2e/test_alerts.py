"""Failure alerts end to end: a flow failing on schedule mails once, reminds, recovers."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prefect import flow, task
from prefect.client.schemas.objects import State

from config.loader import load_settings
from connectors.m365 import GraphClient, read_messages
from flows.alerts import RunAlerts, alert_on_completion, alert_on_failure

pytestmark = pytest.mark.e2e

PLANTED = "Sup3r-S3cret-Value"
UNREACHABLE = "https://127.0.0.1:9"


class Clock:
    """The alerts' idea of now, moved by the test instead of waiting for days."""

    def __init__(self) -> None:
        self.at = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> None:
        self.at += delta


clock = Clock()
alerts = RunAlerts(now=clock, deployments_only=False)


class Interrupted(BaseException):
    """Not an Exception: Prefect reports the run Crashed, as on an interrupt."""


@task(name="fetch-orders")
def fetch_orders(fail: bool | str) -> int:
    if fail == "crash":
        raise Interrupted("the worker was interrupted")
    if fail:
        raise RuntimeError(f"order service refused the token request: client_secret={PLANTED}")
    return 1


def drill(name: str, on_failure: Callable[..., None], on_completion: Callable[..., None]) -> Any:
    """A small flow with the alert hooks that fails on demand, as a deployed flow would."""

    @flow(
        name=name,
        on_failure=[on_failure],
        on_crashed=[on_failure],
        on_completion=[on_completion],
    )
    def run(config_file: str, fail: bool | str = False) -> int:
        return fetch_orders(fail)

    return run


alert_drill = drill("alert-drill", alerts.on_failure, alerts.on_completion)
offline_drill = drill("alert-drill-offline", alerts.on_failure, alerts.on_completion)
crash_drill = drill("alert-drill-crash", alerts.on_failure, alerts.on_completion)
cli_drill = drill("alert-drill-cli", alert_on_failure, alert_on_completion)


@pytest.fixture
def config(sandbox: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The sandbox's config with `[alerts]` to a manager, and a store of this test's own."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sandbox["ca_bundle"])
    monkeypatch.setenv("KAMSYNC_STORE__URL", f"sqlite:///{tmp_path / 'kamsync.db'}")
    settings = load_settings(sandbox["config"])
    path = tmp_path / "kamsync.toml"
    path.write_text(
        Path(sandbox["config"]).read_text()
        + f'\n[alerts]\nrecipients = ["{settings.reports.recipients[0]}"]\nreminder_hours = 24\n'
    )
    return path


def alert_mails(config: Path, flow_name: str) -> list[dict[Hashable, Any]]:
    """Alert mails about `flow_name` in the sender's Sent Items, oldest first."""
    settings = load_settings(config)
    graph = GraphClient(settings.m365)
    batches = read_messages(
        graph, settings.reports.sender, "sentitems", None, timedelta(days=1), include_bodies=True
    )
    return [
        message
        for batch in batches
        for message in batch.messages.to_dict("records")
        if f" {flow_name} " in message["subject"]
    ]


def subjects(config: Path, flow_name: str) -> list[str]:
    return [message["subject"] for message in alert_mails(config, flow_name)]


def run(drill_flow: Any, config: Path, *, fail: bool | str) -> State:
    clock.advance(timedelta(minutes=15))
    return drill_flow(config_file=str(config), fail=fail, return_state=True)


def test_failing_flow_mails_once_reminds_daily_and_says_when_it_recovered(
    config: Path, prefect_harness: None
) -> None:
    for _ in range(3):
        assert run(alert_drill, config, fail=True).is_failed()
    [alert] = alert_mails(config, "alert-drill")
    assert " alert: alert-drill failed in fetch-orders" in alert["subject"]
    body = str(alert["body"])
    assert "order service refused the token request" in body
    assert "client_secret=***" in body
    assert PLANTED not in body
    assert "/runs/flow-run/" in body, "the mail links the run in the Prefect UI"

    clock.advance(timedelta(hours=24))
    assert run(alert_drill, config, fail=True).is_failed()
    assert run(alert_drill, config, fail=True).is_failed()
    sent = subjects(config, "alert-drill")
    assert len(sent) == 2
    assert "still failing (4 failed runs since" in sent[1]

    assert run(alert_drill, config, fail=False).is_completed()
    assert run(alert_drill, config, fail=False).is_completed()
    sent = subjects(config, "alert-drill")
    assert len(sent) == 3
    assert "alert-drill recovered after 5 failed runs" in sent[2]


def test_a_crashed_run_alerts_like_a_failed_one(config: Path, prefect_harness: None) -> None:
    with pytest.raises(Interrupted):
        run(crash_drill, config, fail="crash")
    [sent] = subjects(config, "alert-drill-crash")
    assert "alert-drill-crash crashed" in sent


def test_unreachable_graph_leaves_the_runs_outcome_alone_and_the_alert_goes_out_later(
    config: Path,
    prefect_harness: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with monkeypatch.context() as offline:
        offline.setenv("KAMSYNC_M365__AUTHORITY_URL", UNREACHABLE)
        offline.setenv("KAMSYNC_M365__GRAPH_URL", UNREACHABLE)
        failed = run(offline_drill, config, fail=True)
        completed = run(offline_drill, config, fail=False)
        failed_again = run(offline_drill, config, fail=True)
    assert failed.is_failed() and "order service refused" in str(failed.message)
    assert completed.is_completed() and completed.result() == 1
    assert failed_again.is_failed()
    assert subjects(config, "alert-drill-offline") == []
    warnings = [
        r for r in caplog.records if "alert about alert-drill-offline not sent" in r.message
    ]
    assert len(warnings) == 3, "each run logs why its alert did not go out"

    assert run(offline_drill, config, fail=True).is_failed()
    [sent] = subjects(config, "alert-drill-offline")
    assert "alert-drill-offline failed in fetch-orders" in sent


def test_a_run_started_from_the_terminal_mails_nobody(config: Path, prefect_harness: None) -> None:
    assert run(cli_drill, config, fail=True).is_failed()
    assert subjects(config, "alert-drill-cli") == []
