"""Describe answers built from the schema table: describeGlobal, an object's
basic information and its full describe (fields with type, references, access,
formulas, external ids and compound parts; child relationships), in the REST
API's shapes trimmed to what the sandbox knows.
"""

from __future__ import annotations

from typing import Any

from sandbox.ids import KEY_PREFIXES
from sandbox.salesforce import schema
from sandbox.salesforce.child_relationships import child_relationships
from sandbox.salesforce.compound_fields import compound_field_name
from sandbox.salesforce.record_changes import createable, writable
from sandbox.salesforce.soql_order import UNSORTABLE_TYPES


def _urls(sobject: str, version: str) -> dict[str, str]:
    base = f"/services/data/{version}/sobjects/{sobject}"
    return {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"}


def object_summary(sobject: str, version: str) -> dict[str, Any]:
    return {
        "name": sobject,
        "label": sobject,
        "keyPrefix": KEY_PREFIXES.get(sobject),
        "custom": False,
        "queryable": True,
        "createable": True,
        "updateable": True,
        "deletable": True,
        "urls": _urls(sobject, version),
    }


def describe_global(version: str) -> dict[str, Any]:
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [object_summary(sobject, version) for sobject in schema.OBJECTS],
    }


def basic_info(sobject: str, version: str) -> dict[str, Any]:
    return {"objectDescribe": object_summary(sobject, version), "recentItems": []}


def _field(sobject: str, name: str, field: schema.Field) -> dict[str, Any]:
    return {
        "name": name,
        "label": name,
        "type": field.type,
        "referenceTo": list(field.reference_to),
        "relationshipName": field.relationship_name,
        "calculated": field.calculated,
        "calculatedFormula": field.formula,
        "compoundFieldName": compound_field_name(sobject, name),
        "externalId": field.external_id,
        "idLookup": name == "Id" or field.external_id,
        "createable": createable(name, field),
        "updateable": writable(field),
        "nillable": field.nillable,
        "filterable": field.type != schema.ADDRESS,
        "sortable": field.type not in UNSORTABLE_TYPES,
        "polymorphicForeignKey": len(field.reference_to) > 1,
    }


def describe_object(sobject: str, version: str) -> dict[str, Any]:
    return {
        **object_summary(sobject, version),
        "fields": [
            _field(sobject, name, field) for name, field in schema.fields_of(sobject).items()
        ],
        "childRelationships": [
            {
                "childSObject": relationship.child_sobject,
                "field": relationship.field,
                "relationshipName": relationship.relationship_name,
            }
            for relationship in child_relationships(sobject)
        ],
    }
