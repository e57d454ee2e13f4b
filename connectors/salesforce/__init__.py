"""Salesforce connector: OAuth, describe-driven incremental pulls (REST or Bulk API 2.0),
count and id reconciliation, and kamsync's share of the daily API allocation."""

from connectors.salesforce.auth import SalesforceSession, fetch_token
from connectors.salesforce.bulk import BulkJobFailed
from connectors.salesforce.client import QueryTimeout, SalesforceClient
from connectors.salesforce.describe import ObjectDescription, PullPlan, plan_pull
from connectors.salesforce.integrity import (
    IdDifference,
    compare_ids,
    formula_values,
    org_count,
    records_by_id,
)
from connectors.salesforce.objects import OBJECTS, ObjectSpec, objects_for
from connectors.salesforce.pull import Batch, pull_object
from connectors.salesforce.writes import WriteResult, update_records, upsert_records

__all__ = [
    "OBJECTS",
    "Batch",
    "BulkJobFailed",
    "IdDifference",
    "ObjectDescription",
    "ObjectSpec",
    "PullPlan",
    "QueryTimeout",
    "SalesforceClient",
    "SalesforceSession",
    "WriteResult",
    "compare_ids",
    "fetch_token",
    "formula_values",
    "objects_for",
    "org_count",
    "plan_pull",
    "pull_object",
    "records_by_id",
    "update_records",
    "upsert_records",
]
