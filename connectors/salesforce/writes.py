"""Writes to Salesforce: sObject Collections, five to a Composite request.

A Collections request carries up to 200 records and a Composite request up to
five Collections, so 1,000 records cost one API call. Upserts go by an
external id (kamsync's own key), so a write that is retried finds the earlier
one instead of duplicating it. Per-record errors are reported, never fatal to
the batch; records the org could not lock are tried again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.composite import MAX_QUERIES_OR_COLLECTIONS, composite

RECORDS_PER_COLLECTION = 200
RETRIED_CODES = frozenset({"UNABLE_TO_LOCK_ROW"})
ATTEMPTS = 3


@dataclass(frozen=True)
class WriteResult:
    """The outcome for one record, in input order."""

    index: int
    success: bool
    id: str | None = None
    created: bool | None = None
    errors: list[str] = field(default_factory=list)


def upsert_records(
    client: SalesforceClient,
    sobject: str,
    external_id_field: str,
    records: Sequence[dict[str, Any]],
) -> list[WriteResult]:
    """Create or update records matched by `external_id_field`; one result per record."""
    url = f"/services/data/v{client.api_version}/composite/sobjects/{sobject}/{external_id_field}"
    return _write(client, sobject, "PATCH", url, records)


def update_records(
    client: SalesforceClient, sobject: str, records: Sequence[dict[str, Any]]
) -> list[WriteResult]:
    """Update records by Id (each record carries its `Id`)."""
    url = f"/services/data/v{client.api_version}/composite/sobjects"
    return _write(client, sobject, "PATCH", url, records)


def _write(
    client: SalesforceClient,
    sobject: str,
    method: str,
    url: str,
    records: Sequence[dict[str, Any]],
) -> list[WriteResult]:
    results: dict[int, WriteResult] = {}
    todo = list(range(len(records)))
    for _ in range(ATTEMPTS):
        retry = []
        for indexes, answer in _send(client, sobject, method, url, records, todo):
            for index, outcome in zip(indexes, answer, strict=True):
                results[index] = outcome
                if not outcome.success and _retriable(outcome):
                    retry.append(index)
        if not retry:
            break
        todo = retry
    return [results[index] for index in range(len(records))]


def _send(
    client: SalesforceClient,
    sobject: str,
    method: str,
    url: str,
    records: Sequence[dict[str, Any]],
    indexes: list[int],
) -> list[tuple[list[int], list[WriteResult]]]:
    """Collections of 200, five per Composite call; results grouped per collection."""
    chunks = [
        indexes[offset : offset + RECORDS_PER_COLLECTION]
        for offset in range(0, len(indexes), RECORDS_PER_COLLECTION)
    ]
    answers = []
    for offset in range(0, len(chunks), MAX_QUERIES_OR_COLLECTIONS):
        group = chunks[offset : offset + MAX_QUERIES_OR_COLLECTIONS]
        subrequests = [
            {
                "method": method,
                "url": url,
                "referenceId": f"collection{number}",
                "body": {
                    "allOrNone": False,
                    "records": [{"attributes": {"type": sobject}, **records[i]} for i in chunk],
                },
            }
            for number, chunk in enumerate(group)
        ]
        for chunk, response in zip(group, composite(client, subrequests), strict=True):
            answers.append((chunk, _outcomes(chunk, response)))
    return answers


def _outcomes(chunk: list[int], response: dict[str, Any]) -> list[WriteResult]:
    body = response.get("body")
    if response.get("httpStatusCode") not in (200, 201) or not isinstance(body, list):
        reason = _messages(body) or [f"HTTP {response.get('httpStatusCode')}"]
        return [WriteResult(index, False, errors=reason) for index in chunk]
    return [
        WriteResult(
            index,
            bool(item.get("success")),
            item.get("id"),
            item.get("created"),
            _messages(item.get("errors")),
        )
        for index, item in zip(chunk, body, strict=True)
    ]


def _messages(errors: Any) -> list[str]:
    if not isinstance(errors, list):
        return []
    return [
        f"{error.get('statusCode') or error.get('errorCode')}: {error.get('message')}"
        + (f" ({', '.join(error['fields'])})" if error.get("fields") else "")
        for error in errors
        if isinstance(error, dict)
    ]


def _retriable(outcome: WriteResult) -> bool:
    return any(message.split(":")[0] in RETRIED_CODES for message in outcome.errors)
