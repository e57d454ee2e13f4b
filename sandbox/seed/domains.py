"""Clients whose people write from several domains: a national branch's or a subsidiary's.

A quarter of big accounts and 3 % of small ones (no prospects) get one or two
domains besides their website's: `<name>-<country code>.example` (a branch in
another country) or `<name>group.example` / `<name>-services.example` (a
subsidiary). Half of such an account's contacts on its own domain then use one
of the others, in the CRM and in mail; the Account's Website keeps the main
domain only, so only the contacts tell which domains belong to the account.
"""

from __future__ import annotations

import dataclasses
import random

from sandbox.seed.crm import ClientContact
from sandbox.seed.model import Record
from sandbox.seed.names import NameBook
from sandbox.seed.plans import AccountPlan, Tier

_MULTI_DOMAIN_SHARE: dict[Tier, float] = {"big": 0.25, "small": 0.03, "prospect": 0.0}
_MOVED_CONTACT_SHARE = 0.5
_COUNTRY_CODES = {
    "United States": "us",
    "Canada": "ca",
    "United Kingdom": "uk",
    "Germany": "de",
    "France": "fr",
    "Netherlands": "nl",
    "Italy": "it",
    "Sweden": "se",
    "Switzerland": "ch",
    "Poland": "pl",
}
_SUBSIDIARY_SUFFIXES = ("group", "-services", "-industrie", "-holding")


def _other_domains(plan: AccountPlan, names: NameBook, rng: random.Random) -> list[str]:
    """One or two more domains for `plan`'s company, each claimed so no one else uses it."""
    stem = plan.company.domain.removesuffix(".example")
    home = plan.company.place.country
    countries = sorted({code for country, code in _COUNTRY_CODES.items() if country != home})
    candidates = [f"{stem}-{rng.choice(countries)}.example"]
    candidates.append(f"{stem}{rng.choice(_SUBSIDIARY_SUFFIXES)}.example")
    wanted = candidates[: rng.randint(1, 2)]
    return [domain for domain in wanted if names.claim_domain(domain)]


def spread_domains(
    plans: list[AccountPlan],
    contacts: list[Record],
    people: dict[str, list[ClientContact]],
    names: NameBook,
    rng: random.Random,
) -> dict[str, list[str]]:
    """Give some accounts more domains and move some of their contacts onto them.

    Rewrites those contacts' `Email` in `contacts` and in `people` (in place), and
    returns every account's domains, its website's first.
    """
    record_of = {record["Id"]: record for record in contacts}
    domains: dict[str, list[str]] = {}
    for plan in plans:
        main = plan.company.domain
        extra = (
            _other_domains(plan, names, rng)
            if rng.random() < _MULTI_DOMAIN_SHARE[plan.tier]
            else []
        )
        domains[plan.id] = [main, *extra]
        if not extra:
            continue
        staff = people[plan.id]
        for index, contact in enumerate(staff):
            local, domain = contact.email.split("@")
            if domain != main or rng.random() >= _MOVED_CONTACT_SHARE:
                continue
            email = f"{local}@{rng.choice(extra)}"
            staff[index] = dataclasses.replace(contact, email=email)
            record_of[contact.id]["Email"] = email
    return domains
