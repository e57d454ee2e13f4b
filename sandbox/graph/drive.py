"""OneDrive routes, under `/users/{u}/drive`, `/users/{u}/drives/{id}` and `/drives/{id}`.

Items are addressed by id (`items/{id}`, `root`) or by path (`root:/a/b:`; a path
under an item, `items/{id}:/a/b:`, is rewritten to that form by path_forms.py).
Folders are created with `POST .../children` (conflicts fail unless asked
otherwise); small files are uploaded with `PUT ...:/{name}:/content` (up to
4 MB; `?@microsoft.graph.conflictBehavior=` fail|replace|rename, replace by
default; `If-Match` with a stale eTag/cTag answers 412; missing parent folders
on the path form are created; 201 new, 200 replaced); larger ones through
`createUploadSession` (sandbox/graph/upload_sessions.py). `GET .../content`
answers 302 to a pre-authenticated link. Renames and moves: drive_updates.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from sandbox.graph.directory import DRIVES, drive_items_of, graph_context
from sandbox.graph.drive_address import addressed_drive, addressed_item, item_context
from sandbox.graph.drive_items import (
    check_conflict_behaviour,
    children,
    create_folder,
    delete_item,
    ensure_folders,
    file_bytes,
    find_item,
    put_file,
)
from sandbox.graph.drive_json import (
    ctag,
    download_url,
    drive_json,
    etag,
    item_json,
    read_download_token,
)
from sandbox.graph.drive_updates import drive_update_routes
from sandbox.graph.errors import GraphError, drive_item_not_found
from sandbox.graph.http import context_url, graph_json, no_content, read_json
from sandbox.graph.odata import OrderKey
from sandbox.graph.query import Paging, page_response, parse_collection_query
from sandbox.graph.schema import DRIVE_ITEM
from sandbox.graph.upload_sessions import open_session, upload_session_routes
from sandbox.state import Doc, DocStore

SIMPLE_UPLOAD_LIMIT = 4 * 1024 * 1024
CHILDREN_PAGING = Paging(default_size=200, max_size=999, style="skiptoken")
BY_NAME = [OrderKey(("name",), False)]
_CONFLICT = "@microsoft.graph.conflictBehavior"


async def get_drive(request: Request) -> Response:
    drive = addressed_drive(request)
    body = {"@odata.context": context_url(request, "drives/$entity")}
    return graph_json(body | drive_json(request, drive))


async def get_item(request: Request) -> Response:
    drive = addressed_drive(request)
    item = addressed_item(request, drive)
    body = {"@odata.context": item_context(request, drive, "/items/$entity")}
    return graph_json(body | item_json(request, drive, item))


async def list_children(request: Request) -> Response:
    drive = addressed_drive(request)
    folder = addressed_item(request, drive)
    query = parse_collection_query(request, DRIVE_ITEM, CHILDREN_PAGING)
    items = query.apply(children(graph_context(request).store, drive, folder), BY_NAME)
    context = item_context(request, drive, f"/items('{folder['id']}')/children")
    return page_response(
        request,
        items,
        query,
        CHILDREN_PAGING,
        context,
        lambda item: item_json(request, drive, item),
    )


async def create_child(request: Request) -> Response:
    """POST .../children with `folder: {}`: a new folder."""
    drive = addressed_drive(request)
    parent = addressed_item(request, drive)
    body = await read_json(request)
    if "folder" not in body or "folder" not in parent:
        raise GraphError(400, "invalidRequest", "Only folders can be created with this request.")
    behaviour = check_conflict_behaviour(body.get(_CONFLICT), "fail")
    folder = create_folder(graph_context(request).store, drive, parent, body.get("name"), behaviour)
    payload = {"@odata.context": item_context(request, drive, "/items/$entity")}
    return graph_json(payload | item_json(request, drive, folder), status=201)


async def upload_content(request: Request) -> Response:
    """PUT small file bytes to `items/{parent}:/{name}:/content` or `root:/{path}:/content`."""
    drive = addressed_drive(request)
    store = graph_context(request).store
    content = await request.body()
    if len(content) > SIMPLE_UPLOAD_LIMIT:
        raise GraphError(413, "invalidRequest", "Maximum request length exceeded.")
    behaviour = check_conflict_behaviour(request.query_params.get(_CONFLICT), "replace")
    params = request.path_params
    if "path" in params:
        *folders, name = [part for part in params["path"].split("/") if part] or [""]
        parent = ensure_folders(store, drive, folders)
    else:
        parent, name = addressed_item(request, drive), params["name"]
    _check_if_match(request, store, drive, parent, name)
    item, created = put_file(store, drive, parent, name, content, behaviour)
    payload = {"@odata.context": item_context(request, drive, "/items/$entity")}
    return graph_json(payload | item_json(request, drive, item), status=201 if created else 200)


def _check_if_match(request: Request, store: DocStore, drive: Doc, parent: Doc, name: str) -> None:
    """`If-Match` with an eTag or cTag: 412 unless it names the file's current version."""
    wanted = request.headers.get("if-match")
    if not wanted or wanted.strip() == "*":
        return
    current = next(
        (c for c in children(store, drive, parent) if c["name"].lower() == name.lower()), None
    )
    if current is None or wanted.strip() not in (etag(current), ctag(current)):
        raise GraphError(412, "resourceModified", "ETag does not match current item's value")


