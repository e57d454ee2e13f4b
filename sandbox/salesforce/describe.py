"""Describe answers built from the schema table: describeGlobal, an object's
basic information and its full describe (fields with type, references and
access), in the REST API's shapes trimmed to what the sandbox knows.
"""

from __future__ import annotations

from typing import Any

from sandbox.ids import KEY_PREFIXES
from sandbox.salesforce import schema
from sandbox.salesforce.record_writes import writable


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


def _field(name: str, field: schema.Field) -> dict[str, Any]:
    return {
        "name": name,
        "label": name,
        "type": field.type,
        "referenceTo": list(field.reference_to),
        "relationshipName": field.relationship_name,
        "calculated": field.calculated,
        "createable": writable(field),
        "updateable": writable(field),
        "nillable": field.nillable,
        "polymorphicForeignKey": len(field.reference_to) > 1,
    }


def describe_object(sobject: str, version: str) -> dict[str, Any]:
    return {
        **object_summary(sobject, version),
        "fields": [_field(name, field) for name, field in schema.fields_of(sobject).items()],
    }
