"""The objects kamsync mirrors from Salesforce: one table drives every pull.

Each entry says which fields to select and which field is the incremental
cursor. Config can add the Account checkbox that flags strategic accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

from config.settings import Settings

BOOKKEEPING = ("CreatedDate", "LastModifiedDate", "SystemModstamp")


@dataclass(frozen=True)
class ObjectSpec:
    """One sObject to mirror: its fields and the incremental cursor."""

    name: str
    fields: tuple[str, ...]
    cursor: str = "SystemModstamp"
    #: Objects without IsDeleted (User) cannot be asked for it.
    has_is_deleted: bool = True

    def select_list(self) -> tuple[str, ...]:
        extra = ("IsDeleted",) if self.has_is_deleted else ()
        return ("Id", *self.fields, *extra, *BOOKKEEPING)


OBJECTS: tuple[ObjectSpec, ...] = (
    ObjectSpec(
        "User",
        ("Username", "Email", "FirstName", "LastName", "Name", "Title", "IsActive", "ManagerId"),
        has_is_deleted=False,
    ),
    ObjectSpec(
        "Account",
        (
            "Name", "Type", "Industry", "Website", "BillingCity", "BillingCountry",
            "AnnualRevenue", "NumberOfEmployees", "OwnerId", "ParentId",
        ),
    ),
    ObjectSpec(
        "Contact", ("AccountId", "FirstName", "LastName", "Name", "Email", "Title", "OwnerId")
    ),
    ObjectSpec(
        "Opportunity",
        (
            "AccountId", "Name", "StageName", "Amount", "Probability", "CloseDate", "Type",
            "IsClosed", "IsWon", "ForecastCategoryName", "OwnerId",
        ),
    ),
    ObjectSpec(
        "Case",
        (
            "CaseNumber", "AccountId", "ContactId", "Subject", "Status", "Priority", "Origin",
            "IsClosed", "ClosedDate", "IsEscalated", "OwnerId",
        ),
    ),
    ObjectSpec(
        "Contract",
        (
            "AccountId", "ContractNumber", "Status", "StartDate", "EndDate", "ContractTerm",
            "OwnerId",
        ),
    ),
    ObjectSpec(
        "Task",
        (
            "WhoId", "WhatId", "AccountId", "Subject", "ActivityDate", "Status", "Priority",
            "IsClosed", "OwnerId",
        ),
    ),
)  # fmt: skip


def objects_for(settings: Settings) -> tuple[ObjectSpec, ...]:
    """The object table with config's additions (the key-account flag field)."""
    flag = settings.key_accounts.flag_field
    if not flag:
        return OBJECTS
    return tuple(
        ObjectSpec(spec.name, (*spec.fields, flag), spec.cursor, spec.has_is_deleted)
        if spec.name == "Account" and flag not in spec.fields
        else spec
        for spec in OBJECTS
    )
