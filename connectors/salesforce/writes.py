"""Writes to Salesforce: sObject Collections, five to a Composite request.

A Collections request carries up to 200 records and a Composite request up to
five Collections, so 1,000 records cost one API call. Upserts go by an
external id (kamsync's own key), so a write that is retried finds the earlier
one instead of duplicating it. Per-record errors are reported, never fatal to
the batch; records whose error the policy says to retry (a row the org could
not lock) are tried again, after a back-off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.composite import (
    MAX_QUERIES_OR_COLLECTIONS,
    composite,
    subresponse_error,
)
from connectors.salesforce.policy import Action, decide, from_record_error
from connectors.salesforce.retry import backoff

RECORDS_PER_COLLECTION = 200
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
    for tries in range(1, ATTEMPTS + 1):
        retry = []
        for indexes, answer in _send(client, sobject, method, url, records, todo):
            for index, (outcome, retriable) in zip(indexes, answer, strict=True):
                results[index] = outcome
                if retriable:
                    retry.append(index)
        if not retry or tries == ATTEMPTS:
            break
        client.sleep(backoff(tries))
        todo = retry
    return [results[index] for index in range(len(records))]


def _send(
    client: SalesforceClient,
    sobject: str,
    method: str,
    url: str,
    records: Sequence[dict[str, Any]],
    indexes: list[int],
) -> list[tuple[list[int], list[tuple[WriteResult, bool]]]]:
    """Collections of 200, five per Composite call; per collection, each record's result
    and whether the policy says to try it again."""
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


def _outcomes(chunk: list[int], response: dict[str, Any]) -> list[tuple[WriteResult, bool]]:
    body = response.get("body")
    error = subresponse_error(response, "sObject Collections write")
    if error is not None or not isinstance(body, list):
        reason = [str(error) if error else f"HTTP {response.get('httpStatusCode')}"]
        return [(WriteResult(index, False, errors=reason), False) for index in chunk]
    return [_outcome(index, item) for index, item in zip(chunk, body, strict=True)]


def _outcome(index: int, item: dict[str, Any]) -> tuple[WriteResult, bool]:
    """One record's result, and whether every error it had is one the policy retries."""
    errors = [error for error in item.get("errors") or [] if isinstance(error, dict)]
    failures = [from_record_error(error) for error in errors]
    result = WriteResult(
        index,
        bool(item.get("success")),
        item.get("id"),
        item.get("created"),
        [failure.shown() for failure in failures],
    )
    retriable = bool(failures) and all(decide(f).action is Action.RETRY for f in failures)
    return result, not result.success and retriable
