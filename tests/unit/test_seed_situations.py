"""The seed plants every situation with its truth, and keeps its clean accounts clean."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from sandbox.seed import Seed
from sandbox.seed.business_time import hours_between
from sandbox.seed.comments import FIRST_RESPONSE_HOURS, RESOLUTION_HOURS
from tests.unit.test_seed_support import seed_of

TODAY = date(2026, 12, 7)
NOW = datetime.combine(TODAY, datetime.min.time(), UTC)
KINDS = (
    "cold account",
    "unanswered mail",
    "complaint at risk",
    "complaint breached",
    "moved contact",
    "subsidiary domain",
    "duplicate account",
    "overloaded team member",
    "renewal at risk",
    "unknown correspondent",
)
PRESETS = ("tiny", "demo")


def seed(preset: str) -> Seed:
    return seed_of(preset, TODAY)


def _stamp(text: str) -> datetime:
    if text.endswith("Z"):
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


def _messages(s: Seed) -> list[dict]:
    return [m for box in s.graph.messages.values() for m in box]


def _addresses(message: dict) -> set[str]:
    people = [message["from"], *message["toRecipients"], *message["ccRecipients"]]
    return {p["emailAddress"]["address"] for p in people}


@pytest.mark.parametrize("preset", PRESETS)
def test_every_kind_is_planted_on_key_accounts_with_known_ids(preset: str) -> None:
    s = seed(preset)
    truth = s.truth.to_json()
    assert Counter(item["kind"] for item in truth["situations"]).keys() == set(KINDS)
    record_ids = {r["Id"] for records in s.salesforce.values() for r in records}
    message_ids = {m["internetMessageId"] for m in _messages(s)}
    addresses = set().union(*map(_addresses, _messages(s)))
    # a subsidiary domain may be known only from its people's contact records
    addresses |= {c["Email"] for c in s.salesforce["Contact"]}
    addresses |= {a.split("@")[1] for a in addresses}
    key = set(truth["key_account_ids"])
    for item in truth["situations"]:
        assert item["detail"] and item["ids"]
        assert all(i in record_ids | message_ids | addresses for i in item["ids"]), item
        if item["kind"] not in ("moved contact", "subsidiary domain"):
            assert item["account_id"] in key, item
    assert message_ids <= truth["message_accounts"].keys()


@pytest.mark.parametrize("preset", PRESETS)
def test_clean_accounts_are_key_and_free_of_every_situation(preset: str) -> None:
    truth = seed(preset).truth
    clean = set(truth.clean_account_ids)
    assert len(clean) >= (2 if preset == "tiny" else 3)
    assert clean <= set(truth.key_account_ids)
    assert not clean & {item["account_id"] for item in truth.situations}


@pytest.mark.parametrize("preset", PRESETS)
def test_clean_accounts_are_touched_met_and_answered(preset: str) -> None:
    s = seed(preset)
    contacts = {c["Email"]: c["AccountId"] for c in s.salesforce["Contact"]}
    tenant = "@" + s.graph.tenant_domain
    for account_id in s.truth.clean_account_ids:
        mine = [
            m
            for m in _messages(s)
            if s.truth.message_accounts[m["internetMessageId"]] == account_id
        ]
        external = [m for m in mine if not all(a.endswith(tenant) for a in _addresses(m))]
        for message in external:
            outside = {a for a in _addresses(message) if not a.endswith(tenant)}
            assert all(contacts.get(a) == account_id for a in outside), outside
        week = [m for m in external if _stamp(m["sentDateTime"]) >= NOW - timedelta(days=7)]
        senders = {m["from"]["emailAddress"]["address"].endswith(tenant) for m in week}
        assert senders == {True, False}, account_id
        last_of: dict[str, dict] = {}
        for message in sorted(external, key=lambda m: m["sentDateTime"]):
            last_of[message["conversationId"]] = message
        assert all(m["from"]["emailAddress"]["address"].endswith(tenant) for m in last_of.values())
        held = [
            e for box in s.graph.events.values() for e in box
            if s.truth.event_accounts.get(e["iCalUId"]) == account_id and not e["isCancelled"]
            and NOW - timedelta(days=30) <= _stamp(e["start"]["dateTime"][:19] + "Z") < NOW
        ]  # fmt: skip
        assert held, account_id


@pytest.mark.parametrize("preset", PRESETS)
def test_clean_accounts_have_no_late_case_lapsing_contract_or_duplicate(preset: str) -> None:
    s = seed(preset)
    sf = s.salesforce
    clean = set(s.truth.clean_account_ids)
    public = Counter(c["ParentId"] for c in sf["CaseComment"] if c["IsPublished"])
    for case in sf["Case"]:
        if case["AccountId"] in clean:
            assert case["IsClosed"] and public[case["Id"]], case["Id"]
            created, closed = _stamp(case["CreatedDate"]), _stamp(case["ClosedDate"])
            assert closed - created <= timedelta(hours=24)
    renewing = {
        o["AccountId"] for o in sf["Opportunity"]
        if not o["IsClosed"] and (o["Type"] == "Renewal" or "renewal" in o["Name"].lower())
    }  # fmt: skip
    for contract in sf["Contract"]:
        ends = date.fromisoformat(contract["EndDate"])
        if contract["AccountId"] in clean and contract["Status"] == "Activated":
            assert ends > TODAY + timedelta(days=90) or contract["AccountId"] in renewing
    accounts = {a["Id"]: a for a in sf["Account"]}
    websites = Counter(
        a["Website"].split("//")[1].strip("/").removeprefix("www.") for a in accounts.values()
    )
    assert all(websites[accounts[a]["Website"].split("//www.")[1]] == 1 for a in clean)
    users = {u["Id"] for u in sf["User"]}
    mailboxes = {u["mail"] for u in s.graph.users}
    emails = {u["Id"]: u["Email"] for u in sf["User"]}
    for account_id in clean:
        owner = accounts[account_id]["OwnerId"]
        assert owner in users and emails[owner] in mailboxes
        for contact in sf["Contact"]:
            if contact["AccountId"] == account_id:
                assert contact["Email"].count("@") == 1 and " " not in contact["Email"]


@pytest.mark.parametrize("preset", PRESETS)
def test_the_overloaded_owner_is_not_on_clean_accounts(preset: str) -> None:
    s = seed(preset)
    sf = s.salesforce
    key = set(s.truth.key_account_ids)
    load: Counter[str] = Counter()
    for sobject in ("Task", "Opportunity", "Case"):
        load.update(
            r["OwnerId"] for r in sf[sobject] if not r["IsClosed"] and r["AccountId"] in key
        )
    (item,) = [i for i in s.truth.situations if i["kind"] == "overloaded team member"]
    owner = item["ids"][0]
    titles = {u["Id"]: u["Title"] for u in sf["User"]}
    peers = {u for u, title in titles.items() if title == titles[owner]} - {owner}
    assert load[owner] >= max(12, 2.5 * statistics.median(load[peer] for peer in peers))
    owners = {a["Id"]: a["OwnerId"] for a in sf["Account"]}
    team = {
        m["UserId"] for m in sf["AccountTeamMember"] if m["AccountId"] in s.truth.clean_account_ids
    }
    assert owner not in team | {owners[a] for a in s.truth.clean_account_ids}


def test_planted_complaints_and_renewal_match_their_rule() -> None:
    s = seed("demo")
    sf = s.salesforce
    cases = {c["Id"]: c for c in sf["Case"]}
    comments = [c for c in sf["CaseComment"]]
    by_kind = {i["kind"]: i for i in s.truth.situations}
    breached = cases[by_kind["complaint breached"]["ids"][0]]
    assert breached["Priority"] == "High" and not breached["IsClosed"]
    assert not [c for c in comments if c["ParentId"] == breached["Id"] and c["IsPublished"]]
    at_risk = cases[by_kind["complaint at risk"]["ids"][0]]
    assert not at_risk["IsClosed"] and "85%" in by_kind["complaint at risk"]["detail"]
    contract = next(c for c in sf["Contract"] if c["Id"] == by_kind["renewal at risk"]["ids"][0])
    assert 30 <= (date.fromisoformat(contract["EndDate"]) - TODAY).days <= 80
    unanswered = by_kind["unanswered mail"]["ids"][0]
    sent = [m for m in _messages(s) if m["internetMessageId"] == unanswered]
    assert NOW - timedelta(days=5) <= _stamp(sent[0]["sentDateTime"]) < NOW


def test_case_comments_are_stored_like_other_objects() -> None:
    from sandbox.salesforce.schema import fields_of

    comments = seed("tiny").salesforce["CaseComment"]
    assert comments and set(comments[0]) == set(fields_of("CaseComment"))
    assert sum(c["IsPublished"] for c in comments) > len(comments) / 2


def _hours(s: Seed, account_id: str, start: datetime, end: datetime) -> float:
    """Business hours of the account's country from start to end (the product's rule)."""
    country = next(a["BillingCountry"] for a in s.salesforce["Account"] if a["Id"] == account_id)
    return hours_between(start, end, country)


@pytest.mark.parametrize("preset", PRESETS)
def test_planted_sla_situations_hold_in_product_business_hours(preset: str) -> None:
    s = seed(preset)
    cases = {c["Id"]: c for c in s.salesforce["Case"]}
    for item in s.truth.situations:
        account_id = item["account_id"]
        if item["kind"] == "complaint at risk":
            case = cases[item["ids"][0]]
            used = _hours(s, account_id, _stamp(case["CreatedDate"]), NOW)
            assert 0.8 <= used / RESOLUTION_HOURS[case["Priority"]] <= 0.9, item
            (answer,) = [c for c in s.salesforce["CaseComment"] if c["Id"] == item["ids"][1]]
            assert answer["IsPublished"] and answer["ParentId"] == case["Id"]
            waited = _hours(
                s, account_id, _stamp(case["CreatedDate"]), _stamp(answer["CreatedDate"])
            )
            assert waited <= FIRST_RESPONSE_HOURS[case["Priority"]]
        elif item["kind"] == "complaint breached":
            case = cases[item["ids"][0]]
            used = _hours(s, account_id, _stamp(case["CreatedDate"]), NOW)
            assert used > FIRST_RESPONSE_HOURS["High"], item
        elif item["kind"] == "unanswered mail":
            (mail, *_) = [m for m in _messages(s) if m["internetMessageId"] == item["ids"][0]]
            sent = _stamp(mail["sentDateTime"])
            assert _hours(s, account_id, sent, NOW) >= 8, item
            assert NOW - sent <= timedelta(days=5)
            replies = [
                m for m in _messages(s)
                if m["conversationId"] == mail["conversationId"]
                and _stamp(m["sentDateTime"]) > sent
            ]  # fmt: skip
            assert not replies, item


@pytest.mark.parametrize("preset", PRESETS)
def test_clean_accounts_answer_in_time_and_keep_their_revenue(preset: str) -> None:
    s = seed(preset)
    sf = s.salesforce
    clean = set(s.truth.clean_account_ids)
    first_answer: dict[str, datetime] = {}
    for comment in sorted(sf["CaseComment"], key=lambda c: c["CreatedDate"]):
        if comment["IsPublished"]:
            first_answer.setdefault(comment["ParentId"], _stamp(comment["CreatedDate"]))
    for case in sf["Case"]:
        if case["AccountId"] in clean:
            # wall-clock hours bound business hours: in time whatever the calendar
            waited = first_answer[case["Id"]] - _stamp(case["CreatedDate"])
            assert waited <= timedelta(hours=FIRST_RESPONSE_HOURS[case["Priority"]]), case["Id"]
    revenue: defaultdict[tuple[str, int], float] = defaultdict(float)
    for deal in sf["Opportunity"]:
        days = (TODAY - date.fromisoformat(deal["CloseDate"])).days
        if deal["AccountId"] in clean and deal["IsWon"] and 0 <= days < 730:
            revenue[deal["AccountId"], days // 365] += max(deal["Amount"] or 0.0, 0.0)
    for account_id in clean:
        assert revenue[account_id, 0] >= revenue[account_id, 1], account_id


@pytest.mark.parametrize("preset", PRESETS)
def test_unknown_correspondents_are_no_contacts_and_write_twice(preset: str) -> None:
    s = seed(preset)
    contacts = {c["Email"] for c in s.salesforce["Contact"]}
    known_domains = {d for domains in s.truth.account_domains.values() for d in domains}
    sent_by = Counter(
        address for address, _ in {
            (m["from"]["emailAddress"]["address"], m["internetMessageId"]) for m in _messages(s)
        }
    )  # fmt: skip
    found = [i for i in s.truth.situations if i["kind"] == "unknown correspondent"]
    own = [i for i in found if i["ids"][0].split("@")[1] in known_domains]
    outside = [i for i in found if i["ids"][0].split("@")[1] not in known_domains]
    assert len(own) >= 2 and outside
    for item in found:
        address = item["ids"][0]
        assert address not in contacts and sent_by[address] >= 2, item
    for item in own:
        assert item["ids"][0].split("@")[1] in s.truth.account_domains[item["account_id"]]


def test_the_stand_in_serves_case_comments_as_the_connector_asks(tmp_path: Path) -> None:
    from connectors.salesforce.objects import OBJECTS
    from tests.unit.test_sandbox_salesforce_helpers import make_org

    sf = seed("tiny").salesforce
    org = make_org(
        tmp_path, {name: sf[name] for name in ("User", "Account", "Contact", "Case", "CaseComment")}
    )
    try:
        (spec,) = [spec for spec in OBJECTS if spec.name == "CaseComment"]
        response = org.query(f"SELECT Id, {', '.join(spec.fields)} FROM CaseComment")
        assert response.status_code == 200, response.text
        assert response.json()["totalSize"] == len(sf["CaseComment"])
        case_id = sf["CaseComment"][0]["ParentId"]
        nested = org.query(
            f"SELECT Id, (SELECT CommentBody FROM CaseComments) FROM Case WHERE Id = '{case_id}'"
        )
        assert nested.status_code == 200, nested.text
        assert nested.json()["records"][0]["CaseComments"]["totalSize"] >= 1
    finally:
        org.store.close()
