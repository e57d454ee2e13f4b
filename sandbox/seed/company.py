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
from sandbox.seed.calendar_noise import client_series, personal_entries
from sandbox.seed.calendars import calendar_events
from sandbox.seed.catalogue import build_catalogue, product_records
from sandbox.seed.clock import Clock
from sandbox.seed.comments import case_comment_records
from sandbox.seed.correspondence import client_threads, internal_threads
from sandbox.seed.crm import ClientContact, account_records, contact_records
from sandbox.seed.domains import spread_domains
from sandbox.seed.goals import goals_workbooks
from sandbox.seed.mail import Delivery, deliver
from sandbox.seed.meetings import Meeting, plan_meetings
from sandbox.seed.model import GraphSeed, GroundTruth, Record, Seed
from sandbox.seed.moves import Move, move_threads, plan_moves
from sandbox.seed.names import NameBook
from sandbox.seed.noise import newsletters, notifications, notifier_domains, strangers
from sandbox.seed.opportunities import opportunity_records
from sandbox.seed.people import Staff, default_todo_lists, graph_users, hire_staff, user_records
from sandbox.seed.plans import AccountPlan, plan_accounts
from sandbox.seed.presets import Preset, preset_named
from sandbox.seed.randomness import StageRandom
from sandbox.seed.records import IdMint
from sandbox.seed.service import case_records, contract_records
from sandbox.seed.shared_mail import shared_mailbox_threads
from sandbox.seed.situations import Situations, choose_accounts, known_situations
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
    names: NameBook

    def rng(self, stage: str) -> random.Random:
        return _stage_rng(self.sizes.name, stage)


def _stage_rng(preset: str, stage: str) -> random.Random:
    """The stage's own seeded generator, so stages never disturb each other."""
    return StageRandom(f"{_SEED}/{preset}/{stage}")


@dataclass
class _Clients:
    """The client people both services share, and who changed jobs."""

    people: dict[str, list[ClientContact]]
    domains: dict[str, list[str]]
    moves: list[Move]
    situations: Situations


def _salesforce_org(
    company: _Company, ids: IdMint
) -> tuple[dict[str, list[Record]], _Clients, list[Meeting]]:
    """The org's records by object, the client people and the meetings they had."""
    clock, staff, plans, rng = company.clock, company.staff, company.plans, company.rng
    author, sizes, names = staff.integration.user_id, company.sizes, company.names
    catalogue = build_catalogue(sizes.products, ids)
    contacts, people = contact_records(plans, names, ids, clock, author, rng("contacts"))
    domains = spread_domains(plans, contacts, people, names, rng("domains"))
    moves = plan_moves(plans, people, contacts, ids, clock, author, rng("moves"))
    deals = opportunity_records(plans, people, catalogue, ids, clock, author, rng("opportunities"))
    meetings = plan_meetings(plans, people, staff, clock, sizes.meeting_scale, rng("meetings"))
    contracts = contract_records(
        plans, ids, clock, author, sizes.small_contract_share, rng("contracts")
    )
    flags = [{"Id": plan.id, "Key_Account__c": plan.flagged} for plan in plans]
    key_ids = key_account_ids(flags, deals.opportunities, clock.today)
    situations = choose_accounts(
        sizes.name, plans, people, domains, moves, key_ids, deals.opportunities,
        {c["AccountId"] for c in contracts if c["Status"] == "Activated"},
        staff, clock, TENANT_DOMAIN, rng("situations"),
    )  # fmt: skip
    meetings = situations.meetings(meetings)
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
        "CaseComment": [],
        "Contract": contracts,
        "Task": tasks,
        "Event": logged_event_records(meetings, plans, ids, clock, author, rng("events")),
    }
    handled = situations.plant_records(salesforce, key_ids, ids, author)
    salesforce["CaseComment"] += case_comment_records(
        salesforce["Case"], handled, ids, clock, rng("case-comments")
    )
    situations.plant_mail()
    return salesforce, _Clients(people, domains, moves, situations), meetings


def _mail(company: _Company, clients: _Clients) -> Delivery:
    """Every mailbox's messages: client, shared-mailbox, internal and outside mail."""
    clock, staff, plans, sizes = company.clock, company.staff, company.plans, company.sizes
    mail_rng, people = company.rng("mail"), clients.people
    emails = clients.situations.mail(
        itertools.chain(
            client_threads(plans, people, staff, clock, sizes, mail_rng),
            internal_threads(plans, staff, clock, sizes, mail_rng),
            newsletters(staff, clock, sizes, mail_rng),
            shared_mailbox_threads(plans, people, staff, clock, sizes, company.rng("shared-mail")),
            move_threads(clients.moves, clock, company.rng("moved-mail")),
            notifications(staff, clock, sizes, company.rng("notifications")),
            strangers(staff, company.names, clock, sizes, company.rng("strangers")),
        )
    )
    mailbox_of = {person.email: person.graph_id for person in staff.mailboxes}
    return deliver(emails, mailbox_of, clock, company.rng("delivery"))


def _microsoft_365(
    company: _Company, clients: _Clients, meetings: list[Meeting]
) -> tuple[GraphSeed, dict[str, str | None]]:
    """The tenant (users, mailboxes, calendars, To Do lists) and what each email is about."""
    clock, staff = company.clock, company.staff
    delivery = _mail(company, clients)
    graph = GraphSeed(
        tenant_domain=TENANT_DOMAIN,
        users=graph_users(staff),
        messages=delivery.messages,
        events=calendar_events(meetings, clock, company.rng("calendars")),
        todo_lists=default_todo_lists(staff),
        attachments=delivery.attachments,
    )
    return graph, delivery.truth


def _calendar_entries(
    company: _Company, clients: _Clients, meetings: list[Meeting]
) -> list[Meeting]:
    """The meetings the CRM knows of, clients' recurring calls and personal entries."""
    clock = company.clock
    series = clients.situations.series(
        client_series(company.plans, clients.people, clock, company.rng("client-series"))
    )
    personal = personal_entries(company.staff, clock, company.rng("personal-calendar"))
    return meetings + series + personal


def _event_truth(calendar: list[Meeting]) -> dict[str, str | None]:
    """iCalUId -> account of every event, series masters included."""
    truth = {meeting.ical_uid: meeting.account_id for meeting in calendar}
    truth |= {m.series.master_ical_uid: m.account_id for m in calendar if m.series is not None}
    return truth


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
    reserved = newsletter_domains() | notifier_domains() | {TENANT_DOMAIN}
    names = NameBook(fake, sizes.name_pool, reserved)
    staff = hire_staff(sizes, names, TENANT_DOMAIN, ids, _stage_rng(sizes.name, "staff"))
    plans = plan_accounts(sizes, staff, names, ids, clock, _stage_rng(sizes.name, "accounts"))
    company = _Company(sizes, clock, staff, plans, names)
    salesforce, clients, meetings = _salesforce_org(company, ids)
    calendar = _calendar_entries(company, clients, meetings)
    graph, message_truth = _microsoft_365(company, clients, calendar)
    graph.files = goals_workbooks(staff, salesforce, today, _stage_rng(sizes.name, "goals"))
    truth = GroundTruth(
        message_accounts=message_truth,
        event_accounts=_event_truth(calendar),
        key_account_ids=key_account_ids(salesforce["Account"], salesforce["Opportunity"], today),
        account_domains=clients.domains,
        moved_contacts=[move.truth() for move in clients.moves],
        shared_mailboxes=[box.email for box in staff.shared_mailboxes],
        situations=clients.situations.truth
        + known_situations(clients.moves, clients.domains, clients.people),
        clean_account_ids=clients.situations.clean,
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
