"""Field paths checked against the schema, and their values read from stored records.

A path such as `Account.Owner.Email` becomes a `ResolvedPath`: the relationship
hops to follow and the leaf field. Polymorphic relationships (`What`) lead to
Salesforce's `Name` entity, which offers only Id, Name and Type. Formula and
compound fields are computed when read (`RecordLinks.leaf_reader`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sandbox.ids import KEY_PREFIXES
from sandbox.salesforce import schema
from sandbox.salesforce.compound_fields import address_reader
from sandbox.salesforce.errors import WSDL_HINT, SoqlError, no_such_column
from sandbox.salesforce.formulas import compile_formula
from sandbox.salesforce.schema import Field
from sandbox.salesforce.soql_ast import FieldPath
from sandbox.salesforce.soql_dates import utc_text
from sandbox.state import Doc, DocStore

#: The entity a polymorphic relationship points at, whatever the target's type.
NAME_ENTITY = "Name"
NAME_ENTITY_FIELDS: dict[str, Field] = {
    "Id": Field(schema.ID, updateable=False, nillable=False),
    "Name": Field(schema.STRING, calculated=True, updateable=False),
    "Type": Field(schema.STRING, calculated=True, updateable=False),
}
#: What `Name` shows for objects without a Name field (Salesforce's name fields).
_NAME_FIELD_OF = {
    "Case": "CaseNumber",
    "Contract": "ContractNumber",
    "Task": "Subject",
    "Event": "Subject",
}
_OBJECT_OF_PREFIX = {prefix: sobject for sobject, prefix in KEY_PREFIXES.items()}
TEXT_TYPES = frozenset(
    {schema.STRING, schema.TEXTAREA, schema.EMAIL, schema.URL, schema.PHONE, schema.PICKLIST}
)
NUMBER_TYPES = frozenset({schema.CURRENCY, schema.DOUBLE, schema.PERCENT, schema.INT})
ID_TYPES = frozenset({schema.ID, schema.REFERENCE})


@dataclass(frozen=True)
class Hop:
    """One step from a record to its parent through a reference field."""

    relationship: str
    reference_field: str
    targets: tuple[str, ...]

    @property
    def polymorphic(self) -> bool:
        return len(self.targets) > 1


@dataclass(frozen=True)
class ResolvedPath:
    """A field path in canonical spelling, with the leaf's schema entry and the
    entity the leaf belongs to (an object, or the Name entity)."""

    hops: tuple[Hop, ...]
    name: str
    field: Field
    entity: str

    def dotted(self) -> str:
        return ".".join([*(hop.relationship for hop in self.hops), self.name])


def canonical_object(name: str) -> str | None:
    """The schema's spelling of an sObject name (SOQL is case-insensitive), or None."""
    return _objects_by_lower().get(name.lower())


@cache
def _objects_by_lower() -> dict[str, str]:
    return {name.lower(): name for name in schema.OBJECTS}


@cache
def _fields_by_lower(entity: str) -> dict[str, tuple[str, Field]]:
    fields = NAME_ENTITY_FIELDS if entity == NAME_ENTITY else schema.fields_of(entity)
    return {name.lower(): (name, field) for name, field in fields.items()}


@cache
def _relationships_by_lower(entity: str) -> dict[str, tuple[str, Field]]:
    if entity == NAME_ENTITY:
        return {}
    return {
        field.relationship_name.lower(): (name, field)
        for name, field in schema.fields_of(entity).items()
        if field.relationship_name
    }


def find_field(entity: str, name: str) -> tuple[str, Field] | None:
    """(canonical name, Field) of a field on an object or the Name entity, or None."""
    return _fields_by_lower(entity).get(name.lower())


def resolve_path(sobject: str, path: FieldPath) -> ResolvedPath:
    """Check a path against the schema; INVALID_FIELD errors point at the path."""
    hops: list[Hop] = []
    entity = sobject
    for relationship in path.names[:-1]:
        found = _relationships_by_lower(entity).get(relationship.lower())
        if found is None:
            raise SoqlError(
                "INVALID_FIELD",
                f"Didn't understand relationship '{relationship}' in field path. If you are "
                "attempting to use a custom relationship, be sure to append the '__r' after "
                "the custom relationship name. " + WSDL_HINT,
                path.at,
            )
        reference_field, field = found
        hop = Hop(str(field.relationship_name), reference_field, field.reference_to)
        hops.append(hop)
        entity = NAME_ENTITY if hop.polymorphic else hop.targets[0]
    leaf = find_field(entity, path.names[-1])
    if leaf is None:
        raise no_such_column(path.names[-1], entity, path.at)
    return ResolvedPath(tuple(hops), leaf[0], leaf[1], entity)


