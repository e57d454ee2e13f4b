"""Account teams of the accounts flagged Key_Account__c: AccountTeamMember records.

Each KAM works in a fixed pod with a sales rep and a customer success manager,
who sit on all of that KAM's key accounts; a solutions engineer and the head
of key accounts join some teams with read access. Roles are the org's Team
Role picklist: Salesforce's defaults plus "Customer Success Manager".
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

from sandbox.seed.clock import Clock
from sandbox.seed.model import Record
from sandbox.seed.people import Person, Staff
from sandbox.seed.plans import AccountPlan
from sandbox.seed.records import IdMint, sobject_record

_SOLUTIONS_ENGINEER_SHARE = 0.5
_EXECUTIVE_SPONSOR_SHARE = 0.3


def _pod(kam: Person, staff: Staff) -> list[tuple[Person, str, str]]:
    """(member, TeamMemberRole, AccountAccessLevel) of the KAM's fixed team."""
    number = staff.kams.index(kam)
    pod = [(kam, "Account Manager", "Edit")]
    if staff.reps:
        pod.append((staff.reps[number % len(staff.reps)], "Sales Rep", "Edit"))
    if staff.success_managers:
        manager = staff.success_managers[number % len(staff.success_managers)]
        pod.append((manager, "Customer Success Manager", "Edit"))
    return pod


def _members(
    plan: AccountPlan, staff: Staff, rng: random.Random
) -> Iterator[tuple[Person, str, str]]:
    """The owner's pod, and maybe a solutions engineer and the head of key accounts."""
    yield from _pod(plan.owner, staff)
    if staff.solutions_engineers and rng.random() < _SOLUTIONS_ENGINEER_SHARE:
        yield rng.choice(staff.solutions_engineers), "Pre-Sales Consultant", "Read"
    if rng.random() < _EXECUTIVE_SPONSOR_SHARE:
        yield staff.head_of_key_accounts, "Executive Sponsor", "Read"


def account_team_records(
    plans: list[AccountPlan],
    staff: Staff,
    ids: IdMint,
    clock: Clock,
    author_id: str,
    rng: random.Random,
) -> list[Record]:
    """Team members of every flagged account, added together when it was made key."""
    records = []
    for plan in plans:
        if not plan.flagged:
            continue
        formed = clock.between(plan.created, clock.now - timedelta(days=1), rng)
        for member, role, access in _members(plan, staff, rng):
            values = {
                "AccountId": plan.id,
                "UserId": member.user_id,
                "TeamMemberRole": role,
                "AccountAccessLevel": access,
            }
            records.append(
                sobject_record(
                    "AccountTeamMember",
                    ids.next("AccountTeamMember"),
                    values,
                    created=formed,
                    modified=clock.since(formed, rng),
                    author_id=author_id,
                )
            )
    return records
