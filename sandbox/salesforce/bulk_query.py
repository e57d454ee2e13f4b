"""The Bulk API 2.0 query resources under /services/data/vXX.X/jobs/query:

    POST   /jobs/query                    create a job  -> 200 job info (UploadComplete)
    GET    /jobs/query                    every job     -> {"done", "records", "nextRecordsUrl"}
    GET    /jobs/query/{id}               job info (state, numberRecordsProcessed ...)
    PATCH  /jobs/query/{id}               {"state": "Aborted"} -> job info
    DELETE /jobs/query/{id}               204
    GET    /jobs/query/{id}/results       CSV; ?locator=&maxRecords=; headers
                                          Sforce-Locator ("null" on the last set) and
                                          Sforce-NumberOfRecords

Each request counts as one API call like any REST call.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.salesforce.api_context import ApiCall, ApiHandler
from sandbox.salesforce.api_usage import DailyAllowance
from sandbox.salesforce.bulk_jobs import BulkQueryJobs
from sandbox.salesforce.errors import ApiError
from sandbox.state import DocStore

#: Records per result set when the request does not say (simple-salesforce's default too).
DEFAULT_MAX_RECORDS = 50_000
#: Builds a versioned, authenticated, counted route (the app's `api` helper).
ApiRoute = Callable[[str, ApiHandler, list[str]], Route]


def encode_locator(position: int) -> str:
    """An opaque locator like Salesforce's (`MTAwMDA`): the position, base64 without padding."""
    return base64.b64encode(str(position).encode()).decode().rstrip("=")


def decode_locator(locator: str, total: int) -> int:
    try:
        text = base64.b64decode(locator + "=" * (-len(locator) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        text = ""
    if not text.isdigit() or int(text) >= max(total, 1):
        raise ApiError(400, "API_ERROR", f"Invalid locator: {locator}")
    return int(text)


def _max_records(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_MAX_RECORDS
    if not raw.isdigit() or int(raw) < 1:
        raise ApiError(400, "API_ERROR", "maxRecords must be a positive integer")
    return int(raw)


async def _json(call: ApiCall) -> Any:
    try:
        return json.loads(await call.request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ApiError(400, "JSON_PARSER_ERROR", f"Unexpected character: {error}") from None


class BulkQueryResource:
    """Handlers for /services/data/vXX.X/jobs/query..."""

    def __init__(self, jobs: BulkQueryJobs) -> None:
        self._jobs = jobs

    async def collection(self, call: ApiCall) -> Response:
        """POST: create a job; GET: list the jobs."""
        if call.request.method == "GET":
            return JSONResponse(await run_in_threadpool(self._jobs.all_jobs))
        body = await _json(call)
        info = await run_in_threadpool(self._jobs.create, body, call.session.user_id, call.version)
        return JSONResponse(info)

    async def job(self, call: ApiCall) -> Response:
        """GET job info, PATCH to abort, DELETE."""
        job_id = call.request.path_params["job_id"]
        if call.request.method == "DELETE":
            await run_in_threadpool(self._jobs.delete, job_id)
            return Response(status_code=204)
        if call.request.method == "PATCH":
            body = await _json(call)
            return JSONResponse(await run_in_threadpool(self._jobs.abort, job_id, body))
        return JSONResponse(await run_in_threadpool(self._jobs.info, job_id))

    async def results(self, call: ApiCall) -> Response:
        """One result set of a finished job, as CSV."""
        params = call.request.query_params
        size = _max_records(params.get("maxRecords"))
        found = await run_in_threadpool(self._jobs.results, call.request.path_params["job_id"])
        locator = params.get("locator")
        start = decode_locator(locator, len(found.records)) if locator else 0
        page = found.records[start : start + size]
        end = start + len(page)
        text = await run_in_threadpool(found.layout.render, page)
        return Response(
            text,
            media_type="text/csv",
            headers={
                "Sforce-Locator": encode_locator(end) if end < len(found.records) else "null",
                "Sforce-NumberOfRecords": str(len(page)),
            },
        )


def bulk_query_routes(
    store: DocStore,
    clock: Callable[[], datetime],
    api: ApiRoute,
    daily_jobs: DailyAllowance | None = None,
) -> list[Route]:
    """The routes above, built with the app's `api` helper; `daily_jobs` is the org's
    DailyBulkV2QueryJobs allowance each created job draws from."""
    resource = BulkQueryResource(BulkQueryJobs(store, clock, daily_jobs))
    return [
        api("/jobs/query", resource.collection, ["GET", "POST"]),
        api("/jobs/query/", resource.collection, ["GET", "POST"]),
        api("/jobs/query/{job_id}", resource.job, ["GET", "PATCH", "DELETE"]),
        api("/jobs/query/{job_id}/results", resource.results, ["GET"]),
    ]
