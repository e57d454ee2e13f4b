"""The query, queryAll and query-more resources.

`GET .../query?q=SOQL` answers the first page (2,000 records unless
`Sforce-Query-Options: batchSize=N` asks for 200-2,000) and, when more remain,
a `nextRecordsUrl` whose GET answers the next page. `queryAll` also shows
deleted records. The query itself runs in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from sandbox.salesforce.api_context import ApiCall, ApiHandler
from sandbox.salesforce.errors import ApiError, SoqlError
from sandbox.salesforce.query_cursors import Cursor, QueryCursors
from sandbox.salesforce.soql_aggregates import aggregate_record
from sandbox.salesforce.soql_eval import SoqlEngine
from sandbox.salesforce.soql_grammar import parse_soql
from sandbox.salesforce.soql_projection import Projection
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
        self._store = store
        self.engine = SoqlEngine(store, clock)
        self.cursors = QueryCursors(store, clock)

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
            end = start + cursor.batch_size
            sobject = cursor.projection.sobject
            page = [
                record
                for record in (self._store.get(sobject, id_) for id_ in cursor.ids[start:end])
                if record is not None
            ]
            body = _page(
                cursor.projection,
                page,
                len(cursor.ids),
                call.version,
                end,
                f"/services/data/{call.version}/{cursor.resource}/{locator_id}",
            )
            return JSONResponse(body)

        return query_more

    def _answer(self, soql: str, resource: str, size: int, version: str) -> dict[str, Any]:
        try:
            plan = self.engine.plan(parse_soql(soql), include_deleted=resource == "queryAll")
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

    def _first_page(
        self, projection: Projection, matches: list[Doc], resource: str, size: int, version: str
    ) -> dict[str, Any]:
        more_url = ""
        if len(matches) > size:
            cursor = Cursor(projection, [record["Id"] for record in matches], resource, size, 0.0)
            locator_id = self.cursors.open(cursor)
            more_url = f"/services/data/{version}/{resource}/{locator_id}"
        return _page(projection, matches[:size], len(matches), version, size, more_url)


def _page(
    projection: Projection, page: list[Doc], total: int, version: str, end: int, more_url: str
) -> dict[str, Any]:
    body: dict[str, Any] = {"totalSize": total, "done": end >= total}
    if end < total:
        body["nextRecordsUrl"] = f"{more_url}-{end}"
    body["records"] = [projection.render(record, version) for record in page]
    return body
