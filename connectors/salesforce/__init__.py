"""Salesforce connector: OAuth, REST queries through simple-salesforce, incremental pulls."""

from connectors.salesforce.auth import SalesforceSession, fetch_token
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.objects import OBJECTS, ObjectSpec, objects_for
from connectors.salesforce.pull import Batch, build_query, pull_object

__all__ = [
    "OBJECTS",
    "Batch",
    "ObjectSpec",
    "SalesforceClient",
    "SalesforceSession",
    "build_query",
    "fetch_token",
    "objects_for",
    "pull_object",
]
