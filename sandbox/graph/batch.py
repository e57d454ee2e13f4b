"""JSON batching: `POST /v1.0/$batch` with up to 20 requests.

Each item (`id`, `method`, a `url` relative to /v1.0, optional `headers`,
`body` and `dependsOn`) is dispatched into this same ASGI app, with the
batch's Authorization header, so it meets the same auth, faults and limits as
a direct request and fails on its own; its answer comes back as `{"id",
"status", "headers", "body"}`, in no particular order.

As on Graph, a batch is either fully parallel (no item has `dependsOn`) or
fully sequential (every item but the first has one, naming earlier items);
sequential items run one by one, and an item whose dependency did not
succeed answers 424 without running. Parallel items run together: an item
addressing a mailbox that already has 4 requests in flight (counting the
batch's own earlier items) answers 429 MailboxConcurrency, not executed.
A malformed batch answers 400 as a whole. With a latency set
(sandbox/graph/latency.py) a batch waits it once, not once per item (a
parallel batch while its items hold their slots).
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import unquote, urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Message, Scope

from sandbox.graph.errors import GraphError, bad_request
from sandbox.graph.faults import IN_BATCH
from sandbox.graph.http import graph_json, read_json
from sandbox.graph.latency import LATENCY_PAID, wait_latency
from sandbox.graph.limits import SLOT_HELD, Limiter, mailbox_of_path

MAX_REQUESTS = 20
_METHODS = {"GET", "POST", "PATCH", "PUT", "DELETE"}
_SKIPPED_HEADERS = {"content-length", "request-id", "client-request-id", "date", "server"}


def _check(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The batch's requests, or the 400 Graph answers for the whole batch."""
    items = body.get("requests")
    if not isinstance(items, list) or not items:
        raise bad_request("Invalid batch payload format.")
    if len(items) > MAX_REQUESTS:
        raise bad_request("Number of requests inside batch exceeds the limit.")
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict):
            raise bad_request("Invalid batch payload format.")
        item_id = item.get("id")
        if not isinstance(item_id, str) or not item_id:
            raise bad_request("Invalid request: request id is required.")
        if item_id in seen:
            raise bad_request(f"Request Id '{item_id}' is duplicated in the batch.")
        if str(item.get("method", "")).upper() not in _METHODS:
            raise bad_request(f"Invalid request: method is invalid for request {item_id}.")
        url = item.get("url")
        if not isinstance(url, str) or not url or "://" in url:
            raise bad_request(f"Invalid request: url must be a relative url for request {item_id}.")
        if urlsplit(url).path.strip("/").lower() == "$batch":
            raise bad_request(f"Invalid request: request {item_id} is itself a batch.")
        headers = {str(k).lower(): v for k, v in (item.get("headers") or {}).items()}
        if "body" in item and "content-type" not in headers:
            raise bad_request(f"Content-Type header must be specified for request {item_id}.")
        depends = item.get("dependsOn", [])
        if not isinstance(depends, list) or any(dep not in seen for dep in depends):
            raise bad_request(
                f"Invalid dependsOn for request {item_id}: it must name requests listed before it."
            )
        seen.add(item_id)
    sequenced = [bool(item.get("dependsOn")) for item in items[1:]]
    if any(sequenced) and not all(sequenced):
        raise bad_request("Batch should be either fully sequential or fully parallel")
    return items


def _item_scope(request: Request, item: dict[str, Any], in_batch_slot: bool) -> Scope:
    parts = urlsplit(item["url"])
    path = "/v1.0/" + parts.path.lstrip("/")
    headers = [
        (str(k).lower().encode("latin-1"), str(v).encode("latin-1"))
        for k, v in (item.get("headers") or {}).items()
    ]
    authorization = request.headers.get("authorization")
    if authorization:
        headers.append((b"authorization", authorization.encode("latin-1")))
    scope = dict(request.scope)
    for key in ("state", "app", "router", "endpoint", "path_params", "route"):
        scope.pop(key, None)
    scope.update(
        method=str(item["method"]).upper(),
        path=unquote(path),
        raw_path=path.encode("latin-1"),
        query_string=parts.query.encode("latin-1"),
        headers=headers,
    )
    scope[IN_BATCH] = True
    scope[SLOT_HELD] = in_batch_slot
    scope[LATENCY_PAID] = True  # the batch waited for all its items at once
    return scope


