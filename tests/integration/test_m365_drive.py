"""OneDrive uploads through the connector against the sandbox: sessions, faults, conflicts."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import quote

import pandas as pd
import pytest
import requests

from config.settings import Settings
from connectors.m365 import GraphClient, GraphError, upload_file
from connectors.m365.drive import DEFAULT_CHUNK, FRAGMENT_QUANTUM
from connectors.m365.workbook import WorkbookNotFound, read_table
from flows.pull_goals import GOAL_READS, GOALS, pull_goals
from tests.integration.stores import Runtimes
from transforms.goals import mirrored_goals

pytestmark = pytest.mark.integration

FIVE_MB = hashlib.sha256(b"seed").digest() * (5 * 1024 * 1024 // 32)


def _user(settings: Settings) -> str:
    return settings.reports.drive_user


def _children(graph: GraphClient, user: str, folder: str) -> list[dict[str, Any]]:
    url = f"{graph.user_path(user)}/drive/root:/{quote(folder)}:/children"
    return [item for page in graph.pages(url) for item in page]


def _content(graph: GraphClient, user: str, path: str) -> bytes:
    item = graph.get(f"{graph.user_path(user)}/drive/root:/{quote(path)}")
    return bytes(requests.get(item["@microsoft.graph.downloadUrl"], timeout=30).content)


def test_five_megabytes_go_through_an_upload_session(
    graph: GraphClient, sandbox_settings: Settings
) -> None:
    user = _user(sandbox_settings)
    before = graph.calls

    uploaded = upload_file(graph, user, "Drive Tests/Session", "big.bin", FIVE_MB)

    assert uploaded.size == len(FIVE_MB)
    assert uploaded.path == "Drive Tests/Session/big.bin"
    # createUploadSession + ⌈5 MiB / 3.125 MiB⌉ = 2 ranges
    assert graph.calls - before == 3
    assert _content(graph, user, "Drive Tests/Session/big.bin") == FIVE_MB


def _faulty(
    graph: GraphClient, monkeypatch: pytest.MonkeyPatch, fail: Callable[[int], str | None]
) -> list[str]:
    """Make range PUT number n fail as `fail(n)` says: 'lost' (stored, answer lost),
    'refused' (never sent) or 'server' (a 503 without Retry-After)."""
    real = graph.account.con.naive_request
    seen: list[str] = []

    def naive_request(url: str, method: str, **kwargs: Any) -> requests.Response:
        seen.append(method)
        fault = fail(seen.count("PUT")) if method == "PUT" else None
        if fault == "refused":
            raise requests.ConnectionError("connection reset by peer")
        if fault == "server":
            failed = requests.Response()
            failed.status_code, failed.url = 503, url
            failed._content = b'{"error":{"code":"serviceNotAvailable","message":"busy"}}'
            raise requests.HTTPError("503 Server Error", response=failed)
        response = real(url, method, **kwargs)
        if fault == "lost":
            raise requests.ConnectionError("read timed out after the bytes were sent")
        return response

    monkeypatch.setattr(graph.account.con, "naive_request", naive_request)
    return seen


@pytest.mark.parametrize("fault", ["lost", "refused", "server"])
def test_a_session_cut_in_the_middle_resumes_to_one_file(
    graph: GraphClient, sandbox_settings: Settings, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    user = _user(sandbox_settings)
    folder = f"Drive Tests/Resume {fault}"
    seen = _faulty(graph, monkeypatch, lambda n: fault if n == 2 else None)

    uploaded = upload_file(graph, user, folder, "cut.bin", FIVE_MB, chunk_size=4 * FRAGMENT_QUANTUM)

    assert "GET" in seen  # asked the session where to resume
    assert uploaded.size == len(FIVE_MB)
    assert [item["name"] for item in _children(graph, user, folder)] == ["cut.bin"]
    assert _content(graph, user, f"{folder}/cut.bin") == FIVE_MB


def test_last_range_answer_lost_still_ends_with_the_file(
    graph: GraphClient, sandbox_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = _user(sandbox_settings)
    ranges = -(-len(FIVE_MB) // DEFAULT_CHUNK)
    _faulty(graph, monkeypatch, lambda n: "lost" if n == ranges else None)

    uploaded = upload_file(graph, user, "Drive Tests/Last", "last.bin", FIVE_MB)

    assert uploaded.size == len(FIVE_MB)
    assert [item["name"] for item in _children(graph, user, "Drive Tests/Last")] == ["last.bin"]


def test_a_session_that_keeps_failing_is_cancelled(
    graph: GraphClient, sandbox_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = _user(sandbox_settings)
    seen = _faulty(graph, monkeypatch, lambda n: "refused" if n >= 2 else None)
    monkeypatch.setattr("connectors.m365.drive.time.sleep", lambda seconds: None)

    with pytest.raises(Exception, match="in transit"):
        upload_file(graph, user, "Drive Tests/Cancelled", "never.bin", FIVE_MB)

    assert seen[-1] == "DELETE"
    with pytest.raises(GraphError) as missing:
        graph.get(f"{graph.user_path(user)}/drive/root:/Drive%20Tests/Cancelled/never.bin")
    assert missing.value.status == 404


@pytest.mark.parametrize("size", [10, len(FIVE_MB)], ids=["simple", "session"])
def test_conflict_behaviours(graph: GraphClient, sandbox_settings: Settings, size: int) -> None:
    user = _user(sandbox_settings)
    folder = f"Drive Tests/Conflicts {size}"
    upload_file(graph, user, folder, "goals.bin", b"o" * size)

    with pytest.raises(GraphError) as refused:
        upload_file(graph, user, folder, "goals.bin", b"f" * size, conflict="fail")
    renamed = upload_file(graph, user, folder, "goals.bin", b"n" * size, conflict="rename")
    replaced = upload_file(graph, user, folder, "goals.bin", b"r" * size, conflict="replace")

    assert refused.value.status == 409
    assert renamed.path == f"{folder}/goals 1.bin"
    assert sorted(item["name"] for item in _children(graph, user, folder)) == [
        "goals 1.bin",
        "goals.bin",
    ]
    assert _content(graph, user, replaced.path)[:1] == b"r"


def test_goals_are_read_from_the_kams_workbook(
    graph: GraphClient, sandbox_settings: Settings
) -> None:
    reports = sandbox_settings.reports
    kam = sandbox_settings.m365.mailboxes[0]

    goals = read_table(graph, kam, reports.goals_workbook, reports.goals_table)

    assert list(goals.columns[:6]) == [
        "Account",
        "Account Id",
        "Period",
        "Revenue Goal",
        "Renewal Goal",
        "Notes",
    ]
    assert goals["sheet_row"].tolist() == list(range(2, len(goals) + 2))
    assert "tbd" in goals["Revenue Goal"].tolist()  # the seed's untidy cells come through
    assert (goals["Account Id"].str.len() == 18).sum() >= 2


def test_a_missing_goals_workbook_names_mailbox_path_and_table(
    graph: GraphClient, sandbox_settings: Settings
) -> None:
    kam = sandbox_settings.m365.mailboxes[0]

    with pytest.raises(WorkbookNotFound, match=rf"'Goals' in KAM/None.xlsx of {kam}"):
        read_table(graph, kam, "KAM/None.xlsx", "Goals")
    with pytest.raises(WorkbookNotFound, match="'Targets'"):
        read_table(graph, kam, sandbox_settings.reports.goals_workbook, "Targets")


def test_goals_are_mirrored_per_kam_and_a_missing_workbook_is_a_problem_row(
    sandbox_settings: Settings, store_url: str, runtimes: Runtimes
) -> None:
    kams = sandbox_settings.m365.mailboxes
    without_goals = sandbox_settings.reports.drive_user
    settings = sandbox_settings.model_copy(
        update={
            "m365": sandbox_settings.m365.model_copy(update={"mailboxes": [*kams, without_goals]}),
        }
    )
    runtime = runtimes.on(settings, store_url)
    raw = read_table(runtime.graph, kams[0], "KAM/Goals.xlsx", "Goals")
    known = raw[raw["Account Id"].str.len() == 18]
    accounts = pd.DataFrame(
        {"Id": known["Account Id"], "Name": known["Account"], "SystemModstamp": "2026-01-01"}
    )
    runtime.store.upsert_records("salesforce", "Account", accounts)

    pulls = [pull_goals.fn(runtime, mailbox) for mailbox in settings.m365.mailboxes]
    assert [pull.rows is None for pull in pulls] == [False] * len(kams) + [True]
    store = runtime.store
    checked = mirrored_goals(
        store.read_table("m365", GOALS), store.read_table("m365", GOAL_READS),
        store.read_table("salesforce", "Account"),
        store.read_table("salesforce", "Opportunity", columns=["AccountId", "Amount", "CloseDate",
                                                               "IsWon"]),
        kams=settings.m365.mailboxes, today=date.today(),
    )  # fmt: skip
    goals, problems = checked.goals, checked.problems

    assert set(goals["kam"]) == {kams[0]}  # the other KAM's accounts are not in this mirror
    assert goals["account_id"].isin(known["Account Id"]).all()
    assert goals["won_revenue"].eq(0).all()  # no opportunities mirrored
    missing = problems[problems["kam"] == without_goals]["reason"].tolist()
    assert len(missing) == 1 and "KAM/Goals.xlsx" in missing[0]
    reasons = problems[problems["kam"] == kams[0]]["reason"].tolist()
    assert "Revenue Goal 'tbd' is not a number" in reasons
