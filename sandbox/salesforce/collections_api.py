"""sObject Collections: many records in one call, one result per record in input order.

- POST   /composite/sobjects                     create (records of any types)
- PATCH  /composite/sobjects                     update by id
- PATCH  /composite/sobjects/{sobject}/{field}   upsert by external id
- DELETE /composite/sobjects?ids=a,b&allOrNone=  delete
- GET|POST /composite/sobjects/{sobject}         retrieve (ids + fields)

Writes take up to 200 records (more: 400 EXCEEDED_ID_LIMIT), retrieves 2,000 ids.
A record's failure is its own result; with `allOrNone` it also rolls back the
records written before it, whose results become ALL_OR_NONE_OPERATION_ROLLED_BACK.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.responses import JSONResponse, Response

from sandbox.ids import KEY_PREFIXES, to_id18
from sandbox.salesforce.api_context import ApiCall
from sandbox.salesforce.errors import WSDL_HINT, ApiError
from sandbox.salesforce.external_id_api import external_id_field
from sandbox.salesforce.record_view import RecordView, requested_fields
from sandbox.salesforce.record_writes import MultipleMatches, RecordWriter, well_formed_id
from sandbox.salesforce.sobject_api import json_body, sobject_of
from sandbox.salesforce.soql_fields import canonical_object
from sandbox.salesforce.transactions import transaction

MAX_RECORDS = 200
MAX_RETRIEVE_IDS = 2000
ROLLED_BACK = (
    "Record rolled back because not all records were valid and the request was using "
    "AllOrNone header"
)
_OBJECT_OF_PREFIX = {prefix: sobject for sobject, prefix in KEY_PREFIXES.items()}
Item = TypeVar("Item")


@dataclass(frozen=True)
class Outcome:
    """One record's result (SaveResult, UpsertResult or DeleteResult)."""

    record_id: str | None = None
    error: ApiError | None = None
    #: upserts report whether they created the record
    created: bool | None = None
    #: the write created the record (a rollback takes its id away)
    new_record: bool = False

    def body(self) -> dict[str, Any]:
        shown: dict[str, Any] = {} if self.record_id is None else {"id": self.record_id}
        if self.error is not None:
            return {**shown, "success": False, "errors": [self.error.record_error()]}
        shown.update(success=True, errors=[])
        if self.created is not None:
            shown["created"] = self.created
        return shown

    def rolled_back(self) -> Outcome:
        if self.error is not None:
            return self
        error = ApiError(400, "ALL_OR_NONE_OPERATION_ROLLED_BACK", ROLLED_BACK, [])
        return Outcome(None if self.new_record else self.record_id, error)


def too_many(limit: int) -> ApiError:
    return ApiError(
        400,
        "EXCEEDED_ID_LIMIT",
        f"record limit reached. cannot submit more than {limit} records into this call",
    )


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    raise ApiError(400, "JSON_PARSER_ERROR", f"Cannot deserialize value of type boolean: {name}")


def _envelope(body: Any) -> tuple[bool, list[dict[str, Any]]]:
    """(allOrNone, records) of a write request's body."""
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise ApiError(400, "JSON_PARSER_ERROR", "'records' is a required field.")
    records = body["records"]
    if len(records) > MAX_RECORDS:
        raise too_many(MAX_RECORDS)
    if not all(isinstance(record, dict) for record in records):
        raise ApiError(400, "JSON_PARSER_ERROR", "Each record must be a JSON object")
    return _flag(body.get("allOrNone", False), "allOrNone"), records


def record_type(record: dict[str, Any]) -> str:
    """The schema spelling of a record's `attributes.type`, else 400."""
    attributes = record.get("attributes")
    named = attributes.get("type") if isinstance(attributes, dict) else None
    if not isinstance(named, str):
        raise ApiError(
            400, "JSON_PARSER_ERROR", "Each record needs an attributes map naming its type"
        )
    sobject = canonical_object(named)
    if sobject is None:
        raise ApiError(
            400,
            "INVALID_TYPE",
            f"sObject type '{named}' is not supported. If you are attempting to use a custom "
            "object, be sure to append the '__c' after the entity name. " + WSDL_HINT,
        )
    return sobject


def _without(record: dict[str, Any], *names: str) -> dict[str, Any]:
    dropped = {name.lower() for name in ("attributes", *names)}
    return {name: value for name, value in record.items() if name.lower() not in dropped}


