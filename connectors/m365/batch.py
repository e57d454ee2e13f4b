"""JSON `$batch`: many Graph requests in few calls, each item retried on its own.

Graph runs a batch's items in parallel unless they are chained with
`dependsOn`, and a batch must be either fully parallel or fully sequential.
Outlook allows 4 concurrent requests per mailbox, so a call never holds more
parallel items for one mailbox than the client's `max_concurrency_per_mailbox`.
Many writes to one mailbox go in *serial* calls: 20 items chained one after
another, which Outlook runs one at a time — ⌈N/20⌉ calls for N writes. When
an item of a serial call fails, the items after it come back 424 without
having run and go again in the next call. What becomes of a failed item is the
error policy's decision (connectors/m365/policy.py, where `$batch item`):
items it repeats (throttled ones; 5xx on methods safe to repeat) go again in a
follow-up call, with the items that failed 424 because of them, after the
longest wait; items refused for an invalid token (Graph checks the token per
item too) go again once the token is renewed (one renewal for all the items
refused together); an item refused again after that is a configuration error;
other failures are returned.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from connectors.errors import RetriableError
from connectors.m365.client import GraphClient, mailbox_of
from connectors.m365.policy import ATTEMPTS, REPEATS, Action, Decision, Where, decide
from connectors.m365.retry import Call, item_failure

MAX_BATCH = 20
FAILED_DEPENDENCY = 424
#: a mailbox with this many independent requests gets serial calls (a few per mailbox
#: spread 4 to a call over parallel calls shared with other mailboxes cost fewer calls)
SERIAL_FROM = MAX_BATCH // 2


@dataclass(frozen=True)
class BatchRequest:
    """One request of a batch; `url` is relative to /v1.0 (e.g. "/users/x@y/todo/lists")."""

    id: str
    method: str
    url: str
    body: dict[str, Any] | None = None
    depends_on: tuple[str, ...] = ()
    headers: dict[str, str] | None = None


@dataclass(frozen=True)
class BatchResult:
    """Graph's answer to one request of a batch."""

    id: str
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def header(self, name: str) -> str | None:
        """A response header, looked up case-insensitively."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass(frozen=True)
class BatchCall:
    """The items of one `$batch` call; a serial call chains each item to the one before."""

    items: list[BatchRequest]
    serial: bool = False


def send_batch(
    client: GraphClient,
    requests: Sequence[BatchRequest],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, BatchResult]:
    """Send any number of requests as JSON $batch calls of at most 20 (a dependsOn chain stays in
    one call); failed items go again as the error policy decides (see the module docstring), and
    so do items that failed 424 because of such an item.
    Returns the final result of every request by id (non-2xx results the policy does not repeat
    are returned, not raised; it raises for a configuration error or a spent budget)."""
    by_id = _check(requests)
    results: dict[str, BatchResult] = {}
    pending = list(requests)
    repeats = 0
    renewed: set[str] = set()  # items already sent again with a renewed token
    while True:
        waits: list[float] = []
        again: set[str] = set()  # not run, or safe to run again
        refused: set[str] = set()
        generation = client.token_generation
        for call in plan_calls(pending, client.max_concurrency_per_mailbox):
            for result in _send(client, call):
                results[result.id] = result
                if result.ok:
                    continue
                if result.status == FAILED_DEPENDENCY:
                    if call.serial:
                        again.add(result.id)  # behind a failed item of its serial call
                    continue
                decision = _decide(by_id[result.id], result, repeats, result.id in renewed)
                if decision.action in REPEATS:
                    again.add(result.id)
                    waits.append(decision.wait)
                elif decision.action is Action.RENEW_TOKEN:
                    again.add(result.id)
                    refused.add(result.id)
                elif decision.action in (Action.CONFIG, Action.STOP_BUDGET):
                    raise decision.exception()
        pending = _to_resend(requests, results, by_id, again)
        if not pending:
            return results
        if refused:
            client.renew_token(refused_generation=generation)
            renewed |= refused
        # items only 424'd behind a failure in a serial call go again at once: each serial
        # call runs at least its first item, so that always progresses
        if waits:
            if repeats >= ATTEMPTS:
                break
            sleep(max(waits))
            repeats += 1
    still = sorted(r.id for r in pending)
    raise RetriableError(
        f"Microsoft Graph $batch still throttling or failing items {still} after {ATTEMPTS} "
        "retries; the next run goes on from here"
    )


def _decide(request: BatchRequest, result: BatchResult, repeats: int, renewed: bool) -> Decision:
    """The error policy's decision about one failed item."""
    call = Call(f"$batch item {request.method.upper()} {request.url}", request.method,
                Where.BATCH_ITEM)  # fmt: skip
    failure = item_failure(call, result.status, result.headers, result.body, renewed=renewed)
    return decide(failure, repeats)


