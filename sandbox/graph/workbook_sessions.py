"""Workbook sessions and how a request sees its workbook.

`createSession` ({"persistChanges": bool}, default true) answers an id the
client sends back in `workbook-session-id`; `closeSession` ends it (204). A
non-persistent session works on its own copy of the file, dropped when it
closes; writes with a persistent session or with no session (Graph runs those
as one-off persistent requests) are saved to the file. An unknown or closed
session id answers 404 with inner code `invalidSessionReCreatable`.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass

from openpyxl import Workbook
from starlette.requests import Request
from starlette.responses import Response

from sandbox.graph.directory import graph_context
from sandbox.graph.drive_address import addressed_drive, addressed_item, item_context
from sandbox.graph.drive_items import file_bytes, find_item, put_file
from sandbox.graph.errors import GraphError, drive_item_not_found
from sandbox.graph.http import context_url, graph_json, no_content, read_json
from sandbox.graph.workbook_model import open_workbook, save_workbook
from sandbox.state import Doc

SESSIONS = "graph/workbook_sessions"
SESSION_HEADER = "workbook-session-id"


@dataclass
class Opened:
    """A workbook as one request sees it: the file, its session, and the parsed book."""

    drive: Doc
    item: Doc
    session: Doc | None
    book: Workbook
    base: str


def open_addressed(request: Request) -> Opened:
    store = graph_context(request).store
    drive = addressed_drive(request)
    item = addressed_item(request, drive)
    if "file" not in item:
        raise drive_item_not_found()
    session = _session(request, item)
    if session is not None and not session["persistChanges"] and "base64" in session:
        content = base64.b64decode(session["base64"])
    else:
        content = file_bytes(store, drive, item)
    base = item_context(request, drive, f"/items('{item['id']}')/workbook")
    return Opened(drive, item, session, open_workbook(content), base)


def _session(request: Request, item: Doc) -> Doc | None:
    key = request.headers.get(SESSION_HEADER)
    if not key:
        return None
    session = graph_context(request).store.get(SESSIONS, key)
    if session is None or session["itemId"] != item["id"]:
        raise GraphError(
            404,
            "itemNotFound",
            "The session specified in the request does not exist or is invalid due to a "
            "transient error.",
            inner_code="invalidSessionReCreatable",
        )
    return session


def save_changes(request: Request, opened: Opened) -> None:
    """Keep a write: in a non-persistent session's copy, else in the file itself."""
    store = graph_context(request).store
    content = save_workbook(opened.book)
    session = opened.session
    if session is not None and not session["persistChanges"]:
        store.put(SESSIONS, session["id"], session | {"base64": base64.b64encode(content).decode()})
        return
    parent = find_item(store, opened.drive, opened.item["_parentId"])
    assert parent is not None
    put_file(store, opened.drive, parent, opened.item["name"], content, "replace")


async def create_session(request: Request) -> Response:
    drive = addressed_drive(request)
    item = addressed_item(request, drive)
    if "file" not in item:
        raise drive_item_not_found()
    raw = await request.body()
    body = await read_json(request) if raw.strip() else {}
    persist = bool(body.get("persistChanges", True))
    session_id = f"cluster=SANDBOX&session={uuid.uuid4().hex}"
    doc = {"id": session_id, "itemId": item["id"], "persistChanges": persist}
    graph_context(request).store.put(SESSIONS, session_id, doc)
    payload = {
        "@odata.context": context_url(request, "microsoft.graph.workbookSessionInfo"),
        "id": session_id,
        "persistChanges": persist,
    }
    return graph_json(payload, status=201)


async def close_session(request: Request) -> Response:
    drive = addressed_drive(request)
    item = addressed_item(request, drive)
    session = _session(request, item)
    if session is None:
        raise GraphError(400, "badRequest", f"The {SESSION_HEADER} header is required.")
    graph_context(request).store.delete(SESSIONS, session["id"])
    return no_content()