def name_entity_value(sobject: str, record: Doc, name: str) -> Any:
    """A field of the Name entity for a record of any object."""
    if name == "Type":
        return sobject
    if name == "Name":
        return record.get("Name", record.get(_NAME_FIELD_OF.get(sobject, "Name")))
    return record.get(name)


class RecordLinks:
    """Follows reference fields to parent records in the store and reads field values,
    computing formula and compound fields."""

    def __init__(self, store: DocStore) -> None:
        self._store = store
        self._leaf_readers: dict[tuple[str, str], Callable[[Doc], Any]] = {}

    def follow(self, record: Doc, hop: Hop) -> tuple[str, Doc] | None:
        """(parent object, parent record) or None when the reference is empty or dangling."""
        parent_id = record.get(hop.reference_field)
        if not parent_id:
            return None
        target = _OBJECT_OF_PREFIX.get(parent_id[:3]) if hop.polymorphic else hop.targets[0]
        if target is None or target not in hop.targets:
            return None
        parent = self._store.get(target, parent_id)
        return None if parent is None else (target, parent)

    def leaf_reader(self, sobject: str, name: str) -> Callable[[Doc], Any]:
        """Reads field `name` (canonical) of a record of `sobject`: the stored value, or
        the computed one for formula and compound fields."""
        key = (sobject, name)
        reader = self._leaf_readers.get(key)
        if reader is None:
            reader = self._build_leaf_reader(sobject, name)
            self._leaf_readers[key] = reader
        return reader

    def _build_leaf_reader(self, sobject: str, name: str) -> Callable[[Doc], Any]:
        found = find_field(sobject, name) if sobject != NAME_ENTITY else None
        field = found[1] if found else None
        if field is not None and field.formula is not None:
            return compile_formula(
                field.formula, lambda path: self.getter(resolve_path(sobject, path))
            )
        if field is not None and field.type == schema.ADDRESS:
            return address_reader(name)
        return lambda record: record.get(name)

    def getter(self, path: ResolvedPath) -> Callable[[Doc], Any]:
        """A function reading the path's raw value from a record of the queried object."""
        name = path.name
        if not path.hops:
            return self.leaf_reader(path.entity, name)
        hops = path.hops
        via_name_entity = hops[-1].polymorphic
        leaf = None if via_name_entity else self.leaf_reader(path.entity, name)

        def read(record: Doc) -> Any:
            sobject = ""
            for hop in hops:
                found = self.follow(record, hop)
                if found is None:
                    return None
                sobject, record = found
            return name_entity_value(sobject, record, name) if leaf is None else leaf(record)

        return read


def comparable(field_type: str) -> Callable[[Any], Any]:
    """Maps a stored value to what SOQL compares and sorts: text case-insensitively,
    datetimes as UTC text (ordered like the instants), null booleans as false,
    multi-select picklists as sets of values."""
    if field_type in TEXT_TYPES:
        return lambda value: value.casefold() if isinstance(value, str) else value
    if field_type == schema.DATETIME:
        return lambda value: utc_text(value) if value else None
    if field_type == schema.DATE:
        return lambda value: value[:10] if value else None
    if field_type == schema.BOOLEAN:
        return bool
    if field_type == schema.MULTIPICKLIST:
        return lambda value: selected_values(value) if isinstance(value, str) else None
    return lambda value: value


def selected_values(text: str) -> frozenset[str]:
    """The values of a multi-select picklist ("a;b"), compared case-insensitively."""
    return frozenset(part.strip().casefold() for part in text.split(";") if part.strip())


def comparable_getter(path: ResolvedPath, links: RecordLinks) -> Callable[[Doc], Any]:
    key = comparable(path.field.type)
    if not path.hops and not computed(path.field):  # the common case, one call less per record
        name = path.name
        return lambda record: key(record.get(name))
    read = links.getter(path)
    return lambda record: key(read(record))


def computed(field: Field) -> bool:
    """True for fields whose value is computed when read rather than stored."""
    return field.formula is not None or field.type == schema.ADDRESS
