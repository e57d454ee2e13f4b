"""Local stand-in of the Salesforce REST API over a `DocStore`: OAuth (client
credentials, JWT bearer, password), SOQL query/queryAll with paging, sObject
CRUD and upsert by external id, describe, Composite, sObject Collections,
Bulk API 2.0 query jobs, /limits, and test-control endpoints for faults."""

from __future__ import annotations

from sandbox.salesforce.app import create_app
from sandbox.salesforce.seed_loader import load_seed

__all__ = ["create_app", "load_seed"]
