"""Complaints (Cases) and supply agreements (Contracts) of each account.

Key accounts always get a contract that ends within the next months, and the
first few a fresh high-priority complaint, so renewals and SLA alerts have
something to find in every preset.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sandbox.seed.catalogue import GOODS_FAMILIES
from sandbox.seed.clock import Clock, add_months, sf_date, sf_datetime
from sandbox.seed.crm import ClientContact
from sandbox.seed.model import Record
from sandbox.seed.plans import AccountPlan, Tier
from sandbox.seed.records import IdMint, sobject_record

_CASES: dict[Tier, tuple[int, int]] = {"big": (1, 3), "small": (0, 2), "prospect": (0, 0)}
_CASE_SUBJECTS = (
    "Late delivery of order {order}",
    "Damaged goods in shipment {order}",
    "Invoice {invoice} does not match the quote",
    "Wrong part delivered for order {order}",
    "Missing items in delivery {order}",
    "Quality issue with {product}",
    "Return request for {product}",
    "Request for certificate of conformity",
)
_CASE_STATUSES = ("New", "Working", "Escalated", "Closed")
_CASE_STATUS_WEIGHTS = (20, 30, 10, 40)
_PRIORITIES = ("High", "Medium", "Low")
_PRIORITY_WEIGHTS = (20, 50, 30)
_ORIGINS = ("Email", "Phone", "Web")
_CASE_WINDOW_DAYS = 60
_CONTRACT_TERMS = (12, 24, 36)
_DRAFT_SHARE = 0.1
#: how many key accounts surely get a contract ending within the next 30 days
_URGENT_RENEWALS = 2
#: how many key accounts surely get a high-priority complaint from the last two days
_URGENT_COMPLAINTS = 2


def _case_values(
    plan: AccountPlan, contact: ClientContact, number: int, urgent: bool, rng: random.Random
) -> Record:
    subject = rng.choice(_CASE_SUBJECTS).format(
        order=rng.randint(40000, 99999),
        invoice=rng.randint(100000, 999999),
        product=rng.choice(GOODS_FAMILIES).lower(),
    )
    status = "New" if urgent else rng.choices(_CASE_STATUSES, _CASE_STATUS_WEIGHTS)[0]
    priority = "High" if urgent else rng.choices(_PRIORITIES, _PRIORITY_WEIGHTS)[0]
    return {
        "CaseNumber": f"{1000 + number:08d}",
        "AccountId": plan.id,
        "ContactId": contact.id,
        "Subject": subject,
        "Description": f"Reported by {contact.name} of {plan.company.short_name}.",
        "Status": status,
        "Priority": priority,
        "Origin": rng.choice(_ORIGINS),
        "IsClosed": status == "Closed",
        "IsEscalated": status == "Escalated",
        "OwnerId": plan.owner.user_id,
    }


def case_records(
    plans: list[AccountPlan],
    contacts: dict[str, list[ClientContact]],
    ids: IdMint,
    clock: Clock,
    author_id: str,
    case_scale: float,
    rng: random.Random,
) -> list[Record]:
    """Complaints opened within the last 60 days; some key accounts have a fresh urgent one."""
    records: list[Record] = []
    urgent_left = _URGENT_COMPLAINTS
    for plan in plans:
        count = round(rng.randint(*_CASES[plan.tier]) * case_scale)
        for index in range(max(count, 1 if plan.meant_key else 0)):
            urgent = plan.meant_key and index == 0 and (urgent_left > 0 or rng.random() < 0.25)
            urgent_left -= urgent
            hours_ago = rng.uniform(2, 40) if urgent else rng.uniform(1, 24 * _CASE_WINDOW_DAYS)
            created = max(clock.now - timedelta(hours=hours_ago), plan.created)
            created = created.replace(microsecond=0)
            values = _case_values(
                plan, rng.choice(contacts[plan.id]), len(records) + 1, urgent, rng
            )
            if values["IsClosed"]:
                latest = min(created + timedelta(days=10), clock.now)
                closed = clock.between(min(created + timedelta(hours=2), latest), latest, rng)
                values["ClosedDate"] = sf_datetime(closed)
                modified = closed
            else:
                modified = clock.since(created, rng)
            records.append(
                sobject_record(
                    "Case",
                    ids.next("Case"),
                    values,
                    created=created,
                    modified=modified,
                    author_id=author_id,
                )
            )
    return records


def contract_dates(last_day: date, term_months: int) -> tuple[date, date]:
    """Start and end of a contract ending on (or a few days before) `last_day`.

    Salesforce sets EndDate = StartDate + ContractTerm months - 1 day; starts
    stay on day 1-28 so that every month has that day.
    """
    first_day_after = last_day + timedelta(days=1)
    start = add_months(first_day_after.replace(day=min(first_day_after.day, 28)), -term_months)
    return start, add_months(start, term_months) - timedelta(days=1)


def _contract_terms(plan: AccountPlan, small_share: float, rng: random.Random) -> list[int]:
    """Terms in months of the contracts `plan` has: two for big clients, one for key ones
    and for `small_share` of the other small clients."""
    if plan.tier == "prospect":
        return []
    count = 2 if plan.tier == "big" else int(plan.meant_key or rng.random() < small_share)
    return [rng.choice(_CONTRACT_TERMS) for _ in range(count)]


def _days_left(plan: AccountPlan, term: int, index: int, urgent: bool, rng: random.Random) -> int:
    """Days from today to a contract's end; a key account's first one is up for renewal."""
    if plan.meant_key and index == 0:
        return rng.randint(5, 28) if urgent else rng.randint(30, 150)
    return rng.randint(5, term * 30 - 20)


def contract_records(
    plans: list[AccountPlan],
    ids: IdMint,
    clock: Clock,
    author_id: str,
    small_contract_share: float,
    rng: random.Random,
) -> list[Record]:
    """Supply agreements; key accounts' first contract ends within 150 days."""
    records: list[Record] = []
    urgent_left = _URGENT_RENEWALS
    for plan in plans:
        terms = _contract_terms(plan, small_contract_share, rng)
        urgent = bool(terms) and plan.meant_key and urgent_left > 0
        urgent_left -= urgent
        for index, term in enumerate(terms):
            days_left = _days_left(plan, term, index, urgent, rng)
            start, end = contract_dates(clock.day(days_left), term)
            draft = plan.tier == "small" and not plan.meant_key and rng.random() < _DRAFT_SHARE
            created = max(
                clock.moment(start - timedelta(days=rng.randint(5, 30)), rng), plan.created
            )
            values = {
                "AccountId": plan.id,
                "ContractNumber": f"{99 + len(records) + 1:08d}",
                "Status": "Draft" if draft else "Activated",
                "StartDate": sf_date(start),
                "EndDate": sf_date(end),
                "ContractTerm": term,
                "OwnerId": plan.owner.user_id,
                "Description": f"Supply agreement for {rng.choice(GOODS_FAMILIES).lower()}.",
            }
            records.append(
                sobject_record(
                    "Contract",
                    ids.next("Contract"),
                    values,
                    created=created,
                    modified=clock.since(created, rng),
                    author_id=author_id,
                )
            )
    return records
