"""Salesforce connector: OAuth, describe-driven incremental pulls (REST or Bulk API 2.0),
Composite pull planning, count and id reconciliation, writes, one error-policy table,
and kamsync's share of the daily API allocation."""

from connectors.salesforce.auth import SalesforceSession, fetch_token
from connectors.salesforce.batch import Batch
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.describe import ObjectDescription, PullPlan, plan_pull
from connectors.salesforce.integrity import (
    IdDifference,
    compare_ids,
    formula_values,
    org_count,
    records_by_id,
)
from connectors.salesforce.objects import OBJECTS, ObjectSpec, objects_for
from connectors.salesforce.planning import (
    ObjectWindow,
    PullSetup,
    count_objects,
    describe_objects,
    plan_object,
    prepare_pulls,
)
from connectors.salesforce.policy import BulkJobFailed, QueryTimeout
from connectors.salesforce.pull import pull_object, window_start
from connectors.salesforce.writes import WriteResult, update_records, upsert_records

__all__ = [
    "OBJECTS",
    "Batch",
    "BulkJobFailed",
    "IdDifference",
    "ObjectDescription",
    "ObjectSpec",
    "ObjectWindow",
    "PullPlan",
    "PullSetup",
    "QueryTimeout",
    "SalesforceClient",
    "SalesforceSession",
    "WriteResult",
    "compare_ids",
    "count_objects",
    "describe_objects",
    "fetch_token",
    "formula_values",
    "objects_for",
    "org_count",
    "plan_object",
    "plan_pull",
    "prepare_pulls",
    "pull_object",
    "records_by_id",
    "update_records",
    "upsert_records",
    "window_start",
]
