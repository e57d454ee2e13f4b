"""The query, queryAll and query-more resources.

`GET .../query?q=SOQL` answers the first page (2,000 records unless
`Sforce-Query-Options: batchSize=N` asks for 200-2,000) and, when more remain,
a `nextRecordsUrl` whose GET answers the next page. `queryAll` also shows
deleted records. The query itself runs in a worker thread. An armed
query_timeout fault (see `faults`) answers QUERY_TIMEOUT instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from sandbox.salesforce.api_context import ApiCall, ApiHandler
from sandbox.salesforce.errors import ApiError, SoqlError
from sandbox.salesforce.faults import QUERY_TIMEOUT_MESSAGE, FaultBook, for_object
from sandbox.salesforce.query_cursors import Cursor, QueryCursors
from sandbox.salesforce.soql_aggregates import aggregate_record
from sandbox.salesforce.soql_ast import Query
from sandbox.salesforce.soql_eval import QueryPlan, SoqlEngine
from sandbox.salesforce.soql_grammar import parse_soql
from sandbox.salesforce.soql_projection import Projection
from sandbox.salesforce.soql_ranges import window_days
from sandbox.state import Doc, DocStore

DEFAULT_BATCH_SIZE = 2000
MIN_BATCH_SIZE = 200


def batch_size(options: str | None) -> int:
    """The page size asked for in `Sforce-Query-Options`, held to Salesforce's 200-2,000."""
    for option in (options or "").split(","):
        key, _, value = option.partition("=")
        if key.strip().lower() == "batchsize" and value.strip().isdigit():
            return min(max(int(value), MIN_BATCH_SIZE), DEFAULT_BATCH_SIZE)
    return DEFAULT_BATCH_SIZE


class QueryResource:
    """Serves SOQL queries and their later pages for one org."""

    def __init__(self, store: DocStore, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self.engine = SoqlEngine(store, clock)
        self.cursors = QueryCursors(store, clock)
        self._faults = FaultBook(store)

    def first_page(self, resource: str) -> ApiHandler:
        async def query(call: ApiCall) -> Response:
            soql = call.request.query_params.get("q")
            if not soql:
                raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
            size = batch_size(call.request.headers.get("sforce-query-options"))
            body = await run_in_threadpool(self._answer, soql, resource, size, call.version)
            return JSONResponse(body)

        return query

    def next_page(self, resource: str) -> ApiHandler:
        async def query_more(call: ApiCall) -> Response:
            locator_id, cursor, start = self.cursors.find(call.request.path_params["locator"])
            body = await run_in_threadpool(
                self._later_page, locator_id, cursor, start, call.version
            )
            return JSONResponse(body)

        return query_more

    def _answer(self, soql: str, resource: str, size: int, version: str) -> dict[str, Any]:
        try:
            query = parse_soql(soql)
            plan = self.engine.plan(query, include_deleted=resource == "queryAll")
            self._check_timeout(query, plan)
            matches = self.engine.execute(plan)
        except SoqlError as error:
            raise error.to_api_error(soql) from None
        if plan.count_only:
            return {"totalSize": len(matches), "done": True, "records": []}
        if plan.projection is None:
            return {
                "totalSize": 1,
                "done": True,
                "records": [aggregate_record(plan.aggregates, matches)],
            }
        return self._first_page(plan.projection, matches, resource, size, version)

    def _check_timeout(self, query: Query, plan: QueryPlan) -> None:
        """Answer an armed query_timeout fault aimed at this query."""

        def hits(fault: Doc) -> bool:
            if not for_object(fault, plan.sobject):
                return False
            if "min_span_days" not in fault:
                return True
            if plan.projection is None or plan.limit is not None:
                return False  # COUNT(), aggregates and LIMITed reads: no window to split
            context = self.engine.where_context(plan.sobject, plan.include_deleted)
            return window_days(query.where, context, self._clock()) > fault["min_span_days"]

        if self._faults.take("query_timeout", hits) is not None:
            raise ApiError(400, "QUERY_TIMEOUT", QUERY_TIMEOUT_MESSAGE)

    def _first_page(
        self, projection: Projection, matches: list[Doc], resource: str, size: int, version: str
    ) -> dict[str, Any]:
        more_url = ""
        if len(matches) > size:
            cursor = Cursor(projection, matches, resource, size, 0.0)
            locator_id = self.cursors.open(cursor)
            more_url = f"/services/data/{version}/{resource}/{locator_id}"
        return _page(projection, matches[:size], len(matches), version, size, more_url)

    def _later_page(
        self, locator_id: str, cursor: Cursor, start: int, version: str
    ) -> dict[str, Any]:
        end = start + cursor.batch_size
        more_url = f"/services/data/{version}/{cursor.resource}/{locator_id}"
        page = cursor.records[start:end]
        return _page(cursor.projection, page, len(cursor.records), version, end, more_url)


def _page(
    projection: Projection, page: list[Doc], total: int, version: str, end: int, more_url: str
) -> dict[str, Any]:
    body: dict[str, Any] = {"totalSize": total, "done": end >= total}
    if end < total:
        body["nextRecordsUrl"] = f"{more_url}-{end}"
    body["records"] = projection.render_page(page, version)
    return body
