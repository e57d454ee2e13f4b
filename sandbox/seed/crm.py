"""Accounts and their contacts, expanded from the account plans."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from sandbox.seed.clock import Clock
from sandbox.seed.model import Record
from sandbox.seed.names import FREE_MAIL_DOMAINS, NameBook, ascii_slug, phone_number
from sandbox.seed.plans import AccountPlan, Tier
from sandbox.seed.records import IdMint, sobject_record

_CONTACTS_PER_ACCOUNT: dict[Tier, tuple[int, int]] = {
    "big": (4, 6),
    "small": (2, 4),
    "prospect": (2, 3),
}
_CONTACT_TITLES = (
    "Head of Procurement",
    "Purchasing Manager",
    "Senior Buyer",
    "Supply Chain Manager",
    "Operations Director",
    "Plant Manager",
    "Chief Financial Officer",
    "Accounts Payable Manager",
    "Quality Manager",
    "Maintenance Manager",
    "Chief Executive Officer",
)
_FREE_MAIL_SHARE = 0.04
#: ERP customer numbers run from 1 to 999999 ("ERP-000001")
_ERP_NUMBERS = 1_000_000
_ACCOUNT_TYPES: dict[Tier, tuple[str, ...]] = {
    "big": ("Customer - Direct",),
    "small": ("Customer - Direct", "Customer - Direct", "Customer - Channel"),
    "prospect": ("Prospect",),
}


@dataclass(frozen=True)
class ClientContact:
    """A person at a client, as mail and meetings need them."""

    id: str
    account_id: str
    first_name: str
    last_name: str
    email: str
    title: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def address(self) -> dict[str, dict[str, str]]:
        return {"emailAddress": {"name": self.name, "address": self.email}}


def erp_numbers(plans: list[AccountPlan], rng: random.Random) -> dict[str, str]:
    """External_Id__c of every client that ever bought: ERP customer numbers, oldest lowest."""
    customers = sorted((plan for plan in plans if plan.tier != "prospect"), key=_by_age)
    numbers = sorted(rng.sample(range(1, _ERP_NUMBERS), len(customers)))
    return {plan.id: f"ERP-{number:06d}" for plan, number in zip(customers, numbers, strict=True)}


def _by_age(plan: AccountPlan) -> tuple[datetime, str]:
    return plan.created, plan.id


def account_records(
    plans: list[AccountPlan],
    interests: dict[str, str],
    clock: Clock,
    author_id: str,
    rng: random.Random,
) -> list[Record]:
    """One Account record per plan; `interests` holds Product_Interests__c by account Id."""
    erp_number = erp_numbers(plans, rng)
    records = []
    for plan in plans:
        company = plan.company
        if plan.annual_spend:
            revenue = round(plan.annual_spend * rng.uniform(40, 300), -5)
        else:
            revenue = round(rng.uniform(5e6, 4e8), -5)
        values = {
            "Name": company.name,
            "Type": rng.choice(_ACCOUNT_TYPES[plan.tier]),
            "Industry": company.industry,
            "Website": f"https://www.{company.domain}",
            "Phone": phone_number(company.place, rng),
            "BillingCity": company.place.city,
            "BillingCountry": company.place.country,
            "AnnualRevenue": revenue,
            "NumberOfEmployees": max(12, int(revenue / rng.uniform(150_000, 350_000))),
            "OwnerId": plan.owner.user_id,
            "Key_Account__c": plan.flagged,
            "Description": f"{company.industry} company based in {company.place.city}.",
            "External_Id__c": erp_number.get(plan.id),
            "Product_Interests__c": interests.get(plan.id),
        }
        modified = clock.since(plan.created, rng)
        records.append(
            sobject_record(
                "Account",
                plan.id,
                values,
                created=plan.created,
                modified=modified,
                author_id=author_id,
            )
        )
    return records


def _contact_email(first: str, last: str, domain: str, taken: set[str], rng: random.Random) -> str:
    if rng.random() < _FREE_MAIL_SHARE:
        local = f"{ascii_slug(first, '')}.{ascii_slug(last, '')}{rng.randint(10, 99)}"
        domain = rng.choice(FREE_MAIL_DOMAINS)
    else:
        local = f"{ascii_slug(first, '')}.{ascii_slug(last, '')}"
    while f"{local}@{domain}" in taken:
        local += str(rng.randint(0, 9))
    taken.add(f"{local}@{domain}")
    return f"{local}@{domain}"


def contact_records(
    plans: list[AccountPlan],
    names: NameBook,
    ids: IdMint,
    clock: Clock,
    author_id: str,
    rng: random.Random,
) -> tuple[list[Record], dict[str, list[ClientContact]]]:
    """Contacts of every account, and the same people grouped by account Id."""
    records: list[Record] = []
    by_account: dict[str, list[ClientContact]] = {}
    taken: set[str] = set()
    for plan in plans:
        people = by_account.setdefault(plan.id, [])
        titles = rng.sample(_CONTACT_TITLES, rng.randint(*_CONTACTS_PER_ACCOUNT[plan.tier]))
        for title in titles:
            first, last = names.person(rng)
            email = _contact_email(first, last, plan.company.domain, taken, rng)
            contact = ClientContact(ids.next("Contact"), plan.id, first, last, email, title)
            people.append(contact)
            created = clock.between(plan.created, clock.now, rng)
            values = {
                "AccountId": plan.id,
                "FirstName": first,
                "LastName": last,
                "Name": contact.name,
                "Email": email,
                "Phone": phone_number(plan.company.place, rng),
                "Title": title,
                "OwnerId": plan.owner.user_id,
            }
            records.append(
                sobject_record(
                    "Contact",
                    contact.id,
                    values,
                    created=created,
                    modified=clock.since(created, rng),
                    author_id=author_id,
                )
            )
    return records, by_account
