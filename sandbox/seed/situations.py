"""Situations a KAM must be told about, planted on key accounts with their truth.

`choose_accounts` picks, among the key accounts, the clean ones (nothing may be
flagged on them) and the hosts of each situation; `Situations` then bends the
other generators' output around them: meetings (`meetings`), mail (`mail`),
calendar series (`series`) and Salesforce records (`plant_records`). Each planted
situation is written to `GroundTruth.situations` as {kind, account_id, ids, detail}.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sandbox.seed import business_time
from sandbox.seed.clock import Clock, weekday_on_or_before
from sandbox.seed.correspondence import Side, Thread, write_thread
from sandbox.seed.crm import ClientContact
from sandbox.seed.mail import Email, address, email_of
from sandbox.seed.meetings import Meeting
from sandbox.seed.model import Record
from sandbox.seed.moves import Move
from sandbox.seed.people import Staff
from sandbox.seed.plans import AccountPlan
from sandbox.seed.records import IdMint
from sandbox.seed.texts import TOPICS

_CLEAN = {"tiny": 2}
_CLEAN_DEFAULT = 3
#: key accounts per planted copy of each situation on big presets
_ACCOUNTS_PER_SITUATION = 150
_UNANSWERED_HOURS = 12.0
_CADENCE = {True: 14, False: 30}
_ROLES = ("silent", "waiting", "busy", "other")


@dataclass
class Situations:
    """The accounts chosen for each situation and what was planted there."""

    clock: Clock
    staff: Staff
    plans: dict[str, AccountPlan]
    people: dict[str, list[ClientContact]]
    clean: list[str]
    hosts: dict[str, list[str]]
    overloaded_owner: str | None
    internal_domain: str
    rng: random.Random
    truth: list[dict[str, Any]] = field(default_factory=list)
    #: cold account -> no client mail or meeting from this moment on
    cold_since: dict[str, datetime] = field(default_factory=dict)
    #: account -> no outbound mail from this moment on (its breached complaint)
    silent_since: dict[str, datetime] = field(default_factory=dict)
    planted_mail: list[Email] = field(default_factory=list)

    def note(self, kind: str, account_id: str, ids: list[str], detail: str) -> None:
        self.truth.append({"kind": kind, "account_id": account_id, "ids": ids, "detail": detail})

    # -- meetings and calendars -------------------------------------------------------------
    def meetings(self, meetings: list[Meeting]) -> list[Meeting]:
        """Cold accounts' recent meetings moved back; clean ones surely met lately."""
        for account_id in self.hosts["silent"]:
            plan = self.plans[account_id]
            self.cold_since[account_id] = self.clock.now - timedelta(
                days=2 * _CADENCE[plan.flagged] + 6
            )
            self.note(
                "cold account",
                account_id,
                [account_id],
                f"no mail or meeting since {self.cold_since[account_id]:%Y-%m-%d} "
                f"(> 2 x {_CADENCE[plan.flagged]}-day cadence)",
            )
        moved = [self._moved_back(meeting) for meeting in meetings]
        held = [self._recent_meeting(account_id) for account_id in self.clean]
        return moved + held

    def _moved_back(self, meeting: Meeting) -> Meeting:
        since = self.cold_since.get(meeting.account_id or "")
        if since is None or meeting.start < since:
            return meeting
        day = weekday_on_or_before((since - timedelta(days=self.rng.randint(3, 12))).date())
        start = datetime.combine(day, meeting.start.timetz())
        created = start - timedelta(days=self.rng.randint(2, 14))
        return dataclasses.replace(meeting, start=start, created=created, cancelled=False)

    def _recent_meeting(self, account_id: str) -> Meeting:
        plan = self.plans[account_id]
        day = weekday_on_or_before(self.clock.day(-self.rng.randint(4, 20)))
        start = datetime.combine(day, datetime.min.time(), self.clock.now.tzinfo)
        start += timedelta(hours=self.rng.randint(10, 15))
        return Meeting(
            key=f"situation/clean/{account_id}",
            account_id=account_id,
            subject=f"Quarterly business review - {plan.company.short_name}",
            organizer=plan.owner,
            internal_guests=(),
            client_guests=tuple(self.people[account_id][:2]),
            start=start,
            minutes=60,
            location="Microsoft Teams Meeting",
            online=True,
            cancelled=False,
            created=start - timedelta(days=10),
        )

    def series(self, meetings: list[Meeting]) -> list[Meeting]:
        """Recurring client calls without the cold accounts' recent occurrences."""
        return [m for m in meetings if m.start < self.cold_since.get(m.account_id or "", m.end)]

    # -- mail ---------------------------------------------------------------------------------
    def mail(self, emails: Iterable[Email]) -> Iterator[Email]:
        """The generated mail bent around the situations, then the planted mail."""
        clean = set(self.clean)
        for email in emails:
            account_id = email.account_id or ""
            if email.sent >= self.cold_since.get(account_id, email.sent + timedelta(1)):
                continue
            silent = self.silent_since.get(account_id)
            if silent is not None and email.sent >= silent and self._internal(email.sender):
                continue
            if account_id in clean and not all(map(self._internal, _everyone(email))):
                continue
            yield email
        yield from self.planted_mail

    def _internal(self, who: dict[str, dict[str, str]]) -> bool:
        return email_of(who).endswith("@" + self.internal_domain)

    def plant_mail(self) -> None:
        """Clean accounts' answered threads, the unanswered mail and unknown correspondents."""
        for account_id in self.clean:
            self._clean_threads(account_id)
        for account_id in self.hosts["waiting"]:
            self._unanswered(account_id)
            self._unknown_colleagues(account_id)
        for account_id in self.hosts["busy"]:
            self._unknown_outsider(account_id)

    def _clean_threads(self, account_id: str) -> None:
        plan, contacts = self.plans[account_id], self.people[account_id]
        topic = TOPICS["order"]
        for number, days_ago in enumerate((2, 12, 26, 45)):
            contact = contacts[number % len(contacts)]
            thread = Thread(
                key=f"situation/clean/{account_id}/{number}",
                account_id=account_id,
                subject=f"Order schedule for {plan.company.short_name}",
                starter=Side(contact.address, topic.client_lines),
                answerer=Side(plan.owner.address, topic.our_lines),
            )
            day = weekday_on_or_before(self.clock.day(-days_ago))
            start = datetime.combine(day, datetime.min.time(), self.clock.now.tzinfo)
            start += timedelta(hours=self.rng.randint(9, 13), minutes=self.rng.randint(0, 59))
            self.planted_mail += _answered(thread, start, self.rng)

    def _unanswered(self, account_id: str) -> None:
        plan, contact = self.plans[account_id], self.people[account_id][0]
        country = plan.company.place.country
        sent = business_time.hours_before(self.clock.now, _UNANSWERED_HOURS, country)
        if sent < self.clock.now - timedelta(days=5):
            sent = business_time.hours_before(self.clock.now, 8.5, country)
        email = Email(
            key=f"situation/unanswered/{account_id}/0",
            thread_key=f"situation/unanswered/{account_id}",
            account_id=account_id,
            subject=f"Urgent: delivery dates for our next order - {plan.company.short_name}",
            body=f"Hello {plan.owner.first_name},\n\nCould you confirm the delivery dates "
            f"for our next order?\n\nBest regards,\n{contact.name}",
            sender=contact.address,
            to=(plan.owner.address,),
            cc=(),
            sent=sent - timedelta(seconds=41),
        )
        self.planted_mail.append(email)
        hours = business_time.hours_between(sent, self.clock.now, country)
        self.note(
            "unanswered mail",
            account_id,
            [email.internet_message_id, contact.email, plan.owner.email],
            f"{contact.name} wrote {plan.owner.name} on {sent:%Y-%m-%d %H:%M} UTC; no reply after "
            f"{hours:.1f} business hours ({country}) at seed time (reply SLA 8)",
        )

    def _unknown_colleagues(self, account_id: str) -> None:
        plan = self.plans[account_id]
        known = {contact.email for contact in self.people[account_id]}
        for number, (first, last) in enumerate((("Robin", "Ashdown"), ("Kim", "Vandermeer"))):
            email = f"{first.lower()}.{last.lower()}@{plan.company.domain}"
            if email in known:
                continue
            thread = Thread(
                key=f"situation/unknown/{account_id}/{number}",
                account_id=account_id,
                subject=f"Question about our account - {plan.company.short_name}",
                starter=Side(address(f"{first} {last}", email), TOPICS["order"].client_lines),
                answerer=Side(plan.owner.address, TOPICS["order"].our_lines),
            )
            day = weekday_on_or_before(self.clock.day(-8 - 5 * number))
            start = datetime.combine(day, datetime.min.time(), self.clock.now.tzinfo)
            mails = _answered(thread, start + timedelta(hours=9), self.rng, rounds=2)
            self.planted_mail += mails
            self.note(
                "unknown correspondent",
                account_id,
                [email, *(m.internet_message_id for m in mails if email_of(m.sender) == email)],
                f"{first} {last} <{email}> writes {plan.owner.name} from the account's own "
                "domain and is no CRM contact (missing from contacts)",
            )

    def _unknown_outsider(self, account_id: str) -> None:
        plan, contact = self.plans[account_id], self.people[account_id][0]
        domain = f"{plan.company.domain.removesuffix('.example')}-advisors-llp.example"
        outsider = address("Morgan Whitlock", f"morgan.whitlock@{domain}")
        thread = Thread(
            key=f"situation/outsider/{account_id}",
            account_id=account_id,
            subject=f"Joint review of the supply agreement - {plan.company.short_name}",
            starter=Side(outsider, TOPICS["order"].client_lines),
            answerer=Side(plan.owner.address, TOPICS["order"].our_lines),
            cc=(contact.address,),
        )
        day = weekday_on_or_before(self.clock.day(-9))
        start = datetime.combine(day, datetime.min.time(), self.clock.now.tzinfo)
        mails = _answered(thread, start + timedelta(hours=10), self.rng, rounds=2)
        self.planted_mail += mails
        self.note(
            "unknown correspondent",
            account_id,
            [email_of(outsider), *(m.internet_message_id for m in mails)],
            f"{email_of(outsider)} (unknown company domain) writes {plan.owner.name} twice in a "
            f"thread with {contact.name} ({contact.email}) on copy: likely this account by thread",
        )

    # -- Salesforce records --------------------------------------------------------------------
    def plant_records(
        self,
        salesforce: dict[str, list[Record]],
        key_ids: list[str],
        ids: IdMint,
        author_id: str,
    ) -> set[str]:
        """Cases, contracts, deals, tasks and a duplicate; the Case Ids whose comments are set."""
        from sandbox.seed.situation_records import plant_records

        return plant_records(self, salesforce, key_ids, ids, author_id)


