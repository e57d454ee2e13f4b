"""Errors the Salesforce stand-in answers with, in the REST API's own shapes.

`ApiError` is any non-2xx answer under /services/data: a JSON list holding one
`{"message", "errorCode"[, "fields"]}` object. `SoqlError` is a query problem
found while parsing or checking SOQL; it knows where in the query it happened
and becomes an `ApiError` whose message carries Salesforce's caret excerpt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response


class ApiError(Exception):
    """An error response: HTTP status plus one Salesforce error object."""

    def __init__(
        self, status: int, error_code: str, message: str, fields: list[str] | None = None
    ) -> None:
        super().__init__(f"{error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = fields

    def body(self) -> list[dict[str, Any]]:
        error: dict[str, Any] = {"message": self.message, "errorCode": self.error_code}
        if self.fields is not None:
            error["fields"] = self.fields
        return [error]

    def record_error(self) -> dict[str, Any]:
        """The error as one record's entry in an sObject Collections result."""
        return {"statusCode": self.error_code, "message": self.message, "fields": self.fields or []}


def not_found(message: str = "The requested resource does not exist") -> ApiError:
    return ApiError(404, "NOT_FOUND", message)


@dataclass(frozen=True)
class Position:
    """Where a token starts in the query text (1-based, like Salesforce reports it)."""

    line: int
    column: int


class SoqlError(Exception):
    """A SOQL problem with its Salesforce error code and, when known, its position."""

    def __init__(self, error_code: str, text: str, at: Position | None = None) -> None:
        super().__init__(f"{error_code}: {text}")
        self.error_code = error_code
        self.text = text
        self.at = at

    def to_api_error(self, soql: str) -> ApiError:
        """The 400 answer; the message shows the row, a caret under the column,
        "ERROR at Row:r:Column:c" and the text, one per line, like Salesforce's."""
        if self.at is None:
            return ApiError(400, self.error_code, self.text)
        rows = soql.splitlines() or [""]
        row = rows[min(self.at.line, len(rows)) - 1]
        caret = " " * (self.at.column - 1) + "^"
        message = (
            f"\n{row}\n{caret}\nERROR at Row:{self.at.line}:Column:{self.at.column}\n{self.text}"
        )
        return ApiError(400, self.error_code, message)


WSDL_HINT = "Please reference your WSDL or the describe call for the appropriate names."


def no_such_column(field: str, entity: str, at: Position | None) -> SoqlError:
    return SoqlError(
        "INVALID_FIELD",
        f"No such column '{field}' on entity '{entity}'. If you are attempting to use a "
        "custom field, be sure to append the '__c' after the custom field name. " + WSDL_HINT,
        at,
    )


def unsupported(feature: str, at: Position | None) -> SoqlError:
    """A valid-looking SOQL feature the sandbox refuses instead of answering wrongly."""
    return SoqlError("MALFORMED_QUERY", f"{feature} is not supported by the kamsync sandbox", at)


async def api_error_response(request: Request, exc: Exception) -> Response:
    """Starlette exception handler turning `ApiError` into its JSON body."""
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body(), status_code=exc.status)
