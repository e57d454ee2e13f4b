"""The objects kamsync mirrors from Salesforce: one table drives every pull.

Each entry names the fields kamsync itself relies on; describe supplies the
rest (see `describe.plan_pull`). Config adds fields, cursors, custom objects
and the Account checkbox that flags strategic accounts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from config.settings import Settings


@dataclass(frozen=True)
class ObjectSpec:
    """One sObject to mirror and the fields kamsync needs from it."""

    name: str
    fields: tuple[str, ...] = ()
    #: Orgs may not have it (Account Teams off): skipped with a warning, not an error.
    optional: bool = False
    #: From config: mirror only these besides `fields` (empty: every readable field).
    extra_fields: tuple[str, ...] = ()
    #: From config: the incremental cursor when the object lacks SystemModstamp.
    cursor: str | None = None

    def select_list(self) -> tuple[str, ...]:
        """The columns transforms may rely on."""
        return ("Id", *self.fields, *self.extra_fields)


OBJECTS: tuple[ObjectSpec, ...] = (
    ObjectSpec("User", ("Username", "Email", "FirstName", "LastName", "Name", "Title", "IsActive")),
    ObjectSpec(
        "Account",
        ("Name", "Type", "Industry", "Website", "AnnualRevenue", "OwnerId", "ParentId"),
    ),
    ObjectSpec("Contact", ("AccountId", "FirstName", "LastName", "Name", "Email", "Title")),
    ObjectSpec(
        "Opportunity",
        (
            "AccountId", "Name", "StageName", "Amount", "Probability", "CloseDate", "IsClosed",
            "IsWon", "ForecastCategoryName", "OwnerId",
        ),
    ),
    ObjectSpec("Product2", ("Name", "Family", "IsActive")),
    ObjectSpec("OpportunityLineItem", ("OpportunityId", "Product2Id", "Quantity", "TotalPrice")),
    ObjectSpec(
        "OpportunityContactRole", ("OpportunityId", "ContactId", "Role", "IsPrimary"), optional=True
    ),
    ObjectSpec(
        "Case",
        (
            "CaseNumber", "AccountId", "ContactId", "Subject", "Status", "Priority", "IsClosed",
            "CreatedDate", "OwnerId",
        ),
    ),
    ObjectSpec(
        "CaseComment",
        ("ParentId", "CommentBody", "IsPublished", "CreatedDate", "CreatedById"),
        optional=True,
    ),
    ObjectSpec("Contract", ("AccountId", "ContractNumber", "Status", "EndDate", "OwnerId")),
    ObjectSpec(
        "Task",
        (
            "WhoId", "WhatId", "AccountId", "Subject", "ActivityDate", "Status", "IsClosed",
            "OwnerId",
        ),
    ),
    ObjectSpec(
        "Event",
        ("WhoId", "WhatId", "AccountId", "Subject", "StartDateTime", "EndDateTime", "OwnerId"),
    ),
    ObjectSpec("AccountTeamMember", ("AccountId", "UserId", "TeamMemberRole"), optional=True),
)  # fmt: skip


def objects_for(settings: Settings) -> tuple[ObjectSpec, ...]:
    """The object table with config's additions: flag field, extra fields, custom objects."""
    configured = settings.salesforce.objects
    flag = settings.key_accounts.flag_field
    specs = []
    for spec in OBJECTS:
        if spec.name == "Account" and flag:
            spec = replace(spec, fields=(*spec.fields, flag))
        if spec.name in configured:
            extra = configured[spec.name]
            spec = replace(spec, extra_fields=tuple(extra.extra_fields), cursor=extra.cursor)
        specs.append(spec)
    known = {spec.name for spec in OBJECTS}
    for name, extra in configured.items():
        if name not in known:
            specs.append(ObjectSpec(name, (), False, tuple(extra.extra_fields), extra.cursor))
    return tuple(specs)