def known_situations(
    moves: list[Move], domains: dict[str, list[str]], people: dict[str, list[ClientContact]]
) -> list[dict[str, Any]]:
    """The moved contacts (`moves.py`) and subsidiary-domain mail (`domains.py`) as situations."""
    found = [
        {
            "kind": "moved contact",
            "account_id": move.new.id,
            "ids": [i for i in (move.contact.id, move.new_contact_id) if i]
            + [move.contact.email, move.new_email],
            "detail": f"{move.contact.name} moved from {move.old.company.name} to "
            f"{move.new.company.name} on {move.moved:%Y-%m-%d}",
        }
        for move in moves
    ]
    for account_id, (main, *extra) in domains.items():
        users = [c for c in people[account_id] if c.email.split("@")[1] in extra]
        used = [domain for domain in extra if any(c.email.endswith("@" + domain) for c in users)]
        if users:
            found.append(
                {
                    "kind": "subsidiary domain",
                    "account_id": account_id,
                    "ids": used + [c.email for c in users],
                    "detail": f"people of {main} also write from {', '.join(used)}",
                }
            )
    return found


def _everyone(email: Email) -> Iterator[dict[str, dict[str, str]]]:
    yield email.sender
    yield from email.to
    yield from email.cc


def _answered(thread: Thread, start: datetime, rng: random.Random, rounds: int = 1) -> list[Email]:
    """`rounds` client mails each answered by us an hour or two later."""
    clock = Clock(start.date() + timedelta(days=30))
    emails = write_thread(thread, start, 2 * rounds, clock, rng)
    return [
        dataclasses.replace(e, sent=start + timedelta(hours=i * 2, minutes=rng.randint(0, 50)))
        for i, e in enumerate(emails)
    ]


