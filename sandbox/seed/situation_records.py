"""The Salesforce side of the planted situations: cases, contracts, deals, tasks, a duplicate.

Called through `Situations.plant_records` once the generators made their records:
complaints breached and at risk (with their comments), renewals at risk (and renewal
deals on every other key account whose contract ends soon), duplicate accounts, the
overloaded owner's tasks, and clean accounts' cases answered and closed in time.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sandbox.seed import business_time
from sandbox.seed.clock import sf_date, sf_datetime
from sandbox.seed.comments import RESOLUTION_HOURS, comment_record, parse_sf_datetime
from sandbox.seed.model import Record
from sandbox.seed.records import IdMint, sobject_record
from sandbox.seed.service import contract_dates

if TYPE_CHECKING:
    from sandbox.seed.situations import Situations

_AT_RISK_FRACTION = 0.85
_BREACHED_HOURS = 28.0
_RENEWAL_DAYS = 55
_TASK_SUBJECTS = ("Prepare pricing review", "Send meeting notes", "Plan site visit")


def plant_records(
    situations: Situations,
    salesforce: dict[str, list[Record]],
    key_ids: list[str],
    ids: IdMint,
    author_id: str,
) -> set[str]:
    """Cases, contracts, deals, tasks and a duplicate; the Case Ids whose comments are set."""
    handled = _cases(situations, salesforce, ids, author_id)
    _renewals(situations, salesforce, key_ids, ids, author_id)
    _duplicates(situations, salesforce, ids, author_id)
    _overload(situations, salesforce, key_ids, ids, author_id)
    return handled


def _cases(
    situations: Situations, salesforce: dict[str, list[Record]], ids: IdMint, author: str
) -> set[str]:
    comments: list[Record] = []
    handled: set[str] = set()
    clean = set(situations.clean)
    for case in salesforce["Case"]:
        if case["AccountId"] in clean:
            comments += _resolved_in_time(situations, case, ids)
            handled.add(case["Id"])
    for account_id in situations.hosts["silent"]:
        case = _new_case(situations, salesforce, account_id, "High", _BREACHED_HOURS, ids, author)
        handled.add(case["Id"])
        situations.silent_since[account_id] = parse_sf_datetime(case["CreatedDate"])
        note = "Waiting for the warehouse report before answering."
        comments.append(
            comment_record(
                case, ids, situations.clock.now - timedelta(hours=1), note, public=False,
                author_id=case["OwnerId"],
            )
        )  # fmt: skip
        situations.note(
            "complaint breached",
            account_id,
            [case["Id"]],
            f"High case {case['CaseNumber']} open since {case['CreatedDate']}: no public "
            f"comment and no outbound mail - first response SLA 4 business hours breached",
        )
    for account_id in situations.hosts["busy"]:
        hours = _AT_RISK_FRACTION * RESOLUTION_HOURS["Low"]
        case = _new_case(situations, salesforce, account_id, "Low", hours, ids, author)
        handled.add(case["Id"])
        answered = parse_sf_datetime(case["CreatedDate"]) + timedelta(hours=2)
        comments.append(
            comment_record(
                case, ids, answered, "We are on it and will report back within the week.",
                public=True, author_id=case["OwnerId"],
            )
        )  # fmt: skip
        situations.note(
            "complaint at risk",
            account_id,
            [case["Id"], comments[-1]["Id"]],
            f"Low case {case['CaseNumber']}: resolution SLA 80 business hours, "
            f"{_AT_RISK_FRACTION:.0%} used at seed time ({hours:g} h); first response in time "
            f"(public comment after 2 h, SLA 24 h)",
        )
    salesforce.setdefault("CaseComment", []).extend(comments)
    return handled


def _resolved_in_time(situations: Situations, case: Record, ids: IdMint) -> list[Record]:
    """Make a clean account's case one answered and closed in time, weeks ago."""
    created = situations.clock.now - timedelta(days=situations.rng.randint(10, 50), hours=3)
    created = created.replace(microsecond=0)
    closed = created + timedelta(hours=situations.rng.randint(3, 20))
    case.update(
        Status="Closed",
        IsClosed=True,
        IsEscalated=False,
        ClosedDate=sf_datetime(closed),
        CreatedDate=sf_datetime(created),
        LastModifiedDate=sf_datetime(closed),
        SystemModstamp=sf_datetime(closed),
    )
    line = "Thank you - we have arranged a replacement, arriving this week."
    answer = created + timedelta(minutes=situations.rng.randint(15, 150))
    return [comment_record(case, ids, answer, line, public=True, author_id=case["OwnerId"])]


