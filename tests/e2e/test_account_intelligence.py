"""The account analysis on the seeded demo company, measured against the seed's truth.

One demo sandbox is seeded and mirrored by `kamsync eval attribution --preset demo` (a
dry-run cycle, as a user runs it); the analysis of that mirror must find every situation
the seed planted, with its reason, and flag nothing on the accounts the seed kept clean.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from config.loader import load_settings
from connectors.store import Store
from flows.mirror_tables import mirror_frames
from transforms.analysis import Analysis, analyse, key_accounts_from

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).parents[2]
INTELLIGENCE_SHEETS = {"Health", "Complaints", "Engagement", "Team", "Data quality", "Unmatched"}


@dataclass(frozen=True)
class Evaluated:
    scores: dict[str, Any]
    truth: dict[str, Any]
    analysis: Analysis
    config: Path
    reports: Path


def kamsync(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    environment |= {"PREFECT_HOME": str(home / "prefect"),
                    "KAMSYNC_REPORTS__LOCAL_DIR": str(home / "out")}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], env=environment, cwd=ROOT,
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Evaluated]:
    home = tmp_path_factory.mktemp("intelligence")
    state = home / "sandbox"
    result = kamsync("eval", "attribution", "--preset", "demo", "--json",
                     "--state-dir", str(state), home=home)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    config = state / "kamsync.toml"
    settings = load_settings(config)
    with Store(settings.store.url) as store:
        mirror = mirror_frames(store, settings)
    today = date.today()
    key = key_accounts_from(mirror.salesforce, settings, today=today)
    analysis = analyse(mirror, key, settings, today=today, now=datetime.now(UTC),
                       instance_url="https://example.my.salesforce.com")  # fmt: skip
    scores = json.loads(result.stdout.strip().splitlines()[-1])
    truth = json.loads((state / "truth.json").read_text())
    yield Evaluated(scores, truth, analysis, config, home / "out")


def situations(evaluated: Evaluated, kind: str) -> list[dict[str, Any]]:
    found = [s for s in evaluated.truth["situations"] if s["kind"] == kind]
    assert found, f"the seed planted no {kind!r}"
    return found


def test_attribution_meets_its_targets_on_demo(evaluated: Evaluated) -> None:
    overall = evaluated.scores["overall"]
    assert overall["precision"] >= 0.98, evaluated.scores
    assert overall["recall"] >= 0.95, evaluated.scores
    assert overall["truth_items"] > 1000  # the whole mirrored mailboxes, not a sample


def test_a_cold_account_is_cold_with_its_reason(evaluated: Evaluated) -> None:
    engagement = evaluated.analysis.engagement.set_index("account_id")
    for planted in situations(evaluated, "cold account"):
        row = engagement.loc[planted["account_id"]]
        assert row["state"] == "cold", row.to_dict()
        assert row["reason"]


def test_the_unanswered_client_mail_is_listed(evaluated: Evaluated) -> None:
    waiting = evaluated.analysis.unanswered
    for planted in situations(evaluated, "unanswered mail"):
        row = waiting[waiting["internet_message_id"] == planted["ids"][0]]
        assert len(row) == 1, planted
        assert row.iloc[0]["account_id"] == planted["account_id"]
        assert row.iloc[0]["business_hours_waiting"] >= row.iloc[0]["reply_sla_hours"]


@pytest.mark.parametrize(("kind", "state"), [("complaint breached", "breached"),
                                             ("complaint at risk", "at risk")])  # fmt: skip
def test_complaints_are_judged_against_their_sla(
    evaluated: Evaluated, kind: str, state: str
) -> None:
    complaints = evaluated.analysis.complaints.set_index("case_id")
    escalated = set(evaluated.analysis.escalations["case_id"])
    for planted in situations(evaluated, kind):
        case = complaints.loc[planted["ids"][0]]
        assert case["state"] == state, case["reason"]
        assert case["reason"] and case["owner_email"]
        assert planted["ids"][0] in escalated


def test_the_renewal_at_risk_costs_its_health_points(evaluated: Evaluated) -> None:
    components = evaluated.analysis.health_components
    for planted in situations(evaluated, "renewal at risk"):
        renewal = components[(components["account_id"] == planted["account_id"])
                             & (components["component"] == "renewal")].iloc[0]  # fmt: skip
        assert renewal["points"] == 0, renewal["reason"]
        assert "renewal" in renewal["reason"]


def test_the_duplicate_account_is_a_data_quality_finding(evaluated: Evaluated) -> None:
    findings = evaluated.analysis.data_quality
    duplicates = findings[findings["check"] == "duplicate account"]
    for planted in situations(evaluated, "duplicate account"):
        pair = set(planted["ids"])
        named = [set(ids.split(",")) for ids in duplicates["record_ids"]]
        assert any(pair <= {i.strip() for i in ids} for ids in named), planted


def test_the_overloaded_team_member_is_flagged(evaluated: Evaluated) -> None:
    team = evaluated.analysis.team
    for planted in situations(evaluated, "overloaded team member"):
        rows = team[team["user_id"] == planted["ids"][0]]
        assert len(rows) and rows["overloaded"].all(), planted
        assert "median" in rows.iloc[0]["reason"]


def test_unknown_correspondents_are_queued_or_reported(evaluated: Evaluated) -> None:
    unmatched = evaluated.analysis.unmatched
    findings = evaluated.analysis.data_quality
    missing = findings[findings["check"] == "correspondent missing from contacts"]
    for planted in situations(evaluated, "unknown correspondent"):
        address = planted["ids"][0]
        queued = unmatched[unmatched["address"] == address]
        reported = missing[missing["detail"].str.contains(address, regex=False)]
        if len(queued):
            assert queued.iloc[0]["likely_account_id"] == planted["account_id"], planted
        else:
            assert (reported["account_id"] == planted["account_id"]).any(), planted


def test_a_moved_contact_counts_for_each_account_in_its_time(evaluated: Evaluated) -> None:
    items = evaluated.analysis.attribution.explode("client_addresses")
    for move in evaluated.truth["moved_contacts"]:
        for address, account in ((move["old_email"], move["old_account_id"]),
                                 (move["new_email"], move["new_account_id"])):  # fmt: skip
            rows = items[items["client_addresses"] == address]
            if len(rows):  # mirrored only when a mailbox in scope holds that mail
                assert set(rows["account_id"]) == {account}, (address, move)


def test_mail_from_a_subsidiary_domain_counts_for_its_account(evaluated: Evaluated) -> None:
    items = evaluated.analysis.attribution.explode("client_addresses")
    checked = 0
    for planted in situations(evaluated, "subsidiary domain"):
        addresses = [value for value in planted["ids"] if "@" in value]
        rows = items[items["client_addresses"].isin(addresses)]
        assert set(rows["account_id"]) <= {planted["account_id"]}, planted
        checked += len(rows)
    assert checked


def test_nothing_is_flagged_on_a_clean_account(evaluated: Evaluated) -> None:
    analysis = evaluated.analysis
    clean = set(evaluated.truth["clean_account_ids"])
    assert clean

    def on_clean(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["account_id"].isin(clean)]

    engagement = on_clean(analysis.engagement)
    assert set(engagement["state"]) == {"on track"}, engagement[["account_id", "reason"]]
    assert on_clean(analysis.unanswered).empty
    complaints = on_clean(analysis.complaints)
    assert not complaints["state"].isin(["at risk", "breached"]).any(), complaints["reason"]
    assert on_clean(analysis.data_quality).empty, on_clean(analysis.data_quality)["detail"]
    team = on_clean(analysis.team)
    assert not team["overloaded"].any(), team[team["overloaded"]]["reason"]
    health = on_clean(analysis.health)
    assert set(health["band"]) == {"green"}, health["summary"]
    renewal = on_clean(analysis.health_components)
    assert (renewal[renewal["component"] == "renewal"]["points"] > 0).all()


def test_the_workbook_has_the_intelligence_sheets(evaluated: Evaluated) -> None:
    (report,) = sorted(evaluated.reports.glob("key-accounts-*.xlsx"))
    workbook = openpyxl.load_workbook(report, read_only=True)
    assert set(workbook.sheetnames) >= INTELLIGENCE_SHEETS


def test_export_attribution_writes_the_documented_csv(evaluated: Evaluated, tmp_path: Path) -> None:
    out = tmp_path / "attribution.csv"
    result = kamsync("export", "attribution", "--config", str(evaluated.config),
                     "--out", str(out), home=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    with out.open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == ["source", "item_id", "internet_message_id", "ical_uid", "mailbox",
                             "occurred_at", "account_id", "rule", "confidence"]  # fmt: skip
    attributed = [row for row in rows if row["account_id"]]
    assert len(attributed) == len(evaluated.analysis.attribution)
    assert all(row["occurred_at"].endswith("Z") for row in rows)
    assert {row["source"] for row in rows} == {"mail", "event"}
    unmatched = [row for row in rows if not row["account_id"]]
    assert unmatched and all(not row["rule"] for row in unmatched)