def _falling_revenue(accounts: set[str], opportunities: list[Record], today: date) -> set[str]:
    """Those of `accounts` whose won revenue over the last 12 months is below the 12 before."""
    change: dict[str, float] = {}
    for deal in opportunities:
        if not deal["IsWon"] or deal["AccountId"] not in accounts:
            continue
        days = (today - date.fromisoformat(deal["CloseDate"])).days
        if 0 <= days < 730:
            sign = 1 if days < 365 else -1
            amount = sign * max(deal["Amount"] or 0.0, 0.0)
            change[deal["AccountId"]] = change.get(deal["AccountId"], 0.0) + amount
    return {account_id for account_id, delta in change.items() if delta < 0}


def choose_accounts(
    preset: str,
    plans: list[AccountPlan],
    people: dict[str, list[ClientContact]],
    domains: dict[str, list[str]],
    moves: list[Move],
    key_ids: list[str],
    opportunities: list[Record],
    contracts_of: set[str],
    staff: Staff,
    clock: Clock,
    internal_domain: str,
    rng: random.Random,
) -> Situations:
    """Clean accounts and situation hosts among the key accounts (deterministic for `rng`)."""
    plan_of = {plan.id: plan for plan in plans}
    moved = {move.old.id for move in moves} | {move.new.id for move in moves}
    usable = [
        a for a in key_ids
        if a not in moved and len(people[a]) >= 2 and plan_of[a].tier != "prospect"
    ]  # fmt: skip
    tidy = [
        a for a in usable
        if len(domains[a]) == 1
        and all(c.email.endswith("@" + plan_of[a].company.domain) for c in people[a])
    ]  # fmt: skip
    falling = _falling_revenue(set(tidy), opportunities, clock.today)
    tidy.sort(key=lambda a: (a in falling, a))
    owners = sorted({plan_of[a].owner.salesforce_id or "" for a in usable if plan_of[a].flagged})
    # the overloaded owner must own none of the clean accounts: spare as many as possible
    overloaded = max(
        owners, key=lambda o: (sum(plan_of[a].owner.salesforce_id != o for a in tidy), o),
        default=None,
    )  # fmt: skip
    tidy = [a for a in tidy if plan_of[a].owner.salesforce_id != overloaded]
    clean = sorted(tidy[: _CLEAN.get(preset, _CLEAN_DEFAULT)])
    rest = [a for a in usable if a not in clean]
    rng.shuffle(rest)
    copies = max(1, len(key_ids) // _ACCOUNTS_PER_SITUATION)
    hosts: dict[str, list[str]] = {role: [] for role in _ROLES}
    for index, account_id in enumerate(rest[: copies * len(_ROLES)]):
        hosts[_ROLES[index % len(_ROLES)]].append(account_id)
    hosts["busy"] = hosts["busy"] or hosts["waiting"][:1]
    # renewal and duplicate need an activated contract; on small presets share a host
    hosts["other"] = [a for a in hosts["other"] if a in contracts_of] or [
        a for a in hosts["busy"] + hosts["waiting"] if a in contracts_of
    ][:1]
    return Situations(clock, staff, plan_of, people, clean, hosts, overloaded, internal_domain, rng)
