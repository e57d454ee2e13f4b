"""Many small reads in one API call: Composite requests for describes and counts.

A Composite request of up to 25 subrequests (at most 5 of them queries) counts
as one call against the org's daily allocation, so a run fetches all its
describes in one call and its `COUNT()`s five at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from connectors.errors import ConnectorConfigError, FatalError
from connectors.salesforce.client import QueryTimeout, SalesforceClient
from connectors.salesforce.describe import ObjectDescription

MAX_SUBREQUESTS = 25
MAX_QUERIES = 5


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


def count_all(client: SalesforceClient, queries: dict[str, str]) -> dict[str, int]:
    """`totalSize` of each `SELECT COUNT()` query, five per call."""
    keys = list(queries)
    counts: dict[str, int] = {}
    root = f"/services/data/v{client.api_version}/query?q="
    for offset in range(0, len(keys), MAX_QUERIES):
        chunk = keys[offset : offset + MAX_QUERIES]
        subrequests = [
            {
                "method": "GET",
                "url": root + quote(queries[key], safe=""),
                "referenceId": f"count{i}",
            }
            for i, key in enumerate(chunk)
        ]
        for key, response in zip(chunk, composite(client, subrequests), strict=True):
            if response.get("httpStatusCode") != 200:
                reason = _reason(response)
                error = QueryTimeout if "QUERY_TIMEOUT" in reason else ConnectorConfigError
                raise error(f"Salesforce count for {key} failed: {reason}")
            counts[key] = int(response["body"]["totalSize"])
    return counts


def _reason(response: dict[str, Any]) -> str:
    body = response.get("body")
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return f"{body[0].get('errorCode')}: {body[0].get('message')}"
    return f"HTTP {response.get('httpStatusCode')}"
