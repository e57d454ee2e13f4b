"""OneDrive routes, under `/users/{u}/drive`, `/users/{u}/drives/{id}` and `/drives/{id}`.

Items are addressed by id (`items/{id}`, `root`) or by path (`root:/a/b:`).
Folders are created with `POST .../children` (conflicts fail unless asked
otherwise); small files are uploaded with `PUT ...:/{name}:/content` (up to
4 MB; missing parent folders on the path form are created; 201 new, 200
replaced). `GET .../content` answers 302 to a pre-authenticated link.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from sandbox.graph.directory import DRIVES, drive_items_of, find_user, graph_context
from sandbox.graph.drive_items import (
    check_conflict_behaviour,
    children,
    create_folder,
    delete_item,
    drive_id_of,
    ensure_folders,
    file_bytes,
    find_item,
    put_file,
    resolve_path,
)
from sandbox.graph.drive_json import download_url, drive_json, item_json, read_download_token
from sandbox.graph.errors import GraphError, directory_object_not_found, drive_item_not_found
from sandbox.graph.http import context_url, graph_json, no_content, read_json
from sandbox.graph.odata import OrderKey
from sandbox.graph.query import Paging, page_response, parse_collection_query
from sandbox.graph.schema import DRIVE_ITEM
from sandbox.state import Doc

SIMPLE_UPLOAD_LIMIT = 4 * 1024 * 1024
CHILDREN_PAGING = Paging(default_size=200, max_size=999, style="skiptoken")
BY_NAME = [OrderKey(("name",), False)]
_CONFLICT = "@microsoft.graph.conflictBehavior"


def addressed_drive(request: Request) -> Doc:
    """The drive the path names: a user's OneDrive or a drive by id."""
    store = graph_context(request).store
    params = request.path_params
    owner = None
    if "user" in params:
        owner = find_user(store, params["user"])
        if owner is None:
            raise directory_object_not_found(params["user"])
    drive_id = params.get("drive") or drive_id_of(owner["id"] if owner else "")
    drive = store.get(DRIVES, drive_id)
    if drive is None or (owner is not None and drive["_ownerId"] != owner["id"]):
        raise drive_item_not_found()
    return drive


def _addressed_item(request: Request, drive: Doc) -> Doc:
    store = graph_context(request).store
    params = request.path_params
    if "path" in params:
        item = resolve_path(store, drive, params["path"])
    else:
        item = find_item(store, drive, params.get("item", "root"))
    if item is None:
        raise drive_item_not_found()
    return item


def _context(request: Request, drive: Doc, suffix: str) -> str:
    return context_url(request, f"drives('{drive['id']}'){suffix}")


async def get_drive(request: Request) -> Response:
    drive = addressed_drive(request)
    body = {"@odata.context": context_url(request, "drives/$entity")}
    return graph_json(body | drive_json(request, drive))


async def get_item(request: Request) -> Response:
    drive = addressed_drive(request)
    item = _addressed_item(request, drive)
    body = {"@odata.context": _context(request, drive, "/items/$entity")}
    return graph_json(body | item_json(request, drive, item))


async def list_children(request: Request) -> Response:
    drive = addressed_drive(request)
    folder = _addressed_item(request, drive)
    query = parse_collection_query(request, DRIVE_ITEM, CHILDREN_PAGING)
    items = query.apply(children(graph_context(request).store, drive, folder), BY_NAME)
    context = _context(request, drive, f"/items('{folder['id']}')/children")
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
    parent = _addressed_item(request, drive)
    body = await read_json(request)
    if "folder" not in body or "folder" not in parent:
        raise GraphError(400, "invalidRequest", "Only folders can be created with this request.")
    behaviour = check_conflict_behaviour(body.get(_CONFLICT), "fail")
    folder = create_folder(graph_context(request).store, drive, parent, body.get("name"), behaviour)
    payload = {"@odata.context": _context(request, drive, "/items/$entity")}
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
        parent, name = _addressed_item(request, drive), params["name"]
    item, created = put_file(store, drive, parent, name, content, behaviour)
    payload = {"@odata.context": _context(request, drive, "/items/$entity")}
    return graph_json(payload | item_json(request, drive, item), status=201 if created else 200)


async def download_content(request: Request) -> Response:
    """GET .../content: 302 to a download link, as Graph does."""
    drive = addressed_drive(request)
    item = _addressed_item(request, drive)
    if "file" not in item:
        raise drive_item_not_found()
    return RedirectResponse(download_url(request, graph_context(request), drive, item), 302)


async def remove_item(request: Request) -> Response:
    drive = addressed_drive(request)
    item = _addressed_item(request, drive)
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
        route("/items/{item}:/{name}:/content", upload_content, "PUT"),
        route("/root:/{path:path}:/children", list_children),
        route("/root:/{path:path}:/children", create_child, "POST"),
        route("/root:/{path:path}:/content", upload_content, "PUT"),
        route("/root:/{path:path}:/content", download_content),
        route("/root:/{path:path}", get_item),
        route("/root:/{path:path}", remove_item, "DELETE"),
    ]


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
    routes.append(Route("/personal/{site}/_layouts/15/download.aspx", serve_download))
    return routes
