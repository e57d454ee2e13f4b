"""Salesforce activities: follow-up Tasks and the meetings owners logged as Events.

Every key account has an open task due within the next four weeks, so the
To Do sync has deadlines to carry in every preset.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta

from sandbox.seed.clock import Clock, sf_date, sf_datetime
from sandbox.seed.crm import ClientContact
from sandbox.seed.meetings import HELD_KEY_MEETINGS, Meeting
from sandbox.seed.model import Record
from sandbox.seed.plans import AccountPlan, Tier
from sandbox.seed.records import IdMint, sobject_record

#: per tier: (open, completed) task counts as (min, max)
_TASKS: dict[Tier, tuple[tuple[int, int], tuple[int, int]]] = {
    "big": ((2, 4), (2, 5)),
    "small": ((0, 2), (0, 2)),
    "prospect": ((0, 1), (0, 1)),
}
_TASK_SUBJECTS = (
    "Send renewal proposal",
    "QBR preparation",
    "Follow up on open quote",
    "Call about delivery issues",
    "Prepare pricing review",
    "Send updated price list",
    "Check payment status with finance",
    "Plan site visit",
    "Send meeting notes",
)
_LOGGED_SHARE = {True: 0.9, False: 0.6}


def _task_values(
    plan: AccountPlan,
    due: date,
    done: bool,
    people: list[ClientContact],
    open_opportunities: list[str],
    rng: random.Random,
) -> Record:
    about_deal = bool(open_opportunities) and rng.random() < 0.5
    status = "Completed" if done else rng.choice(("Not Started", "Not Started", "In Progress"))
    subject = rng.choice(_TASK_SUBJECTS)
    return {
        "WhoId": rng.choice(people).id,
        "WhatId": rng.choice(open_opportunities) if about_deal else plan.id,
        "AccountId": plan.id,
        "Subject": subject,
        "ActivityDate": sf_date(due),
        "Status": status,
        "Priority": "High" if rng.random() < 0.25 else "Normal",
        "IsClosed": done,
        "Description": f"{subject} for {plan.company.short_name}.",
        "OwnerId": plan.owner.user_id,
    }


def _task_dates(
    done: bool, due: date, plan: AccountPlan, clock: Clock, rng: random.Random
) -> tuple[datetime, datetime]:
    """Open tasks were created lately; completed ones before their due date and closed on it."""
    if done:
        created = max(clock.moment(due - timedelta(days=rng.randint(1, 20)), rng), plan.created)
        return created, max(created, clock.moment(due, rng))
    created = max(clock.now - timedelta(days=rng.uniform(1, 40)), plan.created)
    created = created.replace(microsecond=0)
    return created, clock.since(created, rng)


def task_records(
    plans: list[AccountPlan],
    contacts: dict[str, list[ClientContact]],
    open_opportunities: dict[str, list[str]],
    ids: IdMint,
    clock: Clock,
    author_id: str,
    task_scale: float,
    rng: random.Random,
) -> list[Record]:
    """Open tasks due from 10 days ago to 45 days ahead, and tasks done in the last 90 days."""
    records: list[Record] = []
    for plan in plans:
        open_range, done_range = _TASKS[plan.tier]
        due_days = [
            rng.randint(-10, 45) for _ in range(round(rng.randint(*open_range) * task_scale))
        ]
        if plan.meant_key:
            due_days.append(rng.randint(1, 28))
        done_days = [
            -rng.randint(1, 90) for _ in range(round(rng.randint(*done_range) * task_scale))
        ]
        plan_tasks = [(day, False) for day in due_days] + [(day, True) for day in done_days]
        for day, done in plan_tasks:
            due = clock.day(day)
            values = _task_values(
                plan, due, done, contacts[plan.id], open_opportunities.get(plan.id, []), rng
            )
            created, modified = _task_dates(done, due, plan, clock, rng)
            records.append(
                sobject_record(
                    "Task",
                    ids.next("Task"),
                    values,
                    created=created,
                    modified=modified,
                    author_id=author_id,
                )
            )
    return records


def logged_event_records(
    meetings: list[Meeting],
    plans: list[AccountPlan],
    ids: IdMint,
    clock: Clock,
    author_id: str,
    rng: random.Random,
) -> list[Record]:
    """Salesforce Events for most past client meetings (key accounts' first ones always)."""
    plan_of = {plan.id: plan for plan in plans}
    logged_so_far: Counter[str] = Counter()
    records: list[Record] = []
    for meeting in meetings:
        if meeting.account_id is None or meeting.cancelled or meeting.end >= clock.now:
            continue
        plan = plan_of[meeting.account_id]
        surely = plan.meant_key and logged_so_far[plan.id] < HELD_KEY_MEETINGS
        if not surely and rng.random() >= _LOGGED_SHARE[plan.meant_key]:
            continue
        logged_so_far[plan.id] += 1
        values = {
            "WhoId": meeting.client_guests[0].id,
            "WhatId": plan.id,
            "AccountId": plan.id,
            "Subject": meeting.subject,
            "StartDateTime": sf_datetime(meeting.start),
            "EndDateTime": sf_datetime(meeting.end),
            "ActivityDate": sf_date(meeting.start.date()),
            "DurationInMinutes": meeting.minutes,
            "Location": meeting.location,
            "Description": f"Met with {', '.join(g.name for g in meeting.client_guests)}.",
            "OwnerId": meeting.organizer.user_id,
        }
        logged = min(meeting.end + timedelta(minutes=rng.randint(10, 2880)), clock.now)
        records.append(
            sobject_record(
                "Event",
                ids.next("Event"),
                values,
                created=logged,
                modified=logged,
                author_id=author_id,
            )
        )
    return records
