"""Many small reads in one API call: Composite requests for describes and counts.

A Composite request of up to 25 subrequests (at most 5 of them queries) counts
as one call against the org's daily allocation, so a run fetches all its
describes in one call and its `COUNT()`s five at a time. Each sub-response has
its own status and error code: the error policy decides on each alone, so a
sub-request the org was too busy for is sent again without the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from connectors.errors import ConnectorError, FatalError
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.describe import ObjectDescription
from connectors.salesforce.policy import Action, decide, from_subresponse
from connectors.salesforce.retry import ATTEMPTS, backoff, sends_again

MAX_SUBREQUESTS = 25
MAX_QUERIES_OR_COLLECTIONS = 5


def composite(
    client: SalesforceClient, subrequests: list[dict[str, Any]], *, can_split: bool = False
) -> list[dict[str, Any]]:
    """Send subrequests (≤ 25) in one call; the answers in the same order.

    Sub-requests the policy says to retry (or to renew the session for) are sent
    again, alone; a spent API limit stops the run; other failures are returned.
    `can_split`: the caller handles a query the org timed out on (else it is retried)."""
    responses = _send(client, subrequests)
    renewed = False
    for tries in range(1, ATTEMPTS):
        actions = [_action(response) for response in responses]
        renew = [i for i, action in enumerate(actions) if action is Action.RENEW_SESSION]
        repeat = [
            i
            for i, action in enumerate(actions)
            if action is not None and sends_again(action, can_split=can_split)
        ]
        if (renew and renewed) or not (renew or repeat):
            break
        if renew:
            client.renew()
            renewed = True
        else:
            client.sleep(backoff(tries))
        resend = sorted({*renew, *repeat})
        for index, response in zip(
            resend, _send(client, [subrequests[i] for i in resend]), strict=True
        ):
            responses[index] = response
    for response in responses:
        failure = from_subresponse(response)
        if failure is not None and decide(failure).action is Action.STOP_BUDGET:
            raise decide(failure).error("composite request")
    return responses


def subresponse_error(response: dict[str, Any], call: str) -> ConnectorError | None:
    """The connector error the policy makes of a failed sub-response (None: it succeeded)."""
    failure = from_subresponse(response)
    return None if failure is None else decide(failure).error(call)


def _action(response: dict[str, Any]) -> Action | None:
    failure = from_subresponse(response)
    return None if failure is None else decide(failure).action


def _send(client: SalesforceClient, subrequests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    body = {"allOrNone": False, "compositeRequest": subrequests}
    what = f"composite request ({len(subrequests)} subrequests)"
    answer = client.call(
        lambda sf: sf.restful("composite", method="POST", json=body, timeout=60), what=what
    )
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
            error = subresponse_error(response, f"describe {name}")
            if error is None:
                client.remember_description(ObjectDescription.from_describe(response["body"]))
            else:
                failures[name] = str(error)
                client.remember_missing(name, error)
    return failures


@dataclass(frozen=True)
class Query:
    soql: str
    include_deleted: bool = False


def query_all_at_once(
    client: SalesforceClient, queries: dict[str, Query], *, can_split: bool = False
) -> dict[str, dict[str, Any] | ConnectorError]:
    """First pages of several queries, five per Composite call; the error where one failed
    (QueryTimeout at once with `can_split`: the caller reads that window another way)."""
    keys = list(queries)
    answers: dict[str, dict[str, Any] | ConnectorError] = {}
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
        answered = composite(client, subrequests, can_split=can_split)
        for key, response in zip(chunk, answered, strict=True):
            error = subresponse_error(response, f"query {key}")
            if error is None and not isinstance(response.get("body"), dict):
                error = FatalError(f"Salesforce query {key} answered without a record page")
            answers[key] = response["body"] if error is None else error
    return answers


def count_all(client: SalesforceClient, queries: dict[str, str]) -> dict[str, int]:
    """`totalSize` of each `SELECT COUNT()` query, five per call."""
    answers = query_all_at_once(client, {key: Query(soql) for key, soql in queries.items()})
    counts: dict[str, int] = {}
    for key, answer in answers.items():
        if isinstance(answer, ConnectorError):
            raise answer
        counts[key] = int(answer["totalSize"])
    return counts
