"""The seeded company behaves like a real one: consistent CRM rules, Pareto revenue, deadlines."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from sandbox.seed import Seed
from sandbox.seed.names import FREE_MAIL_DOMAINS
from tests.unit.test_seed_support import TESTED_PRESETS, seed_of

TODAY = dt.date(2026, 11, 27)

#: Salesforce's default sales process: stage -> (probability, default forecast category)
DEFAULT_STAGES = {
    "Prospecting": (10, "Pipeline"),
    "Qualification": (10, "Pipeline"),
    "Needs Analysis": (20, "Pipeline"),
    "Value Proposition": (50, "Pipeline"),
    "Id. Decision Makers": (60, "Pipeline"),
    "Perception Analysis": (70, "Pipeline"),
    "Proposal/Price Quote": (75, "Pipeline"),
    "Negotiation/Review": (90, "Pipeline"),
    "Closed Won": (100, "Closed"),
    "Closed Lost": (0, "Omitted"),
}


def seed(preset: str) -> Seed:
    return seed_of(preset, TODAY)


def days_from_today(value: str) -> int:
    return (dt.date.fromisoformat(value[:10]) - TODAY).days


def add_months(day: dt.date, months: int) -> dt.date:
    years, month = divmod(day.month - 1 + months, 12)
    return day.replace(year=day.year + years, month=month + 1)


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_opportunities_follow_the_default_sales_process(preset: str) -> None:
    for opportunity in seed(preset).salesforce["Opportunity"]:
        probability, category = DEFAULT_STAGES[opportunity["StageName"]]
        assert opportunity["Probability"] == probability
        assert opportunity["IsClosed"] == opportunity["StageName"].startswith("Closed")
        assert opportunity["IsWon"] == (opportunity["StageName"] == "Closed Won")
        assert opportunity["ExpectedRevenue"] == pytest.approx(
            opportunity["Amount"] * probability / 100, abs=0.0051
        )
        late_stage_calls = {"Proposal/Price Quote": "Best Case", "Negotiation/Review": "Commit"}
        allowed = {category, late_stage_calls.get(opportunity["StageName"], category)}
        assert opportunity["ForecastCategoryName"] in allowed
        offset = days_from_today(opportunity["CloseDate"])
        if opportunity["IsClosed"]:
            assert -730 <= offset < 0
        else:
            assert -15 <= offset <= 150


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_contracts_end_a_term_after_they_start(preset: str) -> None:
    statuses: Counter[str] = Counter()
    for contract in seed(preset).salesforce["Contract"]:
        start = dt.date.fromisoformat(contract["StartDate"])
        term = contract["ContractTerm"]
        assert term in (12, 24, 36)
        assert start < TODAY
        end = add_months(start, term) - dt.timedelta(days=1)
        assert contract["EndDate"] == end.isoformat()
        statuses[contract["Status"]] += 1
    assert set(statuses) <= {"Activated", "Draft"} and statuses["Activated"] > statuses["Draft"]


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_cases_are_recent_and_closed_ones_say_when(preset: str) -> None:
    for case in seed(preset).salesforce["Case"]:
        assert case["Status"] in ("New", "Working", "Escalated", "Closed")
        assert case["Priority"] in ("High", "Medium", "Low")
        assert case["Origin"] in ("Email", "Phone", "Web")
        assert -60 <= days_from_today(case["CreatedDate"]) <= 0
        assert case["IsClosed"] == (case["Status"] == "Closed")
        assert case["IsEscalated"] == (case["Status"] == "Escalated")
        if case["IsClosed"]:
            assert case["CreatedDate"] <= case["ClosedDate"] == case["LastModifiedDate"]
        else:
            assert case["ClosedDate"] is None


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_tasks_are_open_and_upcoming_or_done_in_the_past(preset: str) -> None:
    for task in seed(preset).salesforce["Task"]:
        assert task["Priority"] in ("Normal", "High")
        assert task["IsClosed"] == (task["Status"] == "Completed")
        offset = days_from_today(task["ActivityDate"])
        if task["IsClosed"]:
            assert -90 <= offset < 0
        else:
            assert task["Status"] in ("Not Started", "In Progress")
            assert -10 <= offset <= 45


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_logged_meetings_last_as_long_as_they_say(preset: str) -> None:
    for event in seed(preset).salesforce["Event"]:
        start = dt.datetime.strptime(event["StartDateTime"], "%Y-%m-%dT%H:%M:%S.000%z")
        end = dt.datetime.strptime(event["EndDateTime"], "%Y-%m-%dT%H:%M:%S.000%z")
        assert end - start == dt.timedelta(minutes=event["DurationInMinutes"])
        assert event["ActivityDate"] == start.date().isoformat()
        assert event["CreatedDate"] >= event["EndDateTime"]


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_every_key_account_has_a_few_logged_meetings(preset: str) -> None:
    logged = Counter(event["AccountId"] for event in seed(preset).salesforce["Event"])
    assert all(logged[account_id] >= 2 for account_id in seed(preset).truth.key_account_ids)


def trailing_revenue(seed: Seed) -> dict[str, float]:
    """Closed-won revenue per account with CloseDate in (today - 365 days, today]."""
    revenue: Counter[str] = Counter()
    for opportunity in seed.salesforce["Opportunity"]:
        if opportunity["IsWon"] and -365 < days_from_today(opportunity["CloseDate"]) <= 0:
            revenue[opportunity["AccountId"]] += opportunity["Amount"]
    return dict(revenue)


def top_revenue_accounts(revenue: dict[str, float]) -> list[str]:
    """The fewest biggest accounts whose revenue reaches 80 % of the total."""
    ranked = sorted(revenue, key=lambda account_id: (-revenue[account_id], account_id))
    total = sum(revenue.values())
    for count in range(1, len(ranked) + 1):
        if sum(revenue[a] for a in ranked[:count]) >= 0.8 * total:
            return ranked[:count]
    return ranked


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_key_account_truth_is_top_revenue_plus_flagged_accounts(preset: str) -> None:
    top = top_revenue_accounts(trailing_revenue(seed(preset)))
    flagged = [a["Id"] for a in seed(preset).salesforce["Account"] if a["Key_Account__c"]]
    assert seed(preset).truth.key_account_ids == sorted(set(top) | set(flagged))


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_a_few_big_clients_owned_mostly_by_kams_bring_most_revenue(preset: str) -> None:
    revenue = trailing_revenue(seed(preset))
    top = top_revenue_accounts(revenue)
    assert len(top) <= 0.2 * len(seed(preset).salesforce["Account"])
    users = {user["Id"]: user for user in seed(preset).salesforce["User"]}
    accounts = {account["Id"]: account for account in seed(preset).salesforce["Account"]}
    owners = Counter(users[accounts[a]["OwnerId"]]["Title"] for a in top)
    assert owners["Key Account Manager"] > len(top) / 2
    small_but_flagged = [
        a for a, account in accounts.items() if account["Key_Account__c"] and a not in top
    ]
    assert len(small_but_flagged) >= 2


def key_records(seed: Seed, sobject: str) -> list[dict]:
    key = set(seed.truth.key_account_ids)
    return [record for record in seed.salesforce[sobject] if record["AccountId"] in key]


def test_tiny_company_has_the_people_and_key_accounts_a_demo_needs() -> None:
    tiny = seed("tiny")
    assert len(tiny.kam_emails) >= 2
    assert len(tiny.truth.key_account_ids) >= 3
    assert 25 <= len(tiny.salesforce["Account"]) <= 35


def test_tiny_key_accounts_have_deadlines_within_the_next_30_days() -> None:
    tiny = seed("tiny")
    tasks_due = {
        t["AccountId"]
        for t in key_records(tiny, "Task")
        if not t["IsClosed"] and 0 <= days_from_today(t["ActivityDate"]) <= 30
    }
    deals_closing = {
        o["AccountId"]
        for o in key_records(tiny, "Opportunity")
        if not o["IsClosed"] and 0 <= days_from_today(o["CloseDate"]) <= 30
    }
    assert tasks_due == deals_closing == set(tiny.truth.key_account_ids)
    ends = [days_from_today(c["EndDate"]) for c in key_records(tiny, "Contract")]
    assert any(0 <= days <= 30 for days in ends)
    assert sum(30 <= days <= 150 for days in ends) >= 2
    fresh_complaints = [
        c
        for c in key_records(tiny, "Case")
        if c["Priority"] == "High" and not c["IsClosed"] and days_from_today(c["CreatedDate"]) >= -2
    ]
    assert fresh_complaints


def test_tiny_kams_each_send_and_receive_client_mail() -> None:
    tiny = seed("tiny")
    user_of = {user["mail"]: user["id"] for user in tiny.graph.users}
    for email in tiny.kam_emails:
        messages = tiny.graph.messages[user_of[email]]
        about = {tiny.truth.message_accounts[m["internetMessageId"]] for m in messages}
        assert {m["parentFolderId"] for m in messages} == {"inbox", "sentitems"}
        assert about & set(tiny.truth.key_account_ids)


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_mail_has_client_threads_internal_mail_newsletters_and_free_mail(preset: str) -> None:
    truth = seed(preset).truth.message_accounts
    senders = {
        m["internetMessageId"]: m["from"]["emailAddress"]["address"]
        for ms in seed(preset).graph.messages.values()
        for m in ms
    }
    domains = Counter(address.split("@")[1] for address in senders.values())
    assert domains["northwind-sandbox.example"] > 0
    assert sum(domains[d] for d in FREE_MAIL_DOMAINS) > 0
    unrelated = [i for i, account in truth.items() if account is None]
    assert 0.05 < len(unrelated) / len(truth) < 0.6
    free_mail = [i for i, a in senders.items() if a.split("@")[1] in FREE_MAIL_DOMAINS]
    assert any(truth[i] is None for i in free_mail)
