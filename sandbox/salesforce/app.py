"""The Salesforce stand-in as one Starlette app serving both the login host
(/services/oauth2/token, /services/oauth2/userinfo) and the instance
(/services/data/...; Bulk API 1.0 under /services/async answers its documented
FeatureNotEnabled refusal, sandbox/salesforce/bulk_v1.py).

Unknown paths and methods answer with Salesforce's NOT_FOUND and
METHOD_NOT_ALLOWED bodies, so a client calling something the sandbox does not
offer fails loudly instead of reading an empty success.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.salesforce.admin import SandboxControl
from sandbox.salesforce.api_context import ApiHandler, list_versions, resource_map, versioned
from sandbox.salesforce.api_usage import ApiUsage, LimitInfoHeader
from sandbox.salesforce.auth import TokenIssuer
from sandbox.salesforce.bulk_query import bulk_query_routes
from sandbox.salesforce.bulk_v1 import bulk_v1_routes
from sandbox.salesforce.chaos import SalesforceChaos
from sandbox.salesforce.collections_api import CollectionsResource
from sandbox.salesforce.composite import CompositeResource
from sandbox.salesforce.errors import ApiError, api_error_response, not_found
from sandbox.salesforce.external_id_api import ExternalIdResource
from sandbox.salesforce.faults import FaultInjection, fault_routes
from sandbox.salesforce.org_limits import OrgLimits
from sandbox.salesforce.query_api import QueryResource
from sandbox.salesforce.record_view import RecordView
from sandbox.salesforce.record_writes import RecordWriter
from sandbox.salesforce.replication_api import ReplicationResource
from sandbox.salesforce.sobject_api import SObjectResource
from sandbox.salesforce.userinfo import UserInfo
from sandbox.state import DocStore

_METHOD_ORDER = ("GET", "HEAD", "POST", "PATCH", "DELETE")
_GET_POST = ["GET", "POST"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    store: DocStore,
    *,
    client_id: str,
    client_secret: str,
    token_lifetime_seconds: int = 7200,
    daily_api_limit: int = 100_000,
    clock: Callable[[], datetime] = _utc_now,
    jwt_certificate_pem: bytes | None = None,
    user_password: str | None = None,
) -> Starlette:
    """The app for one org kept in `store`; `clock` (aware UTC) sets "now" for
    timestamps, token expiry and relative date literals. The JWT bearer grant is
    offered when the connected app has a certificate (`jwt_certificate_pem`), the
    legacy password grant when `user_password` is set (it is every active user's)."""
    tokens = TokenIssuer(
        store,
        client_id=client_id,
        client_secret=client_secret,
        lifetime_seconds=token_lifetime_seconds,
        clock=clock,
        jwt_certificate_pem=jwt_certificate_pem,
        user_password=user_password,
    )
    usage = ApiUsage(store, daily_api_limit, clock)
    org_limits = OrgLimits(store, usage, clock)
    queries = QueryResource(store, clock)
    writer, view = RecordWriter(store, clock), RecordView(store)
    sobjects = SObjectResource(writer, view)
    by_external_id = ExternalIdResource(writer, view)
    collections = CollectionsResource(writer, view)
    composite = CompositeResource(writer)
    replication = ReplicationResource(store, clock)

    def api(path: str, handler: ApiHandler, methods: list[str]) -> Route:
        return Route(
            "/services/data/{version}" + path, versioned(tokens, usage, handler), methods=methods
        )

    def both(path: str, handler: ApiHandler, methods: list[str]) -> list[Route]:
        """The path with and without a trailing slash (clients use both)."""
        return [api(path, handler, methods), api(path + "/", handler, methods)]

    routes = [
        Route("/services/oauth2/token", tokens.token_endpoint, methods=["POST"]),
        Route("/services/oauth2/userinfo", UserInfo(store, tokens).endpoint, methods=_GET_POST),
        Route("/services/data", list_versions, methods=["GET"]),
        Route("/services/data/", list_versions, methods=["GET"]),
        *both("", resource_map, ["GET"]),
        *both("/limits", org_limits.resource, ["GET"]),
        *both("/query", queries.first_page("query"), ["GET"]),
        *both("/queryAll", queries.first_page("queryAll"), ["GET"]),
        api("/query/{locator}", queries.next_page("query"), ["GET"]),
        api("/queryAll/{locator}", queries.next_page("queryAll"), ["GET"]),
        *both("/sobjects", sobjects.global_describe, ["GET"]),
        *both("/sobjects/{sobject}", sobjects.collection, ["GET", "POST"]),
        api("/sobjects/{sobject}/describe", sobjects.describe, ["GET"]),
        api("/sobjects/{sobject}/describe/", sobjects.describe, ["GET"]),
        *both("/sobjects/{sobject}/updated", replication.updated, ["GET"]),
        *both("/sobjects/{sobject}/deleted", replication.deleted, ["GET"]),
        api("/sobjects/{sobject}/{record_id}", sobjects.record, ["GET", "PATCH", "DELETE"]),
        api(
            "/sobjects/{sobject}/{field}/{value}", by_external_id.record, ["GET", "PATCH", "DELETE"]
        ),
        *both("/composite", composite.run, ["POST"]),
        *both("/composite/sobjects", collections.records, ["POST", "PATCH", "DELETE"]),
        *both("/composite/sobjects/{sobject}", collections.retrieve, ["GET", "POST"]),
        api("/composite/sobjects/{sobject}/{field}", collections.upsert, ["PATCH"]),
        *SandboxControl(tokens, usage).routes(),
        *bulk_query_routes(store, clock, api, org_limits.bulk_query_jobs),
        *bulk_v1_routes(tokens),
        *fault_routes(store),
    ]
    return Starlette(
        routes=routes,
        middleware=[
            Middleware(LimitInfoHeader, usage=usage),
            Middleware(FaultInjection, store=store),
            Middleware(SalesforceChaos, store=store, tokens=tokens),  # sandbox/salesforce/chaos.py
        ],
        exception_handlers={
            ApiError: api_error_response,
            404: _route_not_found,
            405: _method_not_allowed,
        },
    )


async def _route_not_found(request: Request, exc: Exception) -> Response:
    return await api_error_response(request, not_found())


async def _method_not_allowed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    offered = {method.strip() for method in (exc.headers or {}).get("Allow", "").split(",")}
    allowed = ",".join(method for method in _METHOD_ORDER if method in offered)
    message = f"HTTP Method '{request.method}' not allowed. Allowed are {allowed}"
    return JSONResponse(
        [{"errorCode": "METHOD_NOT_ALLOWED", "message": message}],
        status_code=405,
        headers={"Allow": allowed},
    )
