"""People who changed jobs from one client to another within the mail window.

One client contact in a hundred on their company's own domain (at least three
in any preset) moved 20-70 days ago to another client account. Their mail
before the move (one or two threads) comes from the old company's domain and
is about the old account; after the move they introduce themselves from the new
company's domain and write about the new account. The CRM was updated for half
of them: a new Contact at the new account with the new address (the old
Contact stays, as sales teams keep it for history); for the other half the CRM
knows only the old job. Moved people take part in no other seeded mail or meeting.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sandbox.seed.clock import Clock
from sandbox.seed.correspondence import MAIL_WINDOW_DAYS, Side, Thread, write_thread
from sandbox.seed.crm import ClientContact
from sandbox.seed.mail import Address, Email, address
from sandbox.seed.model import Record
from sandbox.seed.names import phone_number
from sandbox.seed.plans import AccountPlan
from sandbox.seed.records import IdMint, sobject_record
from sandbox.seed.texts import TOPICS

_MOVED_SHARE = 0.01
_MIN_MOVES = 3
_MOVED_DAYS_AGO = (20, 70)
_CRM_UPDATED_SHARE = 0.5
_INTRO_LINES = ("I have joined {client} as {title} - glad to keep working together.",)
_INTRO_REPLIES = ("Congratulations on the new role! Let us set up a call to get started.",)


@dataclass(frozen=True)
class Move:
    """One person's change of job between two client accounts."""

    contact: ClientContact
    old: AccountPlan
    new: AccountPlan
    new_email: str
    moved: datetime
    #: the Contact created at the new account, or None when the CRM was not updated
    new_contact_id: str | None

    def truth(self) -> dict[str, Any]:
        return {
            "name": self.contact.name,
            "old_email": self.contact.email,
            "old_account_id": self.old.id,
            "old_contact_id": self.contact.id,
            "new_email": self.new_email,
            "new_account_id": self.new.id,
            "new_contact_id": self.new_contact_id,
            "moved_on": self.moved.date().isoformat(),
        }


def _candidates(
    plans: list[AccountPlan], people: dict[str, list[ClientContact]]
) -> list[ClientContact]:
    """Contacts on their company's own domain at accounts that keep another contact."""
    return [
        contact
        for plan in plans
        if len(people[plan.id]) > 1
        for contact in people[plan.id]
        if contact.email.endswith("@" + plan.company.domain)
    ]


def plan_moves(
    plans: list[AccountPlan],
    people: dict[str, list[ClientContact]],
    contacts: list[Record],
    ids: IdMint,
    clock: Clock,
    author_id: str,
    rng: random.Random,
) -> list[Move]:
    """Pick who moved where; add the new Contacts of the updated ones to `contacts` and
    take every mover out of `people` (both in place)."""
    candidates = _candidates(plans, people)
    count = min(len(candidates), max(_MIN_MOVES, round(len(candidates) * _MOVED_SHARE)))
    plan_of = {plan.id: plan for plan in plans}
    moves = []
    for contact in rng.sample(candidates, count):
        old = plan_of[contact.account_id]
        if len(people[old.id]) < 2:
            continue  # every account keeps a contact
        new = rng.choice(plans)
        while new.id == old.id:
            new = rng.choice(plans)
        local = contact.email.split("@")[0]
        new_email = f"{local}{rng.randint(1, 9)}@{new.company.domain}"
        moved = clock.now - timedelta(days=rng.uniform(*_MOVED_DAYS_AGO))
        new_id = None
        if rng.random() < _CRM_UPDATED_SHARE:
            new_id = ids.next("Contact")
            created = clock.between(moved + timedelta(days=3), clock.now, rng)
            values = {
                "AccountId": new.id,
                "FirstName": contact.first_name,
                "LastName": contact.last_name,
                "Name": contact.name,
                "Email": new_email,
                "Phone": phone_number(new.company.place, rng),
                "Title": contact.title,
                "OwnerId": new.owner.user_id,
            }
            contacts.append(
                sobject_record(
                    "Contact",
                    new_id,
                    values,
                    created=created,
                    modified=created,
                    author_id=author_id,
                )
            )
        people[old.id].remove(contact)
        moves.append(Move(contact, old, new, new_email, moved.replace(microsecond=0), new_id))
    return moves


def _regular_thread(
    key: str, plan: AccountPlan, writer: Address, clock: Clock, rng: random.Random
) -> Thread:
    topic = TOPICS[rng.choice(("order", "invoice", "pricing"))]
    subject = rng.choice(topic.subjects).format(
        client=plan.company.short_name,
        number=rng.randint(10000, 99999),
        year=clock.today.year + 1,
    )
    return Thread(
        key=key,
        account_id=plan.id,
        subject=subject,
        starter=Side(writer, topic.client_lines),
        answerer=Side(plan.owner.address, topic.our_lines),
    )


def move_threads(moves: list[Move], clock: Clock, rng: random.Random) -> Iterator[Email]:
    """Each mover's mail: about the old account before the move, the new one after."""
    window_start = clock.now - timedelta(days=MAIL_WINDOW_DAYS)
    for number, move in enumerate(moves):
        name = move.contact.name
        before, after = address(name, move.contact.email), address(name, move.new_email)
        for index in range(rng.randint(1, 2)):
            thread = _regular_thread(f"moved/{number}/old/{index}", move.old, before, clock, rng)
            start = clock.between(window_start, move.moved - timedelta(days=3), rng)
            yield from write_thread(thread, start, rng.randint(1, 3), clock, rng)
        intro = Thread(
            key=f"moved/{number}/intro",
            account_id=move.new.id,
            subject=f"New role at {move.new.company.short_name}",
            starter=Side(
                after,
                tuple(
                    line.format(client=move.new.company.short_name, title=move.contact.title)
                    for line in _INTRO_LINES
                ),
            ),
            answerer=Side(move.new.owner.address, _INTRO_REPLIES),
        )
        start = clock.between(move.moved + timedelta(days=2), clock.now - timedelta(days=1), rng)
        yield from write_thread(intro, start, 2, clock, rng)
        if rng.random() < 0.5:
            thread = _regular_thread(f"moved/{number}/new", move.new, after, clock, rng)
            start = clock.between(move.moved + timedelta(days=5), clock.now, rng)
            yield from write_thread(thread, start, rng.randint(1, 3), clock, rng)
