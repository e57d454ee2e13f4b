"""The sObject resources: describeGlobal, basic info and create on an object,
describe, and get/update/delete of one record (15- or 18-character id).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse, Response

from sandbox.salesforce import schema
from sandbox.salesforce.api_context import ApiCall
from sandbox.salesforce.describe import basic_info, describe_global, describe_object
from sandbox.salesforce.errors import WSDL_HINT, ApiError, not_found
from sandbox.salesforce.record_writes import RecordWriter
from sandbox.salesforce.soql_fields import canonical_object, find_field
from sandbox.state import Doc


def _sobject(call: ApiCall) -> str:
    sobject = canonical_object(call.request.path_params["sobject"])
    if sobject is None:
        raise not_found()
    return sobject


async def _json_body(call: ApiCall) -> Any:
    try:
        return json.loads(await call.request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ApiError(400, "JSON_PARSER_ERROR", f"Unexpected character: {error}") from None


def record_body(sobject: str, record: Doc, names: list[str], version: str) -> dict[str, Any]:
    """A record as the sObject Rows resource shows it."""
    shown: dict[str, Any] = {
        "attributes": {
            "type": sobject,
            "url": f"/services/data/{version}/sobjects/{sobject}/{record['Id']}",
        }
    }
    shown.update((name, record.get(name)) for name in names)
    return shown


def _requested_fields(sobject: str, fields_param: str | None) -> list[str]:
    if not fields_param:
        return list(schema.fields_of(sobject))
    names = []
    for requested in fields_param.split(","):
        found = find_field(sobject, requested.strip())
        if found is None:
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"No such column '{requested.strip()}' on entity '{sobject}'. If you are "
                "attempting to use a custom field, be sure to append the '__c' after the "
                "custom field name. " + WSDL_HINT,
            )
        names.append(found[0])
    return names


class SObjectResource:
    """Handlers for /services/data/vXX.X/sobjects/..."""

    def __init__(self, writer: RecordWriter) -> None:
        self._writer = writer

    async def global_describe(self, call: ApiCall) -> Response:
        return JSONResponse(describe_global(call.version))

    async def describe(self, call: ApiCall) -> Response:
        return JSONResponse(describe_object(_sobject(call), call.version))

    async def collection(self, call: ApiCall) -> Response:
        """GET: the object's basic information; POST: create a record (201)."""
        sobject = _sobject(call)
        if call.request.method != "POST":
            return JSONResponse(basic_info(sobject, call.version))
        new_id = self._writer.create(sobject, await _json_body(call), call.session.user_id)
        return JSONResponse({"id": new_id, "success": True, "errors": []}, status_code=201)

    async def record(self, call: ApiCall) -> Response:
        """GET (optionally `?fields=`), PATCH (204) or DELETE (204) one record."""
        sobject = _sobject(call)
        record_id = call.request.path_params["record_id"]
        method = call.request.method
        if method == "PATCH":
            body = await _json_body(call)
            self._writer.update(sobject, record_id, body, call.session.user_id)
            return Response(status_code=204)
        if method == "DELETE":
            self._writer.delete(sobject, record_id, call.session.user_id)
            return Response(status_code=204)
        record = self._writer.existing(sobject, record_id)
        names = _requested_fields(sobject, call.request.query_params.get("fields"))
        return JSONResponse(record_body(sobject, record, names, call.version))
