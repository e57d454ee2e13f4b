"""The sandbox org's objects and fields: the one table the Salesforce stand-in
and the seed generator both follow.

Each object maps field name -> `Field`. References name their target objects
and the relationship name used in SOQL paths (`Account.Owner.Email`).
Every object also gets the bookkeeping fields from `SYSTEM_FIELDS`.
"""

from __future__ import annotations

from dataclasses import dataclass

# Salesforce field types used here (the `type` of a describe field).
ID, STRING, TEXTAREA, EMAIL, URL, PHONE, PICKLIST = (
    "id",
    "string",
    "textarea",
    "email",
    "url",
    "phone",
    "picklist",
)
BOOLEAN, CURRENCY, DOUBLE, PERCENT, INT, DATE, DATETIME, REFERENCE = (
    "boolean",
    "currency",
    "double",
    "percent",
    "int",
    "date",
    "datetime",
    "reference",
)
#: A compound field (e.g. BillingAddress): readable over REST, refused by Bulk API 2.0.
ADDRESS = "address"
MULTIPICKLIST = "multipicklist"


@dataclass(frozen=True)
class Field:
    type: str
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    #: read-only fields the server computes (formula, roll-up, auto-number, system)
    calculated: bool = False
    updateable: bool = True
    nillable: bool = True
    #: usable in `PATCH /sobjects/{obj}/{field}/{value}` upserts (unique per object)
    external_id: bool = False
    #: for calculated fields: how the stand-in computes the value, in words
    formula: str | None = None


def ref(*targets: str, rel: str) -> Field:
    return Field(REFERENCE, tuple(targets), rel)


SYSTEM_FIELDS: dict[str, Field] = {
    "Id": Field(ID, updateable=False, nillable=False),
    "IsDeleted": Field(BOOLEAN, updateable=False, nillable=False),
    "CreatedDate": Field(DATETIME, updateable=False, nillable=False),
    "CreatedById": Field(REFERENCE, ("User",), "CreatedBy", updateable=False),
    "LastModifiedDate": Field(DATETIME, updateable=False, nillable=False),
    "LastModifiedById": Field(REFERENCE, ("User",), "LastModifiedBy", updateable=False),
    "SystemModstamp": Field(DATETIME, updateable=False, nillable=False),
}

_OWNER = ref("User", rel="Owner")