def _new_case(
    situations: Situations,
    salesforce: dict[str, list[Record]],
    account_id: str,
    priority: str,
    hours: float,
    ids: IdMint,
    author: str,
) -> Record:
    plan, contact = situations.plans[account_id], situations.people[account_id][0]
    created = business_time.hours_before(situations.clock.now, hours, plan.company.place.country)
    values = {
        "CaseNumber": f"{1000 + len(salesforce['Case']) + 1:08d}",
        "AccountId": account_id,
        "ContactId": contact.id,
        "Subject": "Wrong part delivered for order 77120",
        "Description": f"Reported by {contact.name} of {plan.company.short_name}.",
        "Status": "Working" if priority == "Low" else "New",
        "Priority": priority,
        "Origin": "Email",
        "IsClosed": False,
        "IsEscalated": False,
        "OwnerId": plan.owner.user_id,
    }
    case = sobject_record(
        "Case", ids.next("Case"), values, created=created, modified=created, author_id=author,
    )  # fmt: skip
    salesforce["Case"].append(case)
    return case


def _renewals(
    situations: Situations,
    salesforce: dict[str, list[Record]],
    key_ids: list[str],
    ids: IdMint,
    author: str,
) -> None:
    """At-risk contracts on their hosts; every other ending key contract has a renewal deal."""
    at_risk = set(situations.hosts["other"])
    today = situations.clock.today
    renamed: dict[str, tuple[str, str]] = {}
    for deal in salesforce["Opportunity"]:
        if deal["AccountId"] in at_risk and not deal["IsClosed"]:
            _not_a_renewal(deal, renamed)
    activated: dict[str, Record] = {}
    for contract in salesforce["Contract"]:
        if contract["AccountId"] in at_risk and contract["Status"] == "Activated":
            activated.setdefault(contract["AccountId"], contract)
    for account_id in sorted(at_risk):
        contract = activated[account_id]
        ends = today + timedelta(days=_RENEWAL_DAYS)
        start, end = contract_dates(ends, contract["ContractTerm"])
        contract.update(StartDate=sf_date(start), EndDate=sf_date(end))
        situations.note(
            "renewal at risk",
            account_id,
            [contract["Id"]],
            f"Activated contract {contract['ContractNumber']} ends {contract['EndDate']} "
            f"({(end - today).days} days) and the account has no open renewal opportunity",
        )
    _rename_line_items(salesforce["OpportunityLineItem"], renamed)
    renewing = {
        o["AccountId"] for o in salesforce["Opportunity"] if not o["IsClosed"] and _renewal(o)
    }
    horizon = today + timedelta(days=90)
    key = set(key_ids) - at_risk
    for contract in salesforce["Contract"]:
        account_id = contract["AccountId"]
        ends = date.fromisoformat(contract["EndDate"])
        if (
            account_id in key and account_id not in renewing
            and contract["Status"] == "Activated" and today <= ends <= horizon
        ):  # fmt: skip
            salesforce["Opportunity"].append(_renewal_deal(situations, contract, ids, author))
            renewing.add(account_id)


def _renewal_deal(situations: Situations, contract: Record, ids: IdMint, author: str) -> Record:
    plan = situations.plans[contract["AccountId"]]
    amount = round(plan.annual_spend or 50_000.0, -3)
    close = max(
        date.fromisoformat(contract["EndDate"]) - timedelta(days=7), situations.clock.day(1)
    )
    values = {
        "AccountId": plan.id,
        "Name": f"{plan.company.short_name} - Supply agreement Renewal",
        "StageName": "Negotiation/Review",
        "Amount": amount,
        "Probability": 90.0,
        "ExpectedRevenue": round(amount * 90.0 / 100, 2),
        "CloseDate": sf_date(close),
        "Type": "Renewal",
        "IsClosed": False,
        "IsWon": False,
        "ForecastCategoryName": "Pipeline",
        "NextStep": "Send renewal proposal",
        "OwnerId": plan.owner.user_id,
    }
    created = situations.clock.now - timedelta(days=situations.rng.randint(5, 20))
    return sobject_record(
        "Opportunity", ids.next("Opportunity"), values, created=created, modified=created,
        author_id=author,
    )  # fmt: skip


