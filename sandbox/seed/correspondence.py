"""Who wrote whom: client threads and internal mail of the last 90 days.

Client threads run between an account's owner and its contacts (5 % of them
from the contact's private free-mail address); internal mail sometimes
discusses a client by name (30 % of internal threads, always a key client).
Mail about no client is in `noise.py`, mail to shared mailboxes in
`shared_mail.py`, mail of people who changed jobs in `moves.py`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sandbox.seed.attachments import attachment_for
from sandbox.seed.clock import Clock
from sandbox.seed.crm import ClientContact
from sandbox.seed.mail import Address, Attachment, Email, address
from sandbox.seed.names import FREE_MAIL_DOMAINS, ascii_slug
from sandbox.seed.people import Staff
from sandbox.seed.plans import AccountPlan, Tier
from sandbox.seed.presets import Preset
from sandbox.seed.texts import (
    INTERNAL_CLIENT_SUBJECTS,
    INTERNAL_LINES,
    INTERNAL_SUBJECTS,
    TOPICS,
    TOPICS_BY_TIER,
    Topic,
    letter,
)

MAIL_WINDOW_DAYS = 89
_THREADS: dict[Tier, tuple[int, int]] = {"big": (6, 12), "small": (1, 3), "prospect": (0, 2)}
_PRIVATE_ADDRESS_SHARE = 0.05
_COPY_BACK_OFFICE_SHARE = 0.5
_CLIENT_STARTS_SHARE = 0.55
_INTERNAL_ABOUT_CLIENT_SHARE = 0.3


@dataclass(frozen=True)
class Side:
    """One party of a thread and the lines it writes."""

    who: Address
    lines: Sequence[str]


@dataclass(frozen=True)
class Thread:
    """A conversation to write out: who starts it, who answers, what it is about."""

    key: str
    account_id: str | None
    subject: str
    starter: Side
    answerer: Side
    cc: tuple[Address, ...] = ()
    #: files the first email carries
    attachments: tuple[Attachment, ...] = ()
    urgent: bool = False


def write_thread(
    thread: Thread, start: datetime, length: int, clock: Clock, rng: random.Random
) -> list[Email]:
    """Up to `length` emails alternating between the two sides, replies hours apart."""
    emails = []
    sent = start
    for index in range(length):
        if index:
            sent += timedelta(minutes=rng.randint(20, 1800))
            if sent >= clock.now - timedelta(minutes=1):
                break
        writer, reader = (
            (thread.starter, thread.answerer)
            if index % 2 == 0
            else (thread.answerer, thread.starter)
        )
        body = letter(
            reader.who["emailAddress"]["name"],
            rng.choice(writer.lines),
            writer.who["emailAddress"]["name"],
        )
        emails.append(
            Email(
                key=f"{thread.key}/{index}",
                thread_key=thread.key,
                account_id=thread.account_id,
                subject=thread.subject if index == 0 else f"RE: {thread.subject}",
                body=body,
                sender=writer.who,
                to=(reader.who,),
                cc=thread.cc,
                sent=sent,
                attachments=thread.attachments if index == 0 else (),
                importance="high" if thread.urgent else "normal",
            )
        )
    return emails


def client_address(contact: ClientContact, rng: random.Random) -> Address:
    """The contact's CRM address, or now and then a private free-mail one."""
    if rng.random() < _PRIVATE_ADDRESS_SHARE:
        local = ascii_slug(contact.first_name, "") + ascii_slug(contact.last_name, "")
        return address(contact.name, f"{local}@{rng.choice(FREE_MAIL_DOMAINS)}")
    return contact.address


def _subject(topic: Topic, plan: AccountPlan, clock: Clock, rng: random.Random) -> str:
    return rng.choice(topic.subjects).format(
        client=plan.company.short_name, number=rng.randint(10000, 99999), year=clock.today.year + 1
    )


