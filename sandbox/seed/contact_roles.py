"""Who at the client takes part in a deal: OpportunityContactRoles.

Each deal with roles names one or two of the account's contacts, the first one
primary; the role fits the contact's job title.
"""

from __future__ import annotations

import random
from datetime import datetime

from sandbox.seed.clock import Clock
from sandbox.seed.crm import ClientContact
from sandbox.seed.model import Record
from sandbox.seed.records import IdMint, sobject_record

#: contact title -> the roles (Salesforce's default Role values) such a person plays
_ROLES_OF_TITLE: dict[str, tuple[str, ...]] = {
    "Head of Procurement": ("Decision Maker", "Economic Decision Maker"),
    "Purchasing Manager": ("Decision Maker", "Business User", "Evaluator"),
    "Senior Buyer": ("Evaluator", "Business User"),
    "Supply Chain Manager": ("Business User", "Influencer"),
    "Operations Director": ("Decision Maker", "Executive Sponsor"),
    "Plant Manager": ("Business User", "Technical Buyer"),
    "Chief Financial Officer": ("Economic Buyer", "Economic Decision Maker"),
    "Accounts Payable Manager": ("Influencer", "Other"),
    "Quality Manager": ("Technical Buyer", "Evaluator"),
    "Maintenance Manager": ("Technical Buyer", "Business User"),
    "Chief Executive Officer": ("Executive Sponsor", "Economic Buyer"),
}
_SECOND_CONTACT_SHARE = 0.45


def contact_role_records(
    opportunity_id: str,
    people: list[ClientContact],
    opportunity_dates: tuple[datetime, datetime],
    ids: IdMint,
    clock: Clock,
    author_id: str,
    rng: random.Random,
) -> list[Record]:
    """One or two contacts of the account in their roles on the deal, the first one primary."""
    count = 2 if len(people) > 1 and rng.random() < _SECOND_CONTACT_SHARE else 1
    created, modified = opportunity_dates
    records = []
    for index, contact in enumerate(rng.sample(people, count)):
        added = clock.between(created, modified, rng)
        values = {
            "OpportunityId": opportunity_id,
            "ContactId": contact.id,
            "Role": rng.choice(_ROLES_OF_TITLE[contact.title]),
            "IsPrimary": index == 0,
        }
        records.append(
            sobject_record(
                "OpportunityContactRole",
                ids.next("OpportunityContactRole"),
                values,
                created=added,
                modified=added,
                author_id=author_id,
            )
        )
    return records
