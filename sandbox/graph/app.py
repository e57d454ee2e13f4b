"""The Graph stand-in as one ASGI app: Entra authority, Graph v1.0, download links.

Middleware, outermost first: request ids on every response, then the other
path spellings Graph accepts rewritten to the served ones
(sandbox/graph/path_forms.py), then the bearer
check on every /v1.0 path, armed faults (sandbox/graph/faults.py), then
Outlook's per-mailbox limits (sandbox/graph/limits.py), then Graph's answer time
(sandbox/graph/latency.py). Unknown /v1.0 routes answer Graph's 400
"Resource not found for the segment".
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from sandbox.graph.admin import admin_routes
from sandbox.graph.authority import authority_routes
from sandbox.graph.batch import batch_routes
from sandbox.graph.calendar import calendar_routes
from sandbox.graph.chaos import GraphChaos
from sandbox.graph.deliveries import delivery_routes
from sandbox.graph.directory import GraphContext, find_user, find_user_by_address
from sandbox.graph.drive import drive_routes
from sandbox.graph.errors import GraphError, handle_graph_error, handle_http_error
from sandbox.graph.faults import FaultInjection, fault_routes
from sandbox.graph.html_view import html_routes
from sandbox.graph.http import RequestIdMiddleware
from sandbox.graph.latency import LatencyMiddleware
from sandbox.graph.limits import Limiter, LimitSettings, LimitsMiddleware
from sandbox.graph.mail import mail_routes
from sandbox.graph.mail_attachments import attachment_routes
from sandbox.graph.mail_delta import mail_delta_routes
from sandbox.graph.mail_folders import mail_folder_routes
from sandbox.graph.mail_mime import mime_routes
from sandbox.graph.mail_replies import reply_routes
from sandbox.graph.mailbox_settings import mailbox_settings_routes
from sandbox.graph.path_forms import PathFormsMiddleware, unsupported_segment_routes
from sandbox.graph.sendmail import send_routes
from sandbox.graph.sync_admin import sync_admin_routes
from sandbox.graph.todo_checklist import todo_checklist_routes
from sandbox.graph.todo_delta import todo_delta_routes
from sandbox.graph.todo_links import todo_link_routes
from sandbox.graph.todo_lists import todo_list_routes
from sandbox.graph.todo_tasks import todo_task_routes
from sandbox.graph.tokens import BearerAuthMiddleware
from sandbox.graph.users import user_routes
from sandbox.graph.workbook import workbook_routes
from sandbox.state import DocStore


def graph_routes() -> list[BaseRoute]:
    """Every route; more specific paths come before the ones that would swallow them."""
    return [
        *unsupported_segment_routes(),
        *authority_routes(),
        *admin_routes(),
        *fault_routes(),
        *html_routes(),
        *batch_routes(),
        *sync_admin_routes(),
        *delivery_routes(),
        *mail_delta_routes(),
        *todo_delta_routes(),
        *send_routes(),
        *reply_routes(),
        *attachment_routes(),
        *mail_folder_routes(),
        *mime_routes(),
        *mailbox_settings_routes(),
        *mail_routes(),
        *calendar_routes(),
        *todo_link_routes(),
        *todo_checklist_routes(),
        *todo_task_routes(),
        *todo_list_routes(),
        *workbook_routes(),
        *drive_routes(),
        *user_routes(),
    ]


def mailbox_keys(store: DocStore) -> Callable[[str], str]:
    """The UPN of the user a mailbox path segment names (id, UPN or address), lower-cased;
    a name no user has, as given."""

    known: dict[str, str] = {}

    def key(named: str) -> str:
        if named not in known:
            user = find_user(store, named) or find_user_by_address(store, named)
            if user is None:
                return named
            known[named] = str(user["userPrincipalName"]).lower()
        return known[named]

    return key


def create_app(
    store: DocStore,
    *,
    tenant_id: str,
    client_id: str,
    client_secret: str,
    token_lifetime_seconds: int = 3600,
    limits: LimitSettings | None = None,
    client_certificate_pem: bytes | None = None,
) -> Starlette:
    """The authority (msal authority `{base}/{tenant_id}`) and Graph (`{base}/v1.0/`)."""
    context = GraphContext(
        store, tenant_id, client_id, client_secret, token_lifetime_seconds, client_certificate_pem
    )
    limiter = Limiter(limits)
    mailbox_key = mailbox_keys(store)
    app = Starlette(
        routes=graph_routes(),
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(PathFormsMiddleware, store=store),
            Middleware(BearerAuthMiddleware, context=context),
            Middleware(FaultInjection, context=context),
            Middleware(GraphChaos, context=context),  # sandbox/graph/chaos.py
            Middleware(LimitsMiddleware, limiter=limiter, mailbox_key=mailbox_key),
            Middleware(LatencyMiddleware, settings=limiter.settings),
        ],
        exception_handlers={GraphError: handle_graph_error, HTTPException: handle_http_error},
    )
    app.state.graph = context
    app.state.limiter = limiter
    app.state.mailbox_key = mailbox_key
    return app
