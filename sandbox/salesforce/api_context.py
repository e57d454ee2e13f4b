"""What every versioned REST call shares: the API version in its path, the
caller's session, one count against the daily limit, and the version-level
resources (versions list, resource map).

A Composite request's subrequests are served by the app again with
`SUBREQUEST` set in their scope: they are checked like any call but not
counted, as the whole composite is one call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.salesforce.api_usage import ApiUsage
from sandbox.salesforce.auth import Session, TokenIssuer
from sandbox.salesforce.errors import not_found

API_VERSIONS: dict[str, str] = {
    "55.0": "Summer '22",
    "56.0": "Winter '23",
    "57.0": "Spring '23",
    "58.0": "Summer '23",
    "59.0": "Winter '24",
    "60.0": "Spring '24",
    "61.0": "Summer '24",
    "62.0": "Winter '25",
}
#: The resources of a version that the sandbox serves (all others answer 404).
SERVED_RESOURCES = ("composite", "jobs", "limits", "query", "queryAll", "sobjects")
#: Scope key marking a composite subrequest (no usage count of its own).
SUBREQUEST = "kamsync.subrequest"


@dataclass(frozen=True)
class ApiCall:
    """An authenticated request under /services/data/vXX.X/."""

    request: Request
    #: as in the path, e.g. "v59.0"; used again in the URLs the answer carries
    version: str
    session: Session


ApiHandler = Callable[[ApiCall], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def checked_version(segment: str) -> str:
    """The path's version segment if the sandbox offers it, else 404 NOT_FOUND."""
    if segment.startswith("v") and segment[1:] in API_VERSIONS:
        return segment
    raise not_found()


def versioned(tokens: TokenIssuer, usage: ApiUsage, handler: ApiHandler) -> Endpoint:
    """Wrap a handler with the version check, authentication and usage counting."""

    async def endpoint(request: Request) -> Response:
        version = checked_version(request.path_params["version"])
        session = tokens.session_for(request)
        if not request.scope.get(SUBREQUEST):
            usage.count_call()
        return await handler(ApiCall(request, version, session))

    return endpoint


async def list_versions(request: Request) -> Response:
    """GET /services/data/: every offered version, oldest first (no login needed)."""
    return JSONResponse(
        [
            {"label": label, "url": f"/services/data/v{number}", "version": number}
            for number, label in API_VERSIONS.items()
        ]
    )


async def resource_map(call: ApiCall) -> Response:
    """GET /services/data/vXX.X/: the resources available in this version."""
    return JSONResponse(
        {name: f"/services/data/{call.version}/{name}" for name in SERVED_RESOURCES}
    )