def _split_ids(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


class CollectionsResource:
    """Handlers for /services/data/vXX.X/composite/sobjects..."""

    def __init__(self, writer: RecordWriter, view: RecordView) -> None:
        self._writer = writer
        self._view = view

    async def records(self, call: ApiCall) -> Response:
        """POST creates, PATCH updates, DELETE deletes; 200 with one result per record."""
        user = call.session.user_id
        if call.request.method == "DELETE":
            ids = _split_ids(call.request.query_params.get("ids"))
            if len(ids) > MAX_RECORDS:
                raise too_many(MAX_RECORDS)
            all_or_none = call.request.query_params.get("allOrNone", "false").lower() == "true"
            return JSONResponse(
                self._apply(ids, all_or_none, lambda item: self._delete(item, user))
            )
        all_or_none, records = _envelope(await json_body(call))
        sobjects = [record_type(record) for record in records]
        items = list(zip(sobjects, records, strict=True))
        write = self._create if call.request.method == "POST" else self._update
        return JSONResponse(self._apply(items, all_or_none, lambda item: write(*item, user)))

    async def upsert(self, call: ApiCall) -> Response:
        """PATCH /composite/sobjects/{sobject}/{field}: upsert each record by its external id."""
        sobject = sobject_of(call)
        field = external_id_field(sobject, call.request.path_params["field"])
        all_or_none, records = _envelope(await json_body(call))
        if any(record_type(record) != sobject for record in records):
            raise ApiError(
                400, "INVALID_TYPE", f"Every record must be of the type in the URI: {sobject}"
            )
        user = call.session.user_id
        return JSONResponse(
            self._apply(
                records, all_or_none, lambda record: self._upsert(sobject, field, record, user)
            )
        )

    async def retrieve(self, call: ApiCall) -> Response:
        """GET (?ids=&fields=) or POST ({"ids": [], "fields": []}): records in id order,
        null where an id matches no live record."""
        sobject = sobject_of(call)
        if call.request.method == "POST":
            body = await json_body(call)
            ids, fields = (
                (body.get("ids"), body.get("fields")) if isinstance(body, dict) else ([], [])
            )
            fields_param = ",".join(fields) if isinstance(fields, list) else None
        else:
            ids = _split_ids(call.request.query_params.get("ids"))
            fields_param = call.request.query_params.get("fields")
        if not fields_param or not isinstance(ids, list):
            raise ApiError(400, "MISSING_ARGUMENT", "Both ids and fields are required")
        if len(ids) > MAX_RETRIEVE_IDS:
            raise too_many(MAX_RETRIEVE_IDS)
        names = requested_fields(sobject, fields_param)
        found: list[dict[str, Any] | None] = []
        for record_id in ids:
            if not isinstance(record_id, str) or not well_formed_id(sobject, record_id):
                raise ApiError(400, "MALFORMED_ID", f"malformed id {record_id}")
            record = self._writer.find(sobject, record_id)
            if record is None or record.get("IsDeleted"):
                found.append(None)
            else:
                found.append(self._view.body(sobject, record, names, call.version))
        return JSONResponse(found)

    def _apply(
        self, items: Sequence[Item], all_or_none: bool, write: Callable[[Item], Outcome]
    ) -> list[dict[str, Any]]:
        with self._writer.batch(), transaction() as written:
            outcomes = []
            for item in items:
                try:
                    outcomes.append(write(item))
                except ApiError as error:
                    outcomes.append(Outcome(error=error))
            if all_or_none and any(outcome.error for outcome in outcomes):
                self._writer.rollback(written)
                outcomes = [outcome.rolled_back() for outcome in outcomes]
        return [outcome.body() for outcome in outcomes]

    def _create(self, sobject: str, record: dict[str, Any], user: str) -> Outcome:
        new_id = self._writer.create(sobject, _without(record), user)
        return Outcome(new_id, new_record=True)

    def _update(self, sobject: str, record: dict[str, Any], user: str) -> Outcome:
        record_id = next((value for name, value in record.items() if name.lower() == "id"), None)
        if not isinstance(record_id, str) or not record_id:
            raise ApiError(400, "MISSING_ARGUMENT", "Id not specified in an update call", [])
        self._live(sobject, record_id)
        self._writer.update(sobject, record_id, _without(record, "id"), user)
        return Outcome(to_id18(record_id))

    def _upsert(self, sobject: str, field: str, record: dict[str, Any], user: str) -> Outcome:
        value = next(
            (value for name, value in record.items() if name.lower() == field.lower()), None
        )
        if value in (None, ""):
            raise ApiError(400, "MISSING_ARGUMENT", f"{field} not specified", [field])
        try:
            outcome = self._writer.upsert(sobject, field, str(value), _without(record), user)
        except MultipleMatches as several:
            raise ApiError(
                400,
                "DUPLICATE_EXTERNAL_ID",
                f"{field}: more than one record found for external id field: "
                f"[{', '.join(several.record_ids)}]",
                [field],
            ) from None
        return Outcome(outcome.record_id, created=outcome.created, new_record=outcome.created)

    def _delete(self, record_id: str, user: str) -> Outcome:
        sobject = _OBJECT_OF_PREFIX.get(record_id[:3], "")
        if not sobject or not well_formed_id(sobject, record_id):
            raise ApiError(400, "MALFORMED_ID", f"malformed id {record_id}", [])
        self._live(sobject, record_id)
        return Outcome(self._writer.delete(sobject, record_id, user))

    def _live(self, sobject: str, record_id: str) -> None:
        """Per-record errors for an id that cannot be written: wrong type or malformed
        (MALFORMED_ID), missing or deleted (ENTITY_IS_DELETED)."""
        if not well_formed_id(sobject, record_id):
            raise ApiError(
                400,
                "MALFORMED_ID",
                f"{sobject} ID: id value of incorrect type: {record_id}",
                ["Id"],
            )
        record = self._writer.find(sobject, record_id)
        if record is None or record.get("IsDeleted"):
            raise ApiError(400, "ENTITY_IS_DELETED", "entity is deleted", [])