def account_threads(
    plans: list[AccountPlan],
    per_tier: dict[Tier, tuple[int, int]],
    make: Callable[[AccountPlan, int], Thread],
    *,
    max_replies: int,
    clock: Clock,
    preset: Preset,
    rng: random.Random,
) -> Iterator[Email]:
    """For each account, a tier-drawn number of threads (`make(plan, number)`), scaled by the
    preset's mail scale, each started in the mail window and answered 1 to `max_replies` times."""
    for plan in plans:
        count = round(rng.randint(*per_tier[plan.tier]) * preset.mail_scale)
        for number in range(count):
            thread = make(plan, number)
            start = clock.past_moment(rng, MAIL_WINDOW_DAYS)
            yield from write_thread(thread, start, rng.randint(1, max_replies), clock, rng)


def client_threads(
    plans: list[AccountPlan],
    contacts: dict[str, list[ClientContact]],
    staff: Staff,
    clock: Clock,
    preset: Preset,
    rng: random.Random,
) -> Iterator[Email]:
    """Threads between each account's owner and its contacts."""

    def thread(plan: AccountPlan, number: int) -> Thread:
        topic = TOPICS[rng.choice(TOPICS_BY_TIER[plan.tier])]
        contact = rng.choice(contacts[plan.id])
        client = Side(client_address(contact, rng), topic.client_lines)
        owner = Side(plan.owner.address, topic.our_lines)
        team = staff.by_department(topic.copied_department or "")
        cc = (rng.choice(team).address,) if team and rng.random() < _COPY_BACK_OFFICE_SHARE else ()
        starter, answerer = (
            (client, owner) if rng.random() < _CLIENT_STARTS_SHARE else (owner, client)
        )
        subject = _subject(topic, plan, clock, rng)
        files = (
            (attachment_for(topic.name, rng.randint(1000, 99999), subject),)
            if topic.attachments
            else ()
        )
        return Thread(
            key=f"client/{plan.id}/{number}",
            account_id=plan.id,
            subject=subject,
            starter=starter,
            answerer=answerer,
            cc=cc,
            attachments=files,
            urgent=topic.name == "support" and rng.random() < 0.5,
        )

    return account_threads(
        plans, _THREADS, thread, max_replies=4, clock=clock, preset=preset, rng=rng
    )


def _internal_thread(
    number: int, plans: list[AccountPlan], staff: Staff, rng: random.Random
) -> Thread:
    """Office chatter, or now and then finance/support/the head writing a KAM about a client."""
    people = staff.correspondents
    about = rng.choice(plans) if rng.random() < _INTERNAL_ABOUT_CLIENT_SHARE else None
    if about is not None:
        writer = rng.choice((*staff.back_office, staff.head_of_key_accounts))
        reader = about.owner
        subject = rng.choice(INTERNAL_CLIENT_SUBJECTS).format(client=about.company.short_name)
    else:
        writer, reader = rng.sample(people, 2)
        subject = rng.choice(INTERNAL_SUBJECTS)
    copied = [person.address for person in rng.sample(people, 2) if person not in (writer, reader)]
    return Thread(
        key=f"internal/{number}",
        account_id=about.id if about else None,
        subject=subject,
        starter=Side(writer.address, INTERNAL_LINES),
        answerer=Side(reader.address, INTERNAL_LINES),
        cc=tuple(copied[:1]),
    )


def internal_threads(
    plans: list[AccountPlan], staff: Staff, clock: Clock, preset: Preset, rng: random.Random
) -> Iterator[Email]:
    """Mail between employees; some of it about one key client, named in the subject."""
    key_plans = [plan for plan in plans if plan.meant_key]
    for number in range(round(preset.internal_threads_per_employee * len(staff.correspondents))):
        thread = _internal_thread(number, key_plans, staff, rng)
        start = clock.past_moment(rng, MAIL_WINDOW_DAYS)
        yield from write_thread(thread, start, rng.randint(1, 3), clock, rng)
