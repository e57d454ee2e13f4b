"""Errors the connectors raise, grouped so callers decide by type, never by message.

    ConnectorError                   anything a connector (or the store) could not do
     ├── ConnectorConfigError        credentials, URLs or permissions are wrong: fix config
     ├── RetriableError              worth another try later (network, 5xx, throttling)
     │    ├── BudgetExhausted        the API allowance for now is spent: resume next run
     │    ├── salesforce.QueryTimeout  the org gave up on a query: narrow its window
     │    └── m365.DeltaReset        Graph lost a delta round: resync that collection
     ├── FatalError                  the service answered something unusable: a bug or bad data
     │    └── m365.GraphError        Graph refused a call kamsync cannot work around
     ├── salesforce.BulkJobFailed    a Bulk API 2.0 job failed: the pull falls back to REST
     ├── m365.WorkbookNotFound       a KAM's goals workbook or table is not there
     └── store.StoreError            the store cannot be opened or a statement failed
          ├── store.LeaseLost        another run holds this outbox operation's lease
          ├── store.LockHeld         another run holds the named lock: this run exits
          └── store.LockLost         a lock ran out and another run took it

Which error a service failure becomes is decided by each connector's error-policy
table (`connectors/salesforce/policy.py`, `connectors/m365/policy.py`), never by
parsing messages. Every message names the service and what was being done, and
passes through `redact` so secrets never reach logs or the Prefect UI.
"""

from __future__ import annotations

import re


class ConnectorError(Exception):
    """A connector could not complete an operation."""


class ConnectorConfigError(ConnectorError):
    """Credentials, URLs or permissions are wrong; retrying will not help."""


class RetriableError(ConnectorError):
    """A transient failure (network, 5xx, throttling); the next run can retry."""


class BudgetExhausted(RetriableError):
    """The API allowance is spent; work stops cleanly and resumes next run."""


class FatalError(ConnectorError):
    """The service answered something unusable."""


_SECRET_PATTERNS = (
    re.compile(r"(?i)((?:client_secret|access_token|refresh_token|password|assertion)=)([^&\s]+)"),
    re.compile(r'(?i)("(?:client_secret|access_token|refresh_token|password)"\s*:\s*")([^"]+)'),
    re.compile(r"(?i)(authorization:\s*(?:bearer|oauth)\s+)(\S+)"),
    re.compile(r"(?i)(://[^:/@\s]+:)([^@\s]+)(@)"),
)


def redact(text: str) -> str:
    """Mask secrets (tokens, client secrets, passwords in URLs) in a message."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(
            lambda m: m.group(1) + "***" + (m.group(3) if m.lastindex == 3 else ""), text
        )
    return text
