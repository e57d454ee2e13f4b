"""Many small reads in one API call: Composite requests for describes and counts.

A Composite request of up to 25 subrequests (at most 5 of them queries) counts
as one call against the org's daily allocation, so a run fetches all its
describes in one call and its `COUNT()`s five at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from connectors.errors import ConnectorConfigError, FatalError
from connectors.salesforce.client import QueryTimeout, SalesforceClient
from connectors.salesforce.describe import ObjectDescription

MAX_SUBREQUESTS = 25
MAX_QUERIES_OR_COLLECTIONS = 5


def composite(client: SalesforceClient, subrequests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Send subrequests (≤ 25) in one call; the answers in the same order."""
    body = {"allOrNone": False, "compositeRequest": subrequests}
    answer = client.call(lambda sf: sf.restful("composite", method="POST", json=body, timeout=60))
    responses = answer.get("compositeResponse") if isinstance(answer, dict) else None
    if not isinstance(responses, list) or len(responses) != len(subrequests):
        raise FatalError("Salesforce composite answered without one response per subrequest")
    return responses


def describe_all(client: SalesforceClient, names: Sequence[str]) -> dict[str, str]:
    """Fetch and cache the describes of `names`; return the reason for each that failed."""
    failures: dict[str, str] = {}
    root = f"/services/data/v{client.api_version}/sobjects"
    for offset in range(0, len(names), MAX_SUBREQUESTS):
        chunk = list(names[offset : offset + MAX_SUBREQUESTS])
        subrequests = [
            {"method": "GET", "url": f"{root}/{name}/describe", "referenceId": f"describe{i}"}
            for i, name in enumerate(chunk)
        ]
        for name, response in zip(chunk, composite(client, subrequests), strict=True):
            if response.get("httpStatusCode") == 200:
                client.remember_description(ObjectDescription.from_describe(response["body"]))
            else:
                failures[name] = _reason(response)
                client.remember_missing(name, failures[name])
    return failures


@dataclass(frozen=True)
class Query:
    soql: str
    include_deleted: bool = False


def query_all_at_once(
    client: SalesforceClient, queries: dict[str, Query]
) -> dict[str, dict[str, Any] | str]:
    """First pages of several queries, five per Composite call; an error text where one failed."""
    keys = list(queries)
    answers: dict[str, dict[str, Any] | str] = {}
    root = f"/services/data/v{client.api_version}"
    for offset in range(0, len(keys), MAX_QUERIES_OR_COLLECTIONS):
        chunk = keys[offset : offset + MAX_QUERIES_OR_COLLECTIONS]
        subrequests = [
            {
                "method": "GET",
                "url": f"{root}/{'queryAll' if queries[key].include_deleted else 'query'}"
                f"?q={quote(queries[key].soql, safe='')}",
                "referenceId": f"query{number}",
            }
            for number, key in enumerate(chunk)
        ]
        for key, response in zip(chunk, composite(client, subrequests), strict=True):
            ok = response.get("httpStatusCode") == 200 and isinstance(response.get("body"), dict)
            answers[key] = response["body"] if ok else _reason(response)
    return answers


def count_all(client: SalesforceClient, queries: dict[str, str]) -> dict[str, int]:
    """`totalSize` of each `SELECT COUNT()` query, five per call."""
    answers = query_all_at_once(client, {key: Query(soql) for key, soql in queries.items()})
    counts: dict[str, int] = {}
    for key, answer in answers.items():
        if isinstance(answer, str):
            error = QueryTimeout if "QUERY_TIMEOUT" in answer else ConnectorConfigError
            raise error(f"Salesforce count for {key} failed: {answer}")
        counts[key] = int(answer["totalSize"])
    return counts


def _reason(response: dict[str, Any]) -> str:
    body = response.get("body")
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return f"{body[0].get('errorCode')}: {body[0].get('message')}"
    return f"HTTP {response.get('httpStatusCode')}"
