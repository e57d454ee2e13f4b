"""Hostile CRM data through the whole cycle: every record is processed or listed under
"Data issues", nothing crashes, and no formula, markup or header injection gets out.

The records go into a fresh tiny stand-in through its REST API, as any client would
write them. Multi-currency (CurrencyIsoCode) is not served by the stand-in: the unit
tests of `transforms.data_issues` cover it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
import requests
from openpyxl import load_workbook
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from simple_salesforce import Salesforce
from typer.testing import CliRunner

from config.loader import load_settings
from connectors.m365 import GraphClient, default_list_id, linked_tasks
from connectors.store import Store
from flows.artifacts import DATA_ISSUES_ARTIFACT
from flows.cli import app
from flows.cycle import kam_cycle
from tests.conftest import start_sandbox

pytestmark = pytest.mark.e2e

TODAY = date.today()
SOON = (TODAY + timedelta(days=5)).isoformat()
RECENT = (TODAY - timedelta(days=20)).isoformat()
FORMULA_NAMES = (
    '=HYPERLINK("http://evil.example","Click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "-2+3",
)
SCRIPT = "<script>alert(1)</script><b>bold</b>"
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _org(info: dict[str, Any]) -> Salesforce:
    sf = info["salesforce"]
    token = requests.post(
        f"{sf['login_url']}/services/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": sf["client_id"],
              "client_secret": sf["client_secret"]},
        timeout=30,
    ).json()["access_token"]  # fmt: skip
    return Salesforce(instance_url=sf["instance_url"], session_id=token, version=sf["api_version"])


class Corpus:
    """The hostile records planted in the org: which must be listed, and the rest."""

    def __init__(self, org: Salesforce, owner_id: str) -> None:
        self.org, self.owner_id = org, owner_id
        self.listed: dict[str, str] = {}  # record id -> what it is
        self.processed: dict[str, str] = {}

    def add(self, sobject: str, fields: dict[str, Any], what: str, *, listed: bool) -> str:
        record_id = str(getattr(self.org, sobject).create(fields)["id"])
        (self.listed if listed else self.processed)[record_id] = what
        return record_id

    def account(self, name: str, what: str, *, listed: bool = True) -> str:
        fields = {"Name": name, "Key_Account__c": True, "OwnerId": self.owner_id}
        return self.add("Account", fields, what, listed=listed)

    def opportunity(self, account: str, what: str, *, listed: bool, **fields: Any) -> str:
        base = {"Name": what, "AccountId": account, "StageName": "Prospecting", "CloseDate": SOON,
                "Amount": 1000, "OwnerId": self.owner_id}  # fmt: skip
        return self.add("Opportunity", base | fields, what, listed=listed)

    def task(self, what: str, *, listed: bool, **fields: Any) -> str:
        base = {"Subject": what, "ActivityDate": SOON, "OwnerId": self.owner_id}
        return self.add("Task", base | fields, what, listed=listed)


def plant(org: Salesforce, owner_id: str) -> Corpus:
    corpus = Corpus(org, owner_id)
    formula = corpus.account(FORMULA_NAMES[0], "formula name")
    for name in FORMULA_NAMES[1:]:
        corpus.account(name, f"formula name {name}")
    script = corpus.account(SCRIPT, "HTML name")
    corpus.account("x" * 10_000, "10,000-character name", listed=False)
    corpus.account("Bell\x07\x00 Corp\x1b[31m", "control characters")
    corpus.opportunity(script, "<img src=x onerror=alert(1)>", listed=True)
    corpus.opportunity(formula, "credit note", listed=True, StageName="Closed Won",
                       CloseDate=RECENT, Amount=-5000)  # fmt: skip
    corpus.opportunity(formula, "giant", listed=True, StageName="Closed Won", CloseDate=RECENT,
                       Amount=1e17)  # fmt: skip
    corpus.opportunity(formula, "year 1", listed=True, CloseDate="0001-01-01")
    corpus.opportunity(formula, "year 1700", listed=True, CloseDate="1700-01-01")
    corpus.opportunity(formula, "year 9999", listed=False, CloseDate="9999-12-31")
    corpus.opportunity(formula, "no amount", listed=False, Amount=None)
    corpus.task("Renewal " + "y" * 10_000, listed=True, WhatId=formula)
    corpus.task("Call\r\nBcc: x@evil.test\x07", listed=True, WhatId=formula)
    corpus.task("no WhatId", listed=True)
    corpus.add("Contact", {"LastName": SCRIPT, "AccountId": script, "Email": "ok@client.example"},
               "HTML contact name", listed=True)  # fmt: skip
    corpus.add("Contact", {"LastName": "Crlf", "AccountId": formula,
                           "Email": "a@client.example\r\nBcc: x@evil.test"},
               "CRLF e-mail", listed=True)  # fmt: skip
    return corpus


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Corpus]]:
    """A fresh tiny stand-in holding the hostile corpus, and its config file."""
    with start_sandbox(tmp_path_factory.mktemp("hostile-sandbox")) as process:
        info = process.info
        previous = os.environ.get("REQUESTS_CA_BUNDLE")
        os.environ["REQUESTS_CA_BUNDLE"] = info["ca_bundle"]
        try:
            org = _org(info)
            mailbox = load_settings(info["config"]).m365.mailboxes[0]
            owner = org.query(f"SELECT Id FROM User WHERE Email = '{mailbox}'")["records"][0]
            yield Path(info["config"]), plant(org, owner["Id"])
        finally:
            if previous is None:
                os.environ.pop("REQUESTS_CA_BUNDLE", None)
            else:
                os.environ["REQUESTS_CA_BUNDLE"] = previous


@pytest.fixture
def config(
    hostile: tuple[Path, Corpus],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    path, _ = hostile
    home = tmp_path_factory.getbasetemp() / "hostile-home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", os.environ["REQUESTS_CA_BUNDLE"])
    monkeypatch.setenv("KAMSYNC_REPORTS__LOCAL_DIR", str(home / "out"))
    monkeypatch.setenv("KAMSYNC_STORE__URL", f"sqlite:///{home / 'kamsync.db'}")
    return path


def _sent_items(config: Path) -> list[dict[str, Any]]:
    settings = load_settings(config)
    graph = GraphClient(settings.m365)
    url = f"{graph.user_path(settings.reports.sender)}/mailFolders/sentitems/messages"
    return [
        message
        for page in graph.pages(url, {"$select": "subject,body,toRecipients", "$top": 50})
        for message in page
    ]


def test_hostile_records_are_processed_or_listed_and_nothing_is_injected(
    config: Path, hostile: tuple[Path, Corpus], prefect_harness: None
) -> None:
    _, corpus = hostile
    summary = kam_cycle(config_file=str(config))
    assert isinstance(summary, dict)

    listed = {row["record_id"] for row in summary["data_issues"]}
    missing = {rid: what for rid, what in corpus.listed.items() if rid not in listed}
    assert not missing, f"not in Data issues: {missing}"

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[DATA_ISSUES_ARTIFACT]))
        )
    assert any(set(corpus.listed) <= set(re.findall(r"\b\w{18}\b", str(a.data)))
               for a in artifacts), "the Prefect artifact lists them too"  # fmt: skip

    workbook = load_workbook(summary["report"]["local_path"])
    assert "Data issues" in workbook.sheetnames
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"], "no formula cells"
    texts = [str(cell.value) for cell in cells if cell.data_type == "s"]
    assert any(text.startswith("=HYPERLINK") for text in texts), "formula names stay text"
    assert not [text for text in texts if CONTROL.search(text.replace("\n", ""))]
    with Store(load_settings(config).store.url) as store:
        mirrored = {
            record_id
            for name in ("Account", "Opportunity", "Task", "Contact")
            for record_id in store.read_table("salesforce", name)["Id"]
        }
    assert set(corpus.processed) | set(corpus.listed) <= mirrored, "every record was read"
    deadline_rows = {
        row[8]: row[0] for row in workbook["Deadlines"].iter_rows(min_row=2, values_only=True)
    }
    old_dates = [rid for rid, what in corpus.listed.items() if what.startswith("year")]
    assert {deadline_rows[rid] for rid in old_dates} == {"0001-01-01", "1700-01-01"}

    for message in _sent_items(config):
        html = message["body"]["content"]
        assert "<script" not in html.lower() and "<img src=x" not in html.lower()
        assert not CONTROL.search(message["subject"])
        for recipient in message["toRecipients"]:
            assert not CONTROL.search(recipient["emailAddress"]["address"])

    settings = load_settings(config)
    graph = GraphClient(settings.m365)
    mailbox = settings.m365.mailboxes[0]
    titles = linked_tasks(graph, mailbox, default_list_id(graph, mailbox))["title"].tolist()
    assert any(title.startswith("Renewal yyy") for title in titles)
    assert all(len(title) <= 255 and not CONTROL.search(title) for title in titles)


def test_failed_to_do_writes_end_the_run_failed_and_the_next_run_retries_them(
    config: Path, hostile: tuple[Path, Corpus], prefect_harness: None
) -> None:
    path, corpus = hostile
    formula = next(rid for rid, what in corpus.listed.items() if what == "formula name")
    new = [corpus.task(f"Retry me {n}", listed=False, WhatId=formula) for n in range(3)]
    info_graph = load_settings(path).m365.graph_url
    requests.post(
        f"{str(info_graph).rstrip('/')}/_sandbox/graph/faults",
        json={"method": "POST", "path": "/todo/lists/[^/]+/tasks$", "in_batch": True,
              "status": 400, "code": "invalidRequest", "message": "refused for the test",
              "times": 3},
        timeout=30,
    ).raise_for_status()  # fmt: skip

    failed = CliRunner().invoke(app, ["run", "cycle", "--config", str(config)])
    assert failed.exit_code == 1, failed.output
    assert "3 To Do writes failed" in failed.output
    assert "next run retries them" in failed.output

    retried = CliRunner().invoke(app, ["run", "cycle", "--config", str(config)])
    assert retried.exit_code == 0, retried.output
    settings = load_settings(config)
    graph = GraphClient(settings.m365)
    mailbox = settings.m365.mailboxes[0]
    linked = set(linked_tasks(graph, mailbox, default_list_id(graph, mailbox))["external_id"])
    assert set(new) <= linked


def test_a_digest_found_in_sent_items_is_not_reported_as_sent(
    hostile: tuple[Path, Corpus],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    prefect_harness: None,
) -> None:
    """A store that lost its record of today's digest (a crash after sendMail) finds the
    mail in Sent Items and says so."""
    path, _ = hostile
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", os.environ["REQUESTS_CA_BUNDLE"])
    monkeypatch.setenv("KAMSYNC_REPORTS__LOCAL_DIR", str(tmp_path / "out"))
    digest: dict[str, Any] = {}
    for attempt in range(2):
        monkeypatch.setenv("KAMSYNC_STORE__URL", f"sqlite:///{tmp_path / f'store{attempt}.db'}")
        summary = kam_cycle(config_file=str(path))
        assert isinstance(summary, dict)
        digest = summary["digest"]
        if digest["status"] != "sent":
            break
    assert digest["status"] == "already sent"
    assert digest["note"] == f"digest of {TODAY} already in Sent Items, not sent again"


def test_a_cycle_with_no_key_accounts_runs_through(
    config: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, prefect_harness: None
) -> None:
    """No account flagged by the flag field and no revenue in the last day: 0 key accounts,
    and the dry run still writes its (empty) report."""
    monkeypatch.setenv("KAMSYNC_KEY_ACCOUNTS__FLAG_FIELD", "IsDeleted")
    monkeypatch.setenv("KAMSYNC_KEY_ACCOUNTS__LOOKBACK_DAYS", "1")
    monkeypatch.setenv("KAMSYNC_STORE__URL", f"sqlite:///{tmp_path / 'empty.db'}")
    result = CliRunner().invoke(
        app, ["run", "cycle", "--config", str(config), "--dry-run",
              "--report-date", (TODAY + timedelta(days=400)).isoformat()],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Key accounts: 0" in result.output
    assert "Data issues: " in result.output


def test_a_cycle_after_the_daily_api_limit_is_spent_ends_cleanly(
    config: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, prefect_harness: None
) -> None:
    """Nothing can be pulled into an empty store: 0 key accounts, and the run still ends
    with its report instead of a traceback; it resumes next run."""
    limits = (
        f"{str(load_settings(config).salesforce.login_url).rstrip('/')}/_sandbox/salesforce/limits"
    )
    allowance = requests.get(limits, timeout=30).json()
    monkeypatch.setenv("KAMSYNC_STORE__URL", f"sqlite:///{tmp_path / 'spent.db'}")
    requests.put(limits, json={"used": allowance["daily_api_limit"]}, timeout=30).raise_for_status()
    try:
        result = CliRunner().invoke(app, ["run", "cycle", "--config", str(config), "--dry-run"])
    finally:
        requests.put(limits, json={"used": allowance["used"]}, timeout=30).raise_for_status()
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "TypeError" not in result.output


def test_a_subject_changed_back_and_forth_in_the_crm_reaches_to_do_each_time(
    config: Path, hostile: tuple[Path, Corpus], prefect_harness: None
) -> None:
    _, corpus = hostile
    formula = next(rid for rid, what in corpus.listed.items() if what == "formula name")
    task_id = corpus.task("Subject A", listed=False, WhatId=formula)
    settings = load_settings(config)
    graph = GraphClient(settings.m365)
    mailbox = settings.m365.mailboxes[0]
    for subject in ("Subject A", "Subject B", "Subject A", "Subject B"):
        cast(Any, corpus.org).Task.update(task_id, {"Subject": subject})
        summary = kam_cycle(config_file=str(config))
        assert isinstance(summary, dict)
        tasks = linked_tasks(graph, mailbox, default_list_id(graph, mailbox))
        titles = tasks.set_index("external_id")["title"]
        assert titles[task_id] == subject
