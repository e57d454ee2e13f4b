"""Bulk API 1.0 (`/services/async/{version}/job...`): refused the way an org without
it refuses, so a client that tries it first falls back to Bulk API 2.0 or REST.

Every request is first checked for its `X-SFDC-Session` header (a session id,
i.e. an access token): none or a stale one answers 400 `InvalidSessionId`, a
valid one 400 `FeatureNotEnabled`. Errors use Bulk 1.0's own shape, not the REST
list: `<error xmlns="http://www.force.com/2009/06/asyncapi/dataload">` with
`exceptionCode` and `exceptionMessage`, or the same two keys as a JSON object
when the request is JSON (its Content-Type, else its Accept header).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.salesforce.auth import TokenIssuer
from sandbox.salesforce.errors import ApiError

ASYNC_NAMESPACE = "http://www.force.com/2009/06/asyncapi/dataload"
FEATURE_NOT_ENABLED = "Bulk API isn't enabled for this organization."
INVALID_SESSION = "Invalid session id"


def _wants_json(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    chosen = content_type if content_type else request.headers.get("accept", "")
    return "json" in chosen.lower()


def bulk_v1_error(request: Request, code: str, message: str, status: int = 400) -> Response:
    """A Bulk API 1.0 error answer, as XML or JSON after the request's format."""
    if _wants_json(request):
        return JSONResponse({"exceptionCode": code, "exceptionMessage": message}, status)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<error xmlns="{ASYNC_NAMESPACE}">'
        f"<exceptionCode>{escape(code)}</exceptionCode>"
        f"<exceptionMessage>{escape(message)}</exceptionMessage>"
        "</error>"
    )
    return Response(xml, status_code=status, media_type="application/xml")


def bulk_v1_routes(tokens: TokenIssuer) -> list[Route]:
    async def refuse(request: Request) -> Response:
        try:
            tokens.session_of_token(request.headers.get("x-sfdc-session", ""))
        except ApiError:
            return bulk_v1_error(request, "InvalidSessionId", INVALID_SESSION)
        return bulk_v1_error(request, "FeatureNotEnabled", FEATURE_NOT_ENABLED)

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    return [
        Route("/services/async/{version}/{rest:path}", refuse, methods=methods),
        Route("/services/async/{version}", refuse, methods=methods),
    ]
