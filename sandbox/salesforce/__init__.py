"""Local stand-in of the Salesforce REST API (OAuth login, SOQL query/queryAll
with paging, sObject CRUD and describe) over a `DocStore`."""

from __future__ import annotations

from sandbox.salesforce.app import create_app
from sandbox.salesforce.seed_loader import load_seed

__all__ = ["create_app", "load_seed"]