def plan_calls(requests: Sequence[BatchRequest], per_mailbox: int) -> list[BatchCall]:
    """Pack requests into batch calls of ≤ 20 items: dependsOn chains whole and alone in their
    call; a mailbox with `SERIAL_FROM` or more independent requests gets serial calls; the
    rest parallel, at most `per_mailbox` items addressing one mailbox per call."""
    chains = _chains(requests)
    singles: dict[str | None, list[BatchRequest]] = {}
    for group in chains:
        if len(group) == 1:
            singles.setdefault(mailbox_of(group[0].url), []).append(group[0])
    calls = [BatchCall(group) for group in chains if len(group) > 1]
    parallel: list[list[BatchRequest]] = []
    for mailbox, items in singles.items():
        if mailbox and len(items) > per_mailbox and len(items) >= SERIAL_FROM:
            calls += [
                BatchCall(items[start : start + MAX_BATCH], serial=True)
                for start in range(0, len(items), MAX_BATCH)
            ]
            continue
        for item in items:
            for call in parallel:
                same = sum(1 for other in call if mailbox and mailbox_of(other.url) == mailbox)
                if len(call) < MAX_BATCH and same < per_mailbox:
                    call.append(item)
                    break
            else:
                parallel.append([item])
    return calls + [BatchCall(items) for items in parallel]


def _check(requests: Sequence[BatchRequest]) -> dict[str, BatchRequest]:
    by_id = {request.id: request for request in requests}
    if len(by_id) != len(requests):
        raise ValueError("batch request ids must be unique")
    for request in requests:
        missing = [dep for dep in request.depends_on if dep not in by_id]
        if missing:
            raise ValueError(f"batch request {request.id} depends on unknown ids {missing}")
    return by_id


def _chains(requests: Sequence[BatchRequest]) -> list[list[BatchRequest]]:
    """Requests grouped by dependsOn links (connected groups), in their given order."""
    group_of: dict[str, int] = {}
    groups: list[list[BatchRequest]] = []
    for request in requests:
        linked = sorted({group_of[dep] for dep in request.depends_on if dep in group_of})
        if not linked:
            group_of[request.id] = len(groups)
            groups.append([request])
            continue
        target = linked[0]
        for other in linked[1:]:
            for moved in groups[other]:
                group_of[moved.id] = target
            groups[target].extend(groups[other])
            groups[other] = []
        groups[target].append(request)
        group_of[request.id] = target
    chains = [group for group in groups if group]
    too_long = [chain[0].id for chain in chains if len(chain) > MAX_BATCH]
    if too_long:
        raise ValueError(f"dependsOn chains from {too_long} exceed {MAX_BATCH} requests")
    return chains


def _send(client: GraphClient, call: BatchCall) -> list[BatchResult]:
    ids = {request.id for request in call.items}
    items = [_item(request, ids) for request in call.items]
    if call.serial:
        for before, item in pairwise(items):
            item["dependsOn"] = [before["id"]]
    # Repeating the $batch request itself is harmless when every item is.
    safe = all(request.method.upper() != "POST" for request in call.items)
    answer = client.post(f"{client.root}/$batch", {"requests": items}, idempotent=safe).json()
    results = [
        BatchResult(
            id=str(item.get("id")),
            status=int(item.get("status", 0)),
            body=item.get("body"),
            headers={str(k): str(v) for k, v in (item.get("headers") or {}).items()},
        )
        for item in answer.get("responses", [])
    ]
    answered = {result.id for result in results}
    lost = [request.id for request in call.items if request.id not in answered]
    if lost:
        raise RetriableError(f"Microsoft Graph $batch answered no response for items {lost}")
    return results


def _item(request: BatchRequest, ids: set[str]) -> dict[str, Any]:
    item: dict[str, Any] = {"id": request.id, "method": request.method.upper(), "url": request.url}
    headers = dict(request.headers or {})
    if request.body is not None:
        item["body"] = request.body
        headers.setdefault("Content-Type", "application/json")
    if headers:
        item["headers"] = headers
    # Dependencies that already succeeded in an earlier call are not re-sent.
    depends_on = [dep for dep in request.depends_on if dep in ids]
    if depends_on:
        item["dependsOn"] = depends_on
    return item


def _to_resend(
    requests: Sequence[BatchRequest],
    results: dict[str, BatchResult],
    by_id: dict[str, BatchRequest],
    again: set[str],
) -> list[BatchRequest]:
    """Requests to send again: those in `again` (the policy repeats them, or they were 424'd
    behind any failure in a serial call), and those 424'd behind one of them."""

    def retriable(request_id: str, seen: frozenset[str] = frozenset()) -> bool:
        result = results.get(request_id)
        if result is None or request_id in again:
            return True
        if result.status != FAILED_DEPENDENCY or request_id in seen:
            return False
        deps = by_id[request_id].depends_on
        return any(retriable(dep, seen | {request_id}) for dep in deps)

    return [request for request in requests if retriable(request.id)]
