"""sObject Rows by External ID: `/sobjects/{sobject}/{field}/{value}`.

PATCH upserts (201 + `created: true` for a new record, 200 + `created: false`
for an update, as from API 46.0 on), GET reads and DELETE deletes the record
holding that external id value. A field that is not an external id answers 404
NOT_FOUND; a value held by several records answers 300 with their URLs.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from sandbox.salesforce.api_context import ApiCall
from sandbox.salesforce.errors import ApiError, not_found
from sandbox.salesforce.record_view import RecordView, record_url, requested_fields
from sandbox.salesforce.record_writes import MultipleMatches, RecordWriter
from sandbox.salesforce.sobject_api import json_body, sobject_of
from sandbox.salesforce.soql_fields import find_field


def external_id_field(sobject: str, name: str) -> str:
    """The canonical name of an external id field of `sobject`, else 404 NOT_FOUND."""
    found = find_field(sobject, name)
    if found is None or not found[1].external_id:
        raise not_found()
    return found[0]


def multiple_choices(error: MultipleMatches, version: str) -> Response:
    """HTTP 300: the URLs of every record an external id value matched."""
    return JSONResponse(
        [record_url(error.sobject, record_id, version) for record_id in error.record_ids],
        status_code=300,
    )


class ExternalIdResource:
    """Handlers for /services/data/vXX.X/sobjects/{sobject}/{field}/{value}."""

    def __init__(self, writer: RecordWriter, view: RecordView) -> None:
        self._writer = writer
        self._view = view

    async def record(self, call: ApiCall) -> Response:
        sobject = sobject_of(call)
        field = external_id_field(sobject, call.request.path_params["field"])
        value = call.request.path_params["value"]
        try:
            if call.request.method == "PATCH":
                return await self._upsert(call, sobject, field, value)
            record_id = self._one(sobject, field, value)
        except MultipleMatches as several:
            return multiple_choices(several, call.version)
        if call.request.method == "DELETE":
            self._writer.delete(sobject, record_id, call.session.user_id)
            return Response(status_code=204)
        record = self._writer.existing(sobject, record_id)
        names = requested_fields(sobject, call.request.query_params.get("fields"))
        return JSONResponse(self._view.body(sobject, record, names, call.version))

    def _one(self, sobject: str, field: str, value: str) -> str:
        found = self._writer.matches(sobject, field, value)
        if len(found) > 1:
            raise MultipleMatches(sobject, found)
        if not found:
            raise not_found()
        return found[0]

    async def _upsert(self, call: ApiCall, sobject: str, field: str, value: str) -> Response:
        body = await json_body(call)
        keys = (
            [name for name in body if name.lower() in ("id", field.lower())]
            if isinstance(body, dict)
            else []
        )
        if keys:
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"Id and the external ID field {field} come from the URL; remove "
                f"{', '.join(keys)} from the request body",
                keys,
            )
        outcome = self._writer.upsert(sobject, field, value, body, call.session.user_id)
        answer = {
            "id": outcome.record_id,
            "success": True,
            "errors": [],
            "created": outcome.created,
        }
        if not outcome.created:
            return JSONResponse(answer)
        return JSONResponse(
            answer,
            status_code=201,
            headers={"Location": record_url(sobject, outcome.record_id, call.version)},
        )