def _encode_body(item: dict[str, Any]) -> bytes:
    if "body" not in item:
        return b""
    body = item["body"]
    content_type = str(
        next((v for k, v in (item.get("headers") or {}).items() if k.lower() == "content-type"), "")
    )
    if isinstance(body, str) and "json" not in content_type.lower():
        return base64.b64decode(body)
    return json.dumps(body).encode()


async def _dispatch(request: Request, item: dict[str, Any], slot_held: bool) -> dict[str, Any]:
    """Run one item through the whole app; its answer in batch-response shape."""
    scope = _item_scope(request, item, slot_held)
    payload = _encode_body(item)
    sent = False
    start: Message = {}
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": payload, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await request.app(scope, receive, send)
    return _answer(item["id"], start, b"".join(chunks))


def _answer(item_id: str, start: Message, raw: bytes) -> dict[str, Any]:
    headers: dict[str, str] = {}
    for key, value in start.get("headers", []):
        name = key.decode("latin-1")
        if name.lower() not in _SKIPPED_HEADERS:
            headers[_header_case(name)] = value.decode("latin-1")
    answer: dict[str, Any] = {"id": item_id, "status": int(start.get("status", 500))}
    answer["headers"] = headers
    if raw:
        if "json" in headers.get("Content-Type", "").lower():
            answer["body"] = json.loads(raw)
        else:
            answer["body"] = base64.b64encode(raw).decode("ascii")
    return answer


def _header_case(name: str) -> str:
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))


def _error_answer(item_id: str, error: GraphError) -> dict[str, Any]:
    body = {"error": {"code": error.code, "message": error.message}}
    headers = {"Content-Type": "application/json", **error.headers}
    return {"id": item_id, "status": error.status, "headers": headers, "body": body}


async def _run_sequential(request: Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    limiter: Limiter = request.app.state.limiter
    await wait_latency(limiter.settings)
    answers: dict[str, dict[str, Any]] = {}
    for item in items:
        failed = [dep for dep in item.get("dependsOn", []) if not _ok(answers[dep])]
        if failed:
            error = GraphError(424, "FailedDependency", f"Dependent request {failed[0]} failed.")
            answers[item["id"]] = _error_answer(item["id"], error)
            continue
        answers[item["id"]] = await _dispatch(request, item, slot_held=False)
    return list(answers.values())


async def _run_parallel(request: Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    limiter: Limiter = request.app.state.limiter
    answers: list[dict[str, Any]] = []
    admitted: list[tuple[dict[str, Any], str | None]] = []
    for item in items:
        named = mailbox_of_path("/v1.0/" + urlsplit(item["url"]).path.lstrip("/"))
        mailbox = None if named is None else request.app.state.mailbox_key(named)
        if mailbox is not None:
            try:
                limiter.acquire(mailbox)
            except GraphError as error:
                answers.append(_error_answer(item["id"], error))
                continue
        admitted.append((item, mailbox))
    try:
        if admitted:
            await wait_latency(limiter.settings)  # once for all: Graph runs them side by side
        for index, (item, mailbox) in enumerate(admitted):
            answers.append(await _dispatch(request, item, slot_held=mailbox is not None))
            if mailbox is not None:
                limiter.release(mailbox)
                admitted[index] = (item, None)
    finally:
        for _, mailbox in admitted:
            if mailbox is not None:
                limiter.release(mailbox)
    return answers


def _ok(answer: dict[str, Any]) -> bool:
    return 200 <= int(answer["status"]) < 300


async def post_batch(request: Request) -> Response:
    items = _check(await read_json(request))
    sequential = len(items) > 1 and bool(items[1].get("dependsOn"))
    run = _run_sequential if sequential else _run_parallel
    return graph_json({"responses": await run(request, items)})


def batch_routes() -> list[Route]:
    return [Route("/v1.0/$batch", post_batch, methods=["POST"])]
