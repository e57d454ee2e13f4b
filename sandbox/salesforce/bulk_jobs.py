"""Bulk API 2.0 query jobs: creation with Bulk's own query restrictions, the job's
life (UploadComplete -> InProgress -> JobComplete, or Failed / Aborted), and its
result sets.

A job is processed when it is next looked at once its processing time has come
(at once unless a bulk_job_delay fault asks for more), so the first status poll
normally finds it JobComplete. The matching records are kept as the documents
the store held then: the store replaces documents on write, so later changes
do not leak into a finished job's results, as on a real org. Jobs live in the
store (collection "_bulk_query_jobs"); results are kept in memory for the most
recent jobs and recomputed for older ones.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.ids import salesforce_id, to_id18
from sandbox.salesforce import schema
from sandbox.salesforce.api_usage import DailyAllowance
from sandbox.salesforce.bulk_csv import COLUMN_DELIMITERS, LINE_ENDINGS, CsvLayout, csv_layout
from sandbox.salesforce.errors import ApiError, SoqlError, not_found
from sandbox.salesforce.faults import DEFAULT_BULK_FAILURE, FaultBook
from sandbox.salesforce.soql_ast import ChildQuery, Query
from sandbox.salesforce.soql_dates import format_instant
from sandbox.salesforce.soql_eval import QueryPlan, SoqlEngine
from sandbox.salesforce.soql_grammar import parse_soql
from sandbox.state import Doc, DocStore

JOBS = "_bulk_query_jobs"
META = "_meta"
JOB_COUNTER = "bulk_query_jobs"
TERMINAL_STATES = frozenset({"JobComplete", "Failed", "Aborted"})
KEPT_RESULTS = 20


def invalid_job(message: str) -> ApiError:
    return ApiError(400, "INVALIDJOB", message)


def _bulk_refuses(message: str) -> ApiError:
    return ApiError(400, "API_ERROR", message)


@dataclass(frozen=True)
class JobResults:
    """A finished job's matching records and how to write them."""

    layout: CsvLayout
    records: list[Doc]