def _duplicates(
    situations: Situations, salesforce: dict[str, list[Record]], ids: IdMint, author: str
) -> None:
    accounts = {a["Id"]: a for a in salesforce["Account"]}
    for account_id in situations.hosts["other"]:
        original, plan = accounts[account_id], situations.plans[account_id]
        legal = "Corporation" if not original["Name"].endswith("Corporation") else "Inc."
        values = {
            **{k: original[k] for k in ("Industry", "BillingCity", "BillingCountry", "Phone")},
            "Name": f"{plan.company.short_name.upper()} {legal}",
            "Type": "Prospect",
            "Website": f"http://{plan.company.domain}/",
            "OwnerId": situations.staff.reps[0].user_id
            if situations.staff.reps
            else plan.owner.user_id,
            "Key_Account__c": False,
            "Description": "Created from a trade-fair lead.",
        }
        created = situations.clock.now - timedelta(days=situations.rng.randint(30, 200))
        duplicate = sobject_record(
            "Account", ids.next("Account"), values, created=created, modified=created,
            author_id=author,
        )  # fmt: skip
        salesforce["Account"].append(duplicate)
        situations.note(
            "duplicate account",
            account_id,
            [account_id, duplicate["Id"]],
            f"{values['Name']!r} duplicates {original['Name']!r}: same website domain "
            f"{plan.company.domain}, phone and billing city",
        )


def _overload(
    situations: Situations,
    salesforce: dict[str, list[Record]],
    key_ids: list[str],
    ids: IdMint,
    author: str,
) -> None:
    """Give one KAM open work on key accounts (open tasks, opportunities and cases) of at
    least 2.5 times the median of the other KAMs: their peers (same job title)."""
    owner = situations.overloaded_owner
    key = set(key_ids)
    plans = situations.plans
    peers = {kam.salesforce_id or "" for kam in situations.staff.kams} - {"", owner}
    load: Counter[str] = Counter()
    for sobject in ("Task", "Opportunity", "Case"):
        load.update(
            r["OwnerId"] for r in salesforce[sobject] if not r["IsClosed"] and r["AccountId"] in key
        )
    clean = set(situations.clean)
    hosts = [
        a for a in key_ids
        if a in plans and plans[a].owner.salesforce_id == owner and a not in clean
    ]  # fmt: skip
    if owner is None or not hosts:
        return
    median = statistics.median([load[peer] for peer in peers if peer] or [4])
    added: list[str] = []
    while load[owner] < max(12, 2.5 * median):
        account_id = hosts[len(added) % len(hosts)]
        task = _task(situations, account_id, len(added), ids, author)
        salesforce["Task"].append(task)
        added.append(task["Id"])
        load[owner] += 1
    situations.note(
        "overloaded team member",
        hosts[0],
        [owner, *added],
        f"user {owner} owns {load[owner]} open tasks, opportunities and cases on key accounts; "
        f"the median of the other key account managers is {median:g}",
    )


def _task(situations: Situations, account_id: str, number: int, ids: IdMint, author: str) -> Record:
    plan = situations.plans[account_id]
    due = situations.clock.day(situations.rng.randint(-5, 20))
    values = {
        "WhoId": situations.people[account_id][0].id,
        "WhatId": account_id,
        "AccountId": account_id,
        "Subject": _TASK_SUBJECTS[number % len(_TASK_SUBJECTS)],
        "ActivityDate": sf_date(due),
        "Status": "Not Started",
        "Priority": "Normal",
        "IsClosed": False,
        "Description": f"Follow-up for {plan.company.short_name}.",
        "OwnerId": plan.owner.user_id,
    }
    created = situations.clock.now - timedelta(days=situations.rng.randint(1, 15))
    return sobject_record(
        "Task", ids.next("Task"), values, created=created, modified=created, author_id=author
    )


def _not_a_renewal(deal: Record, renamed: dict[str, tuple[str, str]]) -> None:
    """Re-type an open renewal deal as an expansion, noting Id -> (old name, new name)."""
    if _renewal(deal):
        old = deal["Name"] or ""
        deal["Name"] = old.replace("Renewal", "Expansion").replace("renewal", "expansion")
        deal["Type"] = "Existing Customer - Upgrade"
        renamed[deal["Id"]] = (old, deal["Name"])


def _renewal(deal: Record) -> bool:
    """A renewal deal by the product's rule: Type "Renewal" or "renewal" in its name."""
    return deal["Type"] == "Renewal" or "renewal" in (deal["Name"] or "").lower()


def _rename_line_items(line_items: list[Record], renamed: dict[str, tuple[str, str]]) -> None:
    """Line items are named after their deal: follow the deals renamed."""
    for line in line_items if renamed else ():
        old, new = renamed.get(line["OpportunityId"], ("", ""))
        if old and line["Name"].startswith(old):
            line["Name"] = new + line["Name"][len(old) :]
