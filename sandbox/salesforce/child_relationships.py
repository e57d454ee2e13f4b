"""Parent-to-child relationships, derived from the schema's reference fields and
named the way Salesforce names them: Account.Contacts, Opportunity.OpportunityLineItems,
Contact.Tasks (through the polymorphic WhoId) ...

Describe lists them as `childRelationships`; SOQL child subqueries
(`SELECT Name, (SELECT LastName FROM Contacts) FROM Account`) follow them.
References to User are left out: the sandbox offers no child subqueries on users.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sandbox.salesforce import schema

#: References Salesforce lists without a relationship name (not usable in subqueries):
#: an activity's AccountId is derived from its Who/What, whose relationships are named.
_UNNAMED = frozenset({("Task", "AccountId"), ("Event", "AccountId")})
#: Names that are not the child object's plural.
_NAMED = {("Account", "ParentId"): "ChildAccounts"}


@dataclass(frozen=True)
class ChildRelationship:
    """Records of `child_sobject` whose `field` points at the parent record."""

    child_sobject: str
    field: str
    relationship_name: str | None


def plural(sobject: str) -> str:
    """Salesforce's plural of an object name: Opportunity -> Opportunities, Case -> Cases."""
    if sobject.endswith("y") and sobject[-2:-1] not in tuple("aeiou"):
        return sobject[:-1] + "ies"
    return sobject + "s"


@cache
def child_relationships(parent: str) -> tuple[ChildRelationship, ...]:
    """Every reference to `parent` from another object's field, in schema order."""
    if parent == "User":
        return ()
    found = []
    for child, fields in schema.OBJECTS.items():
        for name, field in fields.items():
            if field.type != schema.REFERENCE or parent not in field.reference_to:
                continue
            relationship = None
            if (child, name) not in _UNNAMED:
                relationship = _NAMED.get((child, name), plural(child))
            found.append(ChildRelationship(child, name, relationship))
    return tuple(found)


def find_child_relationship(parent: str, name: str) -> ChildRelationship | None:
    """The named child relationship of `parent` (case-insensitive), or None."""
    wanted = name.lower()
    for relationship in child_relationships(parent):
        if relationship.relationship_name and relationship.relationship_name.lower() == wanted:
            return relationship
    return None