OBJECTS: dict[str, dict[str, Field]] = {
    "User": {
        "Username": Field(STRING, nillable=False),
        "Email": Field(EMAIL, nillable=False),
        "FirstName": Field(STRING),
        "LastName": Field(STRING, nillable=False),
        "Name": Field(STRING, calculated=True, updateable=False),
        "Title": Field(STRING),
        "Department": Field(STRING),
        "IsActive": Field(BOOLEAN, nillable=False),
        "ManagerId": ref("User", rel="Manager"),
    },
    "Account": {
        "Name": Field(STRING, nillable=False),
        "Type": Field(PICKLIST),
        "Industry": Field(PICKLIST),
        "Website": Field(URL),
        "Phone": Field(PHONE),
        # the components of the compound BillingAddress and ShippingAddress
        # (sandbox/salesforce/compound_fields.py)
        "BillingStreet": Field(TEXTAREA),
        "BillingCity": Field(STRING),
        "BillingState": Field(STRING),
        "BillingPostalCode": Field(STRING),
        "BillingCountry": Field(STRING),
        "BillingLatitude": Field(DOUBLE),
        "BillingLongitude": Field(DOUBLE),
        "BillingGeocodeAccuracy": Field(PICKLIST),
        "ShippingStreet": Field(TEXTAREA),
        "ShippingCity": Field(STRING),
        "ShippingState": Field(STRING),
        "ShippingPostalCode": Field(STRING),
        "ShippingCountry": Field(STRING),
        "ShippingLatitude": Field(DOUBLE),
        "ShippingLongitude": Field(DOUBLE),
        "ShippingGeocodeAccuracy": Field(PICKLIST),
        "AnnualRevenue": Field(CURRENCY),
        "NumberOfEmployees": Field(INT),
        "OwnerId": _OWNER,
        "ParentId": ref("Account", rel="Parent"),
        "Key_Account__c": Field(BOOLEAN, nillable=False),
        "Description": Field(TEXTAREA),
        "BillingAddress": Field(ADDRESS, calculated=True, updateable=False),
        "ShippingAddress": Field(ADDRESS, calculated=True, updateable=False),
        "External_Id__c": Field(STRING, external_id=True),
        "Product_Interests__c": Field(MULTIPICKLIST),
    },
    "Contact": {
        "AccountId": ref("Account", rel="Account"),
        "FirstName": Field(STRING),
        "LastName": Field(STRING, nillable=False),
        "Name": Field(STRING, calculated=True, updateable=False),
        "Email": Field(EMAIL),
        "Phone": Field(PHONE),
        "Title": Field(STRING),
        "OwnerId": _OWNER,
        # the components of the compound MailingAddress
        "MailingStreet": Field(TEXTAREA),
        "MailingCity": Field(STRING),
        "MailingState": Field(STRING),
        "MailingPostalCode": Field(STRING),
        "MailingCountry": Field(STRING),
        "MailingLatitude": Field(DOUBLE),
        "MailingLongitude": Field(DOUBLE),
        "MailingGeocodeAccuracy": Field(PICKLIST),
        "MailingAddress": Field(ADDRESS, calculated=True, updateable=False),
    },
    "Opportunity": {
        "AccountId": ref("Account", rel="Account"),
        "Name": Field(STRING, nillable=False),
        "StageName": Field(PICKLIST, nillable=False),
        "Amount": Field(CURRENCY),
        "Probability": Field(PERCENT),
        "ExpectedRevenue": Field(CURRENCY, calculated=True, updateable=False),
        "CloseDate": Field(DATE, nillable=False),
        "Type": Field(PICKLIST),
        "IsClosed": Field(BOOLEAN, updateable=False, nillable=False),
        "IsWon": Field(BOOLEAN, updateable=False, nillable=False),
        "ForecastCategoryName": Field(PICKLIST),
        "NextStep": Field(STRING),
        "OwnerId": _OWNER,
        # Cross-object formula: changes when the Account changes, while the
        # Opportunity's own SystemModstamp stays put (as in a real org).
        "Account_Segment__c": Field(
            STRING,
            calculated=True,
            updateable=False,
            formula='IF(Account.Key_Account__c, "Strategic", IF(Account.AnnualRevenue >= '
            '50000000, "Enterprise", IF(Account.AnnualRevenue >= 5000000, "Mid-Market", '
            '"SMB")))',
        ),
    },
    "Case": {
        "CaseNumber": Field(STRING, calculated=True, updateable=False),
        "AccountId": ref("Account", rel="Account"),
        "ContactId": ref("Contact", rel="Contact"),
        "Subject": Field(STRING),
        "Description": Field(TEXTAREA),
        "Status": Field(PICKLIST),
        "Priority": Field(PICKLIST),
        "Origin": Field(PICKLIST),
        "IsClosed": Field(BOOLEAN, updateable=False, nillable=False),
        "ClosedDate": Field(DATETIME, updateable=False),
        "IsEscalated": Field(BOOLEAN, nillable=False),
        "OwnerId": _OWNER,
    },
    "CaseComment": {
        "ParentId": Field(REFERENCE, ("Case",), "Parent", updateable=False, nillable=False),
        "CommentBody": Field(TEXTAREA),
        "IsPublished": Field(BOOLEAN, nillable=False),
    },
    "Contract": {
        "AccountId": ref("Account", rel="Account"),
        "ContractNumber": Field(STRING, calculated=True, updateable=False),
        "Status": Field(PICKLIST, nillable=False),
        "StartDate": Field(DATE),
        "EndDate": Field(DATE),
        "ContractTerm": Field(INT),
        "OwnerId": _OWNER,
        "Description": Field(TEXTAREA),
    },
    "Task": {
        "WhoId": ref("Contact", rel="Who"),
        "WhatId": ref("Account", "Opportunity", "Case", "Contract", rel="What"),
        "AccountId": Field(REFERENCE, ("Account",), "Account", updateable=False),
        "Subject": Field(STRING),
        "ActivityDate": Field(DATE),
        "Status": Field(PICKLIST, nillable=False),
        "Priority": Field(PICKLIST, nillable=False),
        "IsClosed": Field(BOOLEAN, updateable=False, nillable=False),
        "Description": Field(TEXTAREA),
        "OwnerId": _OWNER,
        "Kamsync_Key__c": Field(STRING, external_id=True),
    },
    "Event": {
        "WhoId": ref("Contact", rel="Who"),
        "WhatId": ref("Account", "Opportunity", "Case", "Contract", rel="What"),
        "AccountId": Field(REFERENCE, ("Account",), "Account", updateable=False),
        "Subject": Field(STRING),
        "StartDateTime": Field(DATETIME),
        "EndDateTime": Field(DATETIME),
        "ActivityDate": Field(DATE),
        "DurationInMinutes": Field(INT),
        "Location": Field(STRING),
        "Description": Field(TEXTAREA),
        "OwnerId": _OWNER,
        "Kamsync_Key__c": Field(STRING, external_id=True),
    },
    "Product2": {
        "Name": Field(STRING, nillable=False),
        "ProductCode": Field(STRING),
        "Family": Field(PICKLIST),
        "IsActive": Field(BOOLEAN, nillable=False),
        "Description": Field(TEXTAREA),
    },
    "OpportunityLineItem": {
        "OpportunityId": Field(
            REFERENCE, ("Opportunity",), "Opportunity", updateable=False, nillable=False
        ),
        "Product2Id": Field(REFERENCE, ("Product2",), "Product2", updateable=False),
        "Name": Field(STRING, calculated=True, updateable=False),
        "Quantity": Field(DOUBLE, nillable=False),
        "UnitPrice": Field(CURRENCY),
        "TotalPrice": Field(CURRENCY),
        "ServiceDate": Field(DATE),
    },
    "AccountTeamMember": {
        "AccountId": Field(REFERENCE, ("Account",), "Account", updateable=False, nillable=False),
        "UserId": Field(REFERENCE, ("User",), "User", updateable=False, nillable=False),
        "TeamMemberRole": Field(PICKLIST),
        "AccountAccessLevel": Field(PICKLIST, nillable=False),
    },
    "OpportunityContactRole": {
        "OpportunityId": Field(
            REFERENCE, ("Opportunity",), "Opportunity", updateable=False, nillable=False
        ),
        "ContactId": ref("Contact", rel="Contact"),
        "Role": Field(PICKLIST),
        "IsPrimary": Field(BOOLEAN, nillable=False),
    },
}


def fields_of(sobject: str) -> dict[str, Field]:
    """All fields of an object, system fields first (KeyError if the object is unknown)."""
    return {**SYSTEM_FIELDS, **OBJECTS[sobject]}
