"""Graph's error body and the errors every resource family raises.

Graph answers every failure with `{"error": {"code", "message", "innerError":
{"date", "request-id", "client-request-id"}}}`; handlers raise `GraphError`
and one exception handler renders it, so the shape is written once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

ODATA_JSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false"


class GraphError(Exception):
    """A failure answered with Graph's error body and the given status."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        inner_code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.inner_code = inner_code
        self.headers = headers or {}


def error_response(request: Request, error: GraphError) -> JSONResponse:
    """Render `error` in Graph's shape, stamped with this request's ids."""
    inner: dict[str, Any] = {}
    if error.inner_code:
        inner["code"] = error.inner_code
    inner["date"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    inner["request-id"] = getattr(request.state, "request_id", "")
    inner["client-request-id"] = getattr(request.state, "client_request_id", "")
    body = {"error": {"code": error.code, "message": error.message, "innerError": inner}}
    return JSONResponse(
        body, status_code=error.status, headers=error.headers, media_type=ODATA_JSON
    )


async def handle_graph_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GraphError)
    return error_response(request, exc)


async def handle_http_error(request: Request, exc: Exception) -> Response:
    """Unknown routes and wrong methods, answered as Graph does under /v1.0."""
    assert isinstance(exc, HTTPException)
    if not request.url.path.startswith("/v1.0"):
        return PlainTextResponse(exc.detail, status_code=exc.status_code)
    if exc.status_code == 405:
        message = f"The HTTP method '{request.method}' is not supported on this resource."
        return error_response(request, GraphError(405, "BadRequest", message))
    segment = unknown_segment(request.url.path)
    return error_response(
        request, GraphError(400, "BadRequest", f"Resource not found for the segment '{segment}'.")
    )


# Navigation names the stand-in routes, and those followed by an id segment.
_KNOWN_SEGMENTS = frozenset(
    {
        *("users", "messages", "mailFolders", "sendMail", "send", "attachments", "events"),
        *("calendarView", "calendar", "calendars", "todo", "lists", "tasks", "linkedResources"),
        *("drive", "drives", "root", "items", "children", "content"),
        *("childFolders", "checklistItems", "instances", "mailboxSettings", "copy", "move"),
    }
)
_ID_PARENTS = frozenset(
    {
        *("users", "messages", "mailFolders", "attachments", "events", "calendars", "lists"),
        *("tasks", "linkedResources", "drives", "items", "childFolders", "checklistItems"),
    }
)


def unknown_segment(path: str) -> str:
    """The first path segment Graph would not recognise (what its 400 names)."""
    segments = [s for s in path.split("/")[2:] if s]
    previous = ""
    for segment in segments:
        name = segment.split(":")[0]
        if name not in _KNOWN_SEGMENTS and previous not in _ID_PARENTS:
            return segment
        previous = name
    return segments[-1] if segments else "v1.0"


def bad_request(message: str, code: str = "BadRequest") -> GraphError:
    return GraphError(400, code, message)


def item_not_found() -> GraphError:
    """Outlook (mail, calendar) item missing from the mailbox."""
    return GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")


def malformed_id() -> GraphError:
    return GraphError(400, "ErrorInvalidIdMalformed", "Id is malformed.")


def invalid_mailbox_user(user_key: str) -> GraphError:
    """A mailbox path naming a user the tenant does not have."""
    return GraphError(404, "ErrorInvalidUser", f"The requested user '{user_key}' is invalid.")


def directory_object_not_found(key: str) -> GraphError:
    message = (
        f"Resource '{key}' does not exist or one of its queried reference-property objects "
        "are not present."
    )
    return GraphError(404, "Request_ResourceNotFound", message)


def todo_not_found() -> GraphError:
    """To Do's answer for a list, task or linked resource that is not there."""
    return GraphError(404, "ErrorItemNotFound", "Item not found", inner_code="ErrorItemNotFound")


def drive_item_not_found() -> GraphError:
    return GraphError(404, "itemNotFound", "The resource could not be found.")


def unknown_body_property(name: str, type_name: str) -> GraphError:
    message = (
        f"The property '{name}' does not exist on type 'microsoft.graph.{type_name}'. Make sure "
        "to only use property names that are defined by the type or mark the type as open type."
    )
    return GraphError(400, "RequestBodyRead", message)
