"""OneDrive upload sessions: `createUploadSession`, then byte ranges PUT to `uploadUrl`.

The `uploadUrl` is pre-authenticated (a signed `tempauth` in the query, as
SharePoint's is) and lives outside /v1.0, so no bearer is needed; a request
that sends one anyway is refused with 401, as the documentation warns.
Fragments must arrive in order (416 `invalidRange` on an overlap or a gap);
each is at most 60 MiB and, except the last, a multiple of 320 KiB (Graph
only says other sizes "can" fail at commit; the stand-in refuses them at once
so a client bug shows). The last byte commits the file with the session's
conflictBehavior (201 new, 200 replaced, 409 `nameAlreadyExists`).
`GET uploadUrl` reports `nextExpectedRanges`; `DELETE` cancels (204) and later
use answers 404. Sessions and their bytes are store documents, so they
survive a restart.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.graph.directory import DRIVES, drive_items_of, graph_context
from sandbox.graph.drive_items import check_conflict_behaviour, check_name, put_file
from sandbox.graph.drive_json import item_json
from sandbox.graph.errors import GraphError
from sandbox.graph.http import base_url, context_url, graph_json, no_content
from sandbox.state import Doc, DocStore

FRAGMENT_QUANTUM = 327_680
MAX_FRAGMENT = 60 * 1024 * 1024
SESSION_MINUTES = 15
SESSIONS = "graph/upload_sessions"
_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


def fragments_of(session_id: str) -> str:
    return f"graph/upload_fragments/{session_id}"


def _expiry() -> str:
    moment = datetime.now(UTC) + timedelta(minutes=SESSION_MINUTES)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _signature(key: bytes, session_id: str) -> str:
    return hmac.new(key, f"upload/{session_id}".encode(), hashlib.sha256).hexdigest()


def open_session(
    request: Request, drive: Doc, parent: Doc, name: object, body: dict[str, Any]
) -> Response:
    """Create a session to upload `name` under `parent`; answers the uploadSession JSON."""
    context = graph_context(request)
    item = body.get("item") if isinstance(body.get("item"), dict) else {}
    assert isinstance(item, dict)
    behaviour = check_conflict_behaviour(item.get("@microsoft.graph.conflictBehavior"), "replace")
    file_name = check_name(item.get("name") or name)
    if "folder" not in parent:
        raise GraphError(400, "invalidRequest", "The parent of a file must be a folder.")
    if behaviour == "fail":
        _refuse_existing(context.store, drive, parent, file_name)
    session_id = uuid.uuid4().hex
    session = {
        "id": session_id,
        "driveId": drive["id"],
        "parentId": parent["id"],
        "name": file_name,
        "behaviour": behaviour,
        "received": 0,
        "total": None,
        "expirationDateTime": _expiry(),
    }
    context.store.put(SESSIONS, session_id, session)
    token = f"{session_id}.{_signature(context.signing_key, session_id)}"
    upload_url = (
        f"{base_url(request)}/personal/{drive['_slug']}/_api/v2.0/drives/{quote(drive['id'])}"
        f"/items/{parent['id']}/uploadSession?guid='{session_id}'"
        f"&overwrite={behaviour == 'replace'}&rename={behaviour == 'rename'}&tempauth={token}"
    )
    payload = {
        "@odata.context": context_url(request, "microsoft.graph.uploadSession"),
        "uploadUrl": upload_url,
        "expirationDateTime": session["expirationDateTime"],
        "nextExpectedRanges": ["0-"],
    }
    return graph_json(payload)


def _refuse_existing(store: DocStore, drive: Doc, parent: Doc, name: str) -> None:
    for item in store.iter(drive_items_of(drive["id"])):
        if item.get("_parentId") == parent["id"] and item["name"].lower() == name.lower():
            raise GraphError(409, "nameAlreadyExists", "The specified item name already exists.")


def _session_of(request: Request) -> Doc:
    """The live session `tempauth` names; 401 for a bad link, 404 once gone or expired."""
    if request.headers.get("authorization"):
        raise GraphError(
            401, "unauthenticated", "Authorization header is not allowed on an upload URL."
        )
    context = graph_context(request)
    session_id, _, signature = request.query_params.get("tempauth", "").partition(".")
    if not hmac.compare_digest(signature, _signature(context.signing_key, session_id)):
        raise GraphError(401, "unauthenticated", "The upload URL is not valid.")
    session = context.store.get(SESSIONS, session_id)
    if session is None or session["expirationDateTime"] < _now():
        raise GraphError(404, "itemNotFound", "The upload session was not found.")
    return session


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _status(session: Doc) -> dict[str, Any]:
    total = session["total"]
    missing = f"{session['received']}-" + (str(total - 1) if total else "")
    return {"expirationDateTime": session["expirationDateTime"], "nextExpectedRanges": [missing]}


async def session_status(request: Request) -> Response:
    return graph_json(_status(_session_of(request)))


async def cancel_session(request: Request) -> Response:
    session = _session_of(request)
    _discard(graph_context(request).store, session)
    return no_content()


def _discard(store: DocStore, session: Doc) -> None:
    for fragment in store.all(fragments_of(session["id"])):
        store.delete(fragments_of(session["id"]), fragment["id"])
    store.delete(SESSIONS, session["id"])


def _parse_range(request: Request, length: int) -> tuple[int, int, int]:
    match = _RANGE.match(request.headers.get("content-range", "").strip())
    if match is None:
        raise GraphError(400, "invalidRequest", "The Content-Range header is missing or malformed.")
    first, last, total = (int(group) for group in match.groups())
    if last < first or last >= total or last - first + 1 != length:
        raise GraphError(
            400, "invalidRequest", "The Content-Range header length does not match the bytes sent."
        )
    return first, last, total


async def upload_fragment(request: Request) -> Response:
    """PUT one byte range; 202 with what is still missing, or the committed driveItem."""
    session = _session_of(request)
    store = graph_context(request).store
    content = await request.body()
    if len(content) > MAX_FRAGMENT:
        raise GraphError(413, "invalidRequest", "Maximum request length exceeded.")
    first, last, total = _parse_range(request, len(content))
    if session["total"] not in (None, total):
        raise GraphError(
            400, "invalidRequest", "The total file size differs from earlier fragments."
        )
    if first < session["received"]:
        raise GraphError(
            416,
            "invalidRange",
            "Uploaded fragment overlaps with existing data.",
            inner_code="fragmentOverlap",
        )
    if first > session["received"]:
        raise GraphError(
            416,
            "invalidRange",
            "Uploaded fragment is out of order.",
            inner_code="fragmentOutOfOrder",
        )
    if last + 1 < total and len(content) % FRAGMENT_QUANTUM:
        raise GraphError(
            400,
            "invalidRequest",
            "Fragment size must be a multiple of 320 KiB (327,680 bytes) except for the last one.",
        )
    encoded = base64.b64encode(content).decode()
    store.put(fragments_of(session["id"]), str(first), {"id": str(first), "base64": encoded})
    session = session | {"received": last + 1, "total": total, "expirationDateTime": _expiry()}
    store.put(SESSIONS, session["id"], session)
    if last + 1 < total:
        return graph_json(_status(session), status=202)
    return _commit(request, store, session)


def _commit(request: Request, store: DocStore, session: Doc) -> Response:
    drive = store.get(DRIVES, session["driveId"])
    parent = store.get(drive_items_of(session["driveId"]), session["parentId"]) if drive else None
    if drive is None or parent is None:
        _discard(store, session)
        raise GraphError(404, "itemNotFound", "The parent folder of the upload no longer exists.")
    pieces = sorted(store.all(fragments_of(session["id"])), key=lambda doc: int(doc["id"]))
    content = b"".join(base64.b64decode(piece["base64"]) for piece in pieces)
    try:
        item, created = put_file(
            store, drive, parent, session["name"], content, session["behaviour"]
        )
    finally:
        _discard(store, session)
    payload = {"@odata.context": context_url(request, f"drives('{drive['id']}')/items/$entity")}
    return graph_json(payload | item_json(request, drive, item), status=201 if created else 200)


def upload_session_routes() -> list[Route]:
    path = "/personal/{site}/_api/v2.0/drives/{drive}/items/{parent}/uploadSession"
    return [
        Route(path, upload_fragment, methods=["PUT"]),
        Route(path, session_status, methods=["GET"]),
        Route(path, cancel_session, methods=["DELETE"]),
    ]