class BulkQueryJobs:
    """The query jobs of one org."""

    def __init__(
        self,
        store: DocStore,
        clock: Callable[[], datetime],
        daily_jobs: DailyAllowance | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._daily_jobs = daily_jobs
        self._engine = SoqlEngine(store, clock)
        self._faults = FaultBook(store)
        self._lock = threading.RLock()
        self._results: OrderedDict[str, JobResults] = OrderedDict()

    def create(self, body: Any, user_id: str, version: str) -> dict[str, Any]:
        """Check and store a new job; the answer is its info in state UploadComplete."""
        request = _job_request(body)
        soql = request["query"]
        try:
            query = parse_soql(soql)
            plan = self._engine.plan(query, include_deleted=request["operation"] == "queryAll")
        except SoqlError as error:
            raise error.to_api_error(soql) from None
        _check_bulk_restrictions(query, plan)
        if self._daily_jobs is not None and not self._daily_jobs.take():
            raise ApiError(
                400,
                "LIMIT_EXCEEDED",
                f"Max bulk v2 query jobs ({self._daily_jobs.maximum}) per 24 hrs has been reached",
            )
        now = self._clock()
        delay = self._faults.take_for_object("bulk_job_delay", plan.sobject)
        failure = self._faults.take_for_object("bulk_job_failure", plan.sobject)
        info: dict[str, Any] = {
            "id": self._next_id(),
            "operation": request["operation"],
            "object": plan.sobject,
            "createdById": user_id,
            "createdDate": format_instant(now),
            "systemModstamp": format_instant(now),
            "state": "UploadComplete",
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(version.removeprefix("v")),
            "lineEnding": request["lineEnding"],
            "columnDelimiter": request["columnDelimiter"],
        }
        job = {
            "info": info,
            "query": soql,
            "ready_at": now.timestamp() + float(delay["seconds"] if delay else 0),
            "failure": (failure.get("message") or DEFAULT_BULK_FAILURE) if failure else None,
        }
        self._store.put(JOBS, info["id"], job)
        return dict(info)

    def info(self, job_id: str) -> dict[str, Any]:
        """The job's info after processing it if its time has come (GET job)."""
        with self._lock:
            job = self._advanced(job_id)
        return _shown(job)

    def all_jobs(self) -> dict[str, Any]:
        with self._lock:
            jobs = [self._advanced(job["info"]["id"]) for job in self._store.all(JOBS)]
        return {"done": True, "records": [_shown(job) for job in jobs], "nextRecordsUrl": None}

    def abort(self, job_id: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or body.get("state") != "Aborted":
            raise ApiError(400, "INVALIDJOBSTATE", "A query job can only be set to Aborted")
        with self._lock:
            job = self._advanced(job_id)
            if job["info"]["state"] in TERMINAL_STATES:
                raise ApiError(400, "INVALIDJOBSTATE", f"Job is already {job['info']['state']}")
            job = self._save(job, state="Aborted")
        return _shown(job)

    def delete(self, job_id: str) -> None:
        with self._lock:
            job = self._advanced(job_id)
            if job["info"]["state"] == "InProgress":
                raise ApiError(400, "INVALIDJOBSTATE", "Job is in progress; abort it first")
            self._store.delete(JOBS, job_id)
            self._results.pop(job_id, None)

    def results(self, job_id: str) -> JobResults:
        """A JobComplete job's results (400 for a job in any other state)."""
        with self._lock:
            job = self._advanced(job_id)
            state = job["info"]["state"]
            if state != "JobComplete":
                raise ApiError(400, "INVALIDJOBSTATE", f"Job is {state}, not JobComplete")
            found = self._results.get(job_id)
            if found is None:  # evicted, or the sandbox restarted since
                found = self._run(job)
            self._results.move_to_end(job_id)
            return found

    def _advanced(self, job_id: str) -> Doc:
        """The stored job, processed first when it is due."""
        job = self._store.get(JOBS, job_id)
        if job is None:
            raise not_found()
        if job["info"]["state"] in TERMINAL_STATES:
            return job
        if self._clock().timestamp() < job["ready_at"]:
            return self._save(job, state="InProgress")
        if job["failure"]:
            return self._save(job, state="Failed", errorMessage=job["failure"])
        started = time.monotonic()
        results = self._run(job)
        elapsed = int((time.monotonic() - started) * 1000)
        return self._save(
            job,
            state="JobComplete",
            numberRecordsProcessed=len(results.records),
            totalProcessingTime=elapsed,
        )

    def _run(self, job: Doc) -> JobResults:
        info = job["info"]
        plan = self._engine.plan(
            parse_soql(job["query"]), include_deleted=info["operation"] == "queryAll"
        )
        assert plan.projection is not None
        layout = csv_layout(
            plan.projection.columns, self._engine.links, info["columnDelimiter"], info["lineEnding"]
        )
        results = JobResults(layout, self._engine.execute(plan))
        self._results[info["id"]] = results
        while len(self._results) > KEPT_RESULTS:
            self._results.popitem(last=False)
        return results

    def _save(self, job: Doc, **changes: Any) -> Doc:
        info = {**job["info"], **changes, "systemModstamp": format_instant(self._clock())}
        saved = {**job, "info": info}
        self._store.put(JOBS, info["id"], saved)
        return saved

    def _next_id(self) -> str:
        with self._lock:
            counter = self._store.get(META, JOB_COUNTER) or {"next": 1}
            number = int(counter["next"])
            self._store.put(META, JOB_COUNTER, {"next": number + 1})
        # A job id is an 18-character id with the async job key prefix 750.
        return to_id18("750" + salesforce_id("User", number)[3:15])


def _shown(job: Doc) -> dict[str, Any]:
    """Get Job Info's answer: the info plus processing counters."""
    shown = dict(job["info"])
    shown.setdefault("jobType", "V2Query")
    for counter in ("numberRecordsProcessed", "retries", "totalProcessingTime"):
        shown.setdefault(counter, 0)
    shown.setdefault("isPkChunkingSupported", True)
    return shown


def _job_request(body: Any) -> dict[str, str]:
    """The create request with defaults filled in, or INVALIDJOB."""
    if not isinstance(body, dict):
        raise invalid_job("The request body must be a JSON object")
    request = {"contentType": "CSV", "columnDelimiter": "COMMA", "lineEnding": "LF", **body}
    if request.get("operation") not in ("query", "queryAll"):
        raise invalid_job("operation must be query or queryAll")
    if not isinstance(request.get("query"), str) or not request["query"].strip():
        raise invalid_job("A query is required")
    if request["contentType"] != "CSV":
        raise invalid_job("contentType must be CSV")
    if request["columnDelimiter"] not in COLUMN_DELIMITERS:
        raise invalid_job(f"Invalid columnDelimiter: {request['columnDelimiter']}")
    if request["lineEnding"] not in LINE_ENDINGS:
        raise invalid_job(f"Invalid lineEnding: {request['lineEnding']}")
    return request


def _check_bulk_restrictions(query: Query, plan: QueryPlan) -> None:
    """What Bulk API 2.0 refuses though REST answers it."""
    if any(isinstance(item, ChildQuery) for item in query.select):
        raise _bulk_refuses("Aggregate Relationships not supported in Bulk Query")
    if plan.projection is None:
        raise _bulk_refuses("Aggregate functions are not supported in Bulk Query")
    if query.offset is not None:
        raise _bulk_refuses("OFFSET is not supported in Bulk Query")
    if any(path.field.type == schema.ADDRESS for path in plan.projection.columns):
        raise _bulk_refuses("Selecting compound data not supported in Bulk Query")
