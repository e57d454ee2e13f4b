"""The synthetic company, assembled: Northwind Industrial Supply and its clients.

Each stage draws from its own seeded `random.Random`, so the output depends
only on (preset, today), and changing one stage leaves the others' data alone.
"""

from __future__ import annotations

import gc
import itertools
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from faker import Faker

from sandbox.seed.activities import logged_event_records, task_records
from sandbox.seed.calendars import calendar_events
from sandbox.seed.catalogue import build_catalogue, product_records
from sandbox.seed.clock import Clock
from sandbox.seed.correspondence import client_threads, internal_threads, newsletters
from sandbox.seed.crm import ClientContact, account_records, contact_records
from sandbox.seed.mail import deliver
from sandbox.seed.meetings import Meeting, plan_meetings
from sandbox.seed.model import GraphSeed, GroundTruth, Record, Seed
from sandbox.seed.names import NameBook
from sandbox.seed.opportunities import opportunity_records
from sandbox.seed.people import Staff, default_todo_lists, graph_users, hire_staff, user_records
from sandbox.seed.plans import AccountPlan, plan_accounts
from sandbox.seed.presets import Preset, preset_named
from sandbox.seed.randomness import StageRandom
from sandbox.seed.records import IdMint
from sandbox.seed.service import case_records, contract_records
from sandbox.seed.teams import account_team_records
from sandbox.seed.texts import newsletter_domains
from sandbox.seed.truth import key_account_ids

COMPANY_NAME = "Northwind Industrial Supply"
TENANT_DOMAIN = "northwind-sandbox.example"
_SEED = 20_261_127


@dataclass(frozen=True)
class _Company:
    """What both services are generated from: the sizes, the people and the accounts."""

    sizes: Preset
    clock: Clock
    staff: Staff
    plans: list[AccountPlan]

    def rng(self, stage: str) -> random.Random:
        return _stage_rng(self.sizes.name, stage)


def _stage_rng(preset: str, stage: str) -> random.Random:
    """The stage's own seeded generator, so stages never disturb each other."""
    return StageRandom(f"{_SEED}/{preset}/{stage}")


def _salesforce_org(
    company: _Company, names: NameBook, ids: IdMint
) -> tuple[dict[str, list[Record]], dict[str, list[ClientContact]], list[Meeting]]:
    """The org's records by object, the contacts by account and the meetings they had."""
    clock, staff, plans, rng = company.clock, company.staff, company.plans, company.rng
    author, sizes = staff.integration.user_id, company.sizes
    catalogue = build_catalogue(sizes.products, ids)
    contacts, people = contact_records(plans, names, ids, clock, author, rng("contacts"))
    deals = opportunity_records(plans, people, catalogue, ids, clock, author, rng("opportunities"))
    meetings = plan_meetings(plans, people, staff, clock, sizes.meeting_scale, rng("meetings"))
    tasks = task_records(
        plans, people, deals.open_by_account, ids, clock, author, sizes.task_scale, rng("tasks")
    )
    salesforce = {
        "User": user_records(staff, clock, rng("users")),
        "Account": account_records(plans, deals.interests, clock, author, rng("account-records")),
        "AccountTeamMember": account_team_records(plans, staff, ids, clock, author, rng("teams")),
        "Contact": contacts,
        "Product2": product_records(catalogue, clock, author, rng("products")),
        "Opportunity": deals.opportunities,
        "OpportunityLineItem": deals.line_items,
        "OpportunityContactRole": deals.contact_roles,
        "Case": case_records(plans, people, ids, clock, author, sizes.case_scale, rng("cases")),
        "Contract": contract_records(
            plans, ids, clock, author, sizes.small_contract_share, rng("contracts")
        ),
        "Task": tasks,
        "Event": logged_event_records(meetings, plans, ids, clock, author, rng("events")),
    }
    return salesforce, people, meetings


def _microsoft_365(
    company: _Company, people: dict[str, list[ClientContact]], meetings: list[Meeting]
) -> tuple[GraphSeed, dict[str, str | None]]:
    """The tenant (users, mailboxes, calendars, To Do lists) and what each email is about."""
    clock, staff, plans, sizes = company.clock, company.staff, company.plans, company.sizes
    mail_rng = company.rng("mail")
    emails = itertools.chain(
        client_threads(plans, people, staff, clock, sizes, mail_rng),
        internal_threads(plans, staff, clock, sizes, mail_rng),
        newsletters(staff, clock, sizes, mail_rng),
    )
    mailbox_of = {person.email: person.graph_id for person in staff.everyone}
    messages, message_truth = deliver(emails, mailbox_of, clock, company.rng("delivery"))
    graph = GraphSeed(
        tenant_domain=TENANT_DOMAIN,
        users=graph_users(staff),
        messages=messages,
        events=calendar_events(meetings, clock, company.rng("calendars")),
        todo_lists=default_todo_lists(staff),
    )
    return graph, message_truth


def generate(preset: str | Preset, today: date) -> Seed:
    """The company of `preset` (a name in PRESETS, or sizes of one's own) as of `today`.

    ValueError for an unknown preset name.
    """
    sizes = preset if isinstance(preset, Preset) else preset_named(preset)
    with _collector_paused():
        return _seed(sizes, today)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: the seed is millions of acyclic dicts, and
    collections while they pile up would scan them over and over for nothing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _seed(sizes: Preset, today: date) -> Seed:
    clock = Clock(today)
    ids = IdMint()
    fake = Faker("en_US")
    fake.seed_instance(_SEED)
    names = NameBook(fake, sizes.name_pool, newsletter_domains() | {TENANT_DOMAIN})
    staff = hire_staff(sizes, names, TENANT_DOMAIN, ids, _stage_rng(sizes.name, "staff"))
    plans = plan_accounts(sizes, staff, names, ids, clock, _stage_rng(sizes.name, "accounts"))
    company = _Company(sizes, clock, staff, plans)
    salesforce, people, meetings = _salesforce_org(company, names, ids)
    graph, message_truth = _microsoft_365(company, people, meetings)
    truth = GroundTruth(
        message_accounts=message_truth,
        event_accounts={meeting.ical_uid: meeting.account_id for meeting in meetings},
        key_account_ids=key_account_ids(salesforce["Account"], salesforce["Opportunity"], today),
    )
    return Seed(
        preset=sizes.name,
        today=today,
        company_name=COMPANY_NAME,
        salesforce=salesforce,
        graph=graph,
        truth=truth,
        kam_emails=[person.email for person in staff.kams],
    )
