"""Case comments: the public answers to the client and the team's internal notes.

Most complaints get a first public comment well within their first-response SLA
(a delay in wall-clock hours no longer than the SLA's business hours is surely in
time); some are answered late or not yet. A third get an internal note too.
Cases the planted situations own (`sandbox.seed.situations`) are left out here.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sandbox.seed.clock import Clock
from sandbox.seed.model import Record
from sandbox.seed.records import IdMint, sobject_record

#: first-response SLA in business hours by Case.Priority (the product default)
FIRST_RESPONSE_HOURS = {"High": 4, "Medium": 8, "Low": 24}
#: resolution SLA in business hours by Case.Priority (the product default)
RESOLUTION_HOURS = {"High": 24, "Medium": 40, "Low": 80}
_IN_TIME_SHARE = 0.85
_INTERNAL_NOTE_SHARE = 0.35
PUBLIC_LINES = (
    "Thank you for reporting this - we are looking into it and will update you shortly.",
    "We have opened an investigation with the warehouse and will come back with a fix.",
    "Sorry for the trouble. A replacement is being arranged; details to follow.",
    "We have received your report and assigned it to our support team.",
)
INTERNAL_LINES = (
    "Checked with logistics: the carrier confirms a delay at the hub.",
    "Credit note may be needed - waiting for finance.",
    "Asked quality for the batch records.",
    "Client is sensitive about this one, keep the KAM in the loop.",
)


def parse_sf_datetime(text: str) -> datetime:
    """A Salesforce datetime string as an aware datetime."""
    return datetime.fromisoformat(text)


def comment_record(
    case: Record, ids: IdMint, at: datetime, body: str, *, public: bool, author_id: str
) -> Record:
    """One CaseComment on `case`, written by `author_id` at `at`."""
    values = {"ParentId": case["Id"], "CommentBody": body, "IsPublished": public}
    return sobject_record(
        "CaseComment", ids.next("CaseComment"), values, created=at, modified=at, author_id=author_id
    )


def _latest(case: Record, clock: Clock) -> datetime:
    closed = case["ClosedDate"]
    return parse_sf_datetime(closed) if closed else clock.now


def case_comment_records(
    cases: list[Record], skip: set[str], ids: IdMint, clock: Clock, rng: random.Random
) -> list[Record]:
    """Comments of every case but those in `skip`, none later than its close or now."""
    records: list[Record] = []
    for case in cases:
        if case["Id"] in skip:
            continue
        created, latest = parse_sf_datetime(case["CreatedDate"]), _latest(case, clock)
        sla = FIRST_RESPONSE_HOURS.get(case["Priority"], 8)
        if rng.random() < _IN_TIME_SHARE:
            delay = timedelta(minutes=rng.randint(10, sla * 50))
        else:
            delay = timedelta(hours=sla * rng.uniform(2, 6))
        answered = min(created + delay, latest)
        if answered < clock.now:
            line = rng.choice(PUBLIC_LINES)
            records.append(
                comment_record(case, ids, answered, line, public=True, author_id=case["OwnerId"])
            )
        if rng.random() < _INTERNAL_NOTE_SHARE:
            noted = clock.between(created, latest, rng)
            line = rng.choice(INTERNAL_LINES)
            records.append(
                comment_record(case, ids, noted, line, public=False, author_id=case["OwnerId"])
            )
    return records
