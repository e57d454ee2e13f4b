"""The Composite resource: `POST /services/data/vXX.X/composite` runs up to 25
subrequests in order, as the caller, and counts as ONE API call.

Each subrequest (`method`, `url`, `referenceId`, optional `body` and
`httpHeaders`) is served by the app itself, marked as a subrequest so it is not
counted again. Subrequests may call the sObject resources, query/queryAll and
sObject Collections (at most 5 of them queries or collections), and may use
earlier responses through `@{referenceId...}` references. The answer is 200
`{"compositeResponse": [{body, httpHeaders, httpStatusCode, referenceId}]}`.

With `allOrNone`, the first failure (an error status, or a collection with a
failed record) rolls back every earlier write; every other subrequest then
answers 400 PROCESSING_HALTED. Without it, a subrequest whose references cannot
be resolved fails alone. `collateSubrequests` is accepted; the sandbox always
runs subrequests in the order given, one valid order for collated requests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.salesforce.api_context import SUBREQUEST, ApiCall
from sandbox.salesforce.composite_references import (
    Unresolved,
    substitute_body,
    substitute_url,
    valid_reference_id,
)
from sandbox.salesforce.errors import ApiError, not_found
from sandbox.salesforce.record_writes import RecordWriter
from sandbox.salesforce.sobject_api import json_body
from sandbox.salesforce.transactions import transaction

MAX_SUBREQUESTS = 25
#: At most this many subrequests may be sObject Collections or queries.
MAX_COLLECTIONS_OR_QUERIES = 5
METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")
#: Headers a subrequest inherits from the composite request and must not set itself.
INHERITED_HEADERS = ("accept", "authorization", "content-type")
HALTED = "The transaction was rolled back since another operation in the same transaction failed."


@dataclass(frozen=True)
class Subrequest:
    method: str
    url: str
    reference_id: str
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def resource(self) -> str:
        """The resource under /services/data/vXX.X/ ("sobjects", "composite/sobjects" ...)."""
        parts = self.url.split("?")[0].split("/")
        if len(parts) < 5 or parts[1:3] != ["services", "data"]:
            return ""
        return "/".join(parts[4:6]) if parts[4] == "composite" else parts[4]


@dataclass(frozen=True)
class SubResult:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    def failed(self, subrequest: Subrequest) -> bool:
        """An error status, or a collection write with a failed record."""
        if self.status >= 400:
            return True
        collection = subrequest.resource() == "composite/sobjects" and isinstance(self.body, list)
        return collection and any(
            isinstance(item, dict) and item.get("success") is False for item in self.body
        )

    def shown(self, reference_id: str) -> dict[str, Any]:
        return {
            "body": self.body,
            "httpHeaders": self.headers,
            "httpStatusCode": self.status,
            "referenceId": reference_id,
        }


def halted(message: str = HALTED) -> SubResult:
    return SubResult(400, [{"errorCode": "PROCESSING_HALTED", "message": message}])


SERVED_RESOURCES = ("sobjects", "query", "queryAll", "composite/sobjects")
COLLECTIONS_OR_QUERIES = ("query", "queryAll", "composite/sobjects")
#: What a subrequest's ASGI scope keeps from the composite request's.
_CONNECTION_KEYS = (
    "type",
    "asgi",
    "http_version",
    "scheme",
    "server",
    "client",
    "root_path",
    "state",
)


def _required(entry: dict[str, Any], name: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value:
        raise ApiError(400, "JSON_PARSER_ERROR", f"'{name}' is a required field.")
    return value


def _subrequest(entry: Any) -> Subrequest:
    if not isinstance(entry, dict):
        raise ApiError(400, "JSON_PARSER_ERROR", "Each subrequest must be a JSON object")
    method, url = _required(entry, "method"), _required(entry, "url")
    reference_id = _required(entry, "referenceId")
    if method not in METHODS:
        raise ApiError(400, "JSON_PARSER_ERROR", f"Invalid HTTP method: {method}")
    if not valid_reference_id(reference_id):
        raise ApiError(
            400,
            "JSON_PARSER_ERROR",
            f"Provided referenceId ('{reference_id}') must start with a letter or a number, "
            "and it can contain only letters, numbers and underscores ('_').",
        )
    headers = entry.get("httpHeaders") or {}
    if not isinstance(headers, dict) or any(
        str(name).lower() in INHERITED_HEADERS for name in headers
    ):
        raise ApiError(
            400,
            "JSON_PARSER_ERROR",
            "httpHeaders may not set Accept, Authorization or Content-Type",
        )
    return Subrequest(method, url, reference_id, entry.get("body"), headers)


def parse_composite(body: Any) -> tuple[bool, list[Subrequest]]:
    """(allOrNone, subrequests) of a composite request, or the 400 Salesforce answers."""
    if not isinstance(body, dict) or not isinstance(body.get("compositeRequest"), list):
        raise ApiError(400, "JSON_PARSER_ERROR", "'compositeRequest' is a required field.")
    for flag in ("allOrNone", "collateSubrequests"):
        if not isinstance(body.get(flag, False), bool):
            raise ApiError(400, "JSON_PARSER_ERROR", f"'{flag}' must be true or false")
    subrequests = [_subrequest(entry) for entry in body["compositeRequest"]]
    if len(subrequests) > MAX_SUBREQUESTS:
        raise ApiError(
            400,
            "LIMIT_EXCEEDED",
            f"A composite request can have up to {MAX_SUBREQUESTS} subrequests",
        )
    heavy = sum(1 for sub in subrequests if sub.resource() in COLLECTIONS_OR_QUERIES)
    if heavy > MAX_COLLECTIONS_OR_QUERIES:
        raise ApiError(
            400,
            "LIMIT_EXCEEDED",
            f"A composite request can have up to {MAX_COLLECTIONS_OR_QUERIES} sObject "
            "Collections or query subrequests",
        )
    names = [sub.reference_id for sub in subrequests]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ApiError(400, "JSON_PARSER_ERROR", f"Duplicate referenceId: {', '.join(repeated)}")
    return bool(body.get("allOrNone", False)), subrequests


class CompositeResource:
    """Serves POST /services/data/vXX.X/composite."""

    def __init__(self, writer: RecordWriter) -> None:
        self._writer = writer

    async def run(self, call: ApiCall) -> Response:
        all_or_none, subrequests = parse_composite(await json_body(call))
        results: list[SubResult] = []
        responses: dict[str, Any] = {}
        first_failure: int | None = None
        with transaction() as written:
            for subrequest in subrequests:
                if all_or_none and first_failure is not None:
                    results.append(halted())
                    continue
                result = await self._run_one(call.request, subrequest, responses)
                if result.failed(subrequest) and first_failure is None:
                    first_failure = len(results)
                responses[subrequest.reference_id] = result.body
                results.append(result)
            if all_or_none and first_failure is not None:
                self._writer.rollback(written)
                results = [
                    result if index == first_failure else halted()
                    for index, result in enumerate(results)
                ]
        shown = [
            result.shown(sub.reference_id) for sub, result in zip(subrequests, results, strict=True)
        ]
        return JSONResponse({"compositeResponse": shown})

    async def _run_one(
        self, request: Request, subrequest: Subrequest, responses: dict[str, Any]
    ) -> SubResult:
        try:
            url = substitute_url(subrequest.url, responses)
            body = substitute_body(subrequest.body, responses)
        except Unresolved as unresolved:
            return halted(str(unresolved))
        if subrequest.resource() not in SERVED_RESOURCES:
            return SubResult(404, not_found().body())
        return await _served(request, subrequest, url, body)


async def _served(request: Request, subrequest: Subrequest, url: str, body: Any) -> SubResult:
    """Run one subrequest through the app, as the composite's caller."""
    path, _, query = url.partition("?")
    headers = [
        (b"authorization", request.headers.get("authorization", "").encode()),
        (b"content-type", b"application/json"),
        *(
            (str(name).lower().encode(), str(value).encode())
            for name, value in subrequest.headers.items()
        ),
    ]
    scope = {
        **{key: request.scope[key] for key in _CONNECTION_KEYS if key in request.scope},
        "method": subrequest.method,
        "path": unquote(path),
        "raw_path": path.encode(),
        "query_string": quote(query, safe="&=%+/:,'()*@!$;?").encode(),
        "headers": headers,
        SUBREQUEST: True,
    }
    payload = b"" if body is None else json.dumps(body).encode()
    status, response_headers, content = await _call_app(request, scope, payload)
    shown_headers = (
        {"Location": response_headers["location"]} if "location" in response_headers else {}
    )
    return SubResult(status, json.loads(content) if content else None, shown_headers)


async def _call_app(
    request: Request, scope: dict[str, Any], payload: bytes
) -> tuple[int, dict[str, str], bytes]:
    """Call the app in-process with a one-shot body; (status, lower-cased headers, body)."""
    delivered = False
    started: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": payload, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            started.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await request.app(scope, receive, send)
    headers = {name.decode().lower(): value.decode() for name, value in started.get("headers", [])}
    return int(started.get("status", 500)), headers, b"".join(chunks)