async def create_upload_session(request: Request) -> Response:
    """POST `...:/{name}:/createUploadSession` (new file) or `items/{id}/createUploadSession`."""
    drive = addressed_drive(request)
    store = graph_context(request).store
    raw = await request.body()
    body = await read_json(request) if raw.strip() else {}
    params = request.path_params
    if "path" in params:
        *folders, name = [part for part in params["path"].split("/") if part] or [""]
        parent = ensure_folders(store, drive, folders)
    elif "name" in params:
        parent, name = addressed_item(request, drive), params["name"]
    else:
        existing = addressed_item(request, drive)
        if "file" not in existing:
            raise GraphError(400, "invalidRequest", "An upload session needs a file, not a folder.")
        parent = find_item(store, drive, existing["_parentId"]) or existing
        name = existing["name"]
        body = body | {
            "item": {"@microsoft.graph.conflictBehavior": "replace"} | body.get("item", {})
        }
    return open_session(request, drive, parent, name, body)


async def download_content(request: Request) -> Response:
    """GET .../content: 302 to a download link, as Graph does."""
    drive = addressed_drive(request)
    item = addressed_item(request, drive)
    if "file" not in item:
        raise drive_item_not_found()
    return RedirectResponse(download_url(request, graph_context(request), drive, item), 302)


async def remove_item(request: Request) -> Response:
    drive = addressed_drive(request)
    item = addressed_item(request, drive)
    if "root" in item:
        raise GraphError(403, "accessDenied", "The root folder can't be deleted.")
    delete_item(graph_context(request).store, drive, item)
    return no_content()


async def serve_download(request: Request) -> Response:
    """The pre-authenticated link: file bytes, no bearer token needed."""
    context = graph_context(request)
    located = read_download_token(context, request.query_params.get("tempauth", ""))
    drive = context.store.get(DRIVES, located[0]) if located else None
    item = context.store.get(drive_items_of(located[0]), located[1]) if located else None
    if drive is None or item is None or located is None:
        return Response("Access denied. The link has expired or is not valid.", status_code=401)
    media_type = item["file"]["mimeType"]
    return Response(file_bytes(context.store, drive, item), media_type=media_type)


async def list_drives(request: Request) -> Response:
    drive = addressed_drive(request)
    context = context_url(request, "drives")
    return graph_json({"@odata.context": context, "value": [drive_json(request, drive)]})


Handler = Callable[[Request], Awaitable[Response]]


def _item_routes(prefix: str) -> list[Route]:
    def route(path: str, handler: Handler, method: str = "GET") -> Route:
        return Route(prefix + path, handler, methods=[method])

    return [
        route("/root", get_item),
        route("/root/children", list_children),
        route("/root/children", create_child, "POST"),
        route("/items/{item}", get_item),
        route("/items/{item}", remove_item, "DELETE"),
        route("/items/{item}/children", list_children),
        route("/items/{item}/children", create_child, "POST"),
        route("/items/{item}/content", download_content),
        route("/items/{item}/createUploadSession", create_upload_session, "POST"),
        route("/items/{item}:/{name}:/createUploadSession", create_upload_session, "POST"),
        route("/root:/{path:path}:/createUploadSession", create_upload_session, "POST"),
        route("/items/{item}:/{name}:/content", upload_content, "PUT"),
        route("/root:/{path:path}:/children", list_children),
        route("/root:/{path:path}:/children", create_child, "POST"),
        route("/root:/{path:path}:/content", upload_content, "PUT"),
        route("/root:/{path:path}:/content", download_content),
        route("/root:/{path:path}", get_item),
        route("/root:/{path:path}", remove_item, "DELETE"),
        # a path under an item the drive holds was rewritten to root:/ (path_forms.py)
        Route(prefix + "/items/{item}:/{rest:path}", _no_such_parent, methods=_ANY_METHOD),
    ]


_ANY_METHOD = ["GET", "PUT", "POST", "PATCH", "DELETE"]


async def _no_such_parent(request: Request) -> Response:
    """A path under an item id the drive does not hold (or under a file)."""
    addressed_drive(request)
    raise drive_item_not_found()


def drive_routes() -> list[Route]:
    prefixes = (
        "/v1.0/users/{user}/drive",
        "/v1.0/users/{user}/drives/{drive}",
        "/v1.0/drives/{drive}",
    )
    routes = [Route("/v1.0/users/{user}/drives", list_drives, methods=["GET"])]
    for prefix in prefixes:
        routes.append(Route(prefix, get_drive, methods=["GET"]))
        routes += _item_routes(prefix)
        routes += drive_update_routes(prefix)
    routes.append(Route("/personal/{site}/_layouts/15/download.aspx", serve_download))
    routes += upload_session_routes()
    return routes
