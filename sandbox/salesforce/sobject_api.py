"""The sObject resources: describeGlobal, basic info and create on an object,
describe, and get/update/delete of one record (15- or 18-character id).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse, Response

from sandbox.salesforce.api_context import ApiCall
from sandbox.salesforce.describe import basic_info, describe_global, describe_object
from sandbox.salesforce.errors import ApiError, not_found
from sandbox.salesforce.record_view import RecordView, record_url, requested_fields
from sandbox.salesforce.record_writes import RecordWriter
from sandbox.salesforce.soql_fields import canonical_object


def sobject_of(call: ApiCall) -> str:
    """The path's `{sobject}` in the schema's spelling, else 404 NOT_FOUND."""
    sobject = canonical_object(call.request.path_params["sobject"])
    if sobject is None:
        raise not_found()
    return sobject


async def json_body(call: ApiCall) -> Any:
    """The request's JSON body, else 400 JSON_PARSER_ERROR."""
    try:
        return json.loads(await call.request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ApiError(400, "JSON_PARSER_ERROR", f"Unexpected character: {error}") from None


class SObjectResource:
    """Handlers for /services/data/vXX.X/sobjects/..."""

    def __init__(self, writer: RecordWriter, view: RecordView) -> None:
        self._writer = writer
        self._view = view

    async def global_describe(self, call: ApiCall) -> Response:
        return JSONResponse(describe_global(call.version))

    async def describe(self, call: ApiCall) -> Response:
        return JSONResponse(describe_object(sobject_of(call), call.version))

    async def collection(self, call: ApiCall) -> Response:
        """GET: the object's basic information; POST: create a record (201)."""
        sobject = sobject_of(call)
        if call.request.method != "POST":
            return JSONResponse(basic_info(sobject, call.version))
        new_id = self._writer.create(sobject, await json_body(call), call.session.user_id)
        return JSONResponse(
            {"id": new_id, "success": True, "errors": []},
            status_code=201,
            headers={"Location": record_url(sobject, new_id, call.version)},
        )

    async def record(self, call: ApiCall) -> Response:
        """GET (optionally `?fields=`), PATCH (204) or DELETE (204) one record."""
        sobject = sobject_of(call)
        record_id = call.request.path_params["record_id"]
        method = call.request.method
        if method == "PATCH":
            body = await json_body(call)
            self._writer.update(sobject, record_id, body, call.session.user_id)
            return Response(status_code=204)
        if method == "DELETE":
            self._writer.delete(sobject, record_id, call.session.user_id)
            return Response(status_code=204)
        record = self._writer.existing(sobject, record_id)
        names = requested_fields(sobject, call.request.query_params.get("fields"))
        return JSONResponse(self._view.body(sobject, record, names, call.version))
