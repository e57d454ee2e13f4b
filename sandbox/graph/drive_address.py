"""Which drive and item a OneDrive URL names (`/users/{u}/drive`, `/drives/{id}`; id or path)."""

from __future__ import annotations

from starlette.requests import Request

from sandbox.graph.directory import DRIVES, find_user, graph_context
from sandbox.graph.drive_items import drive_id_of, find_item, resolve_path
from sandbox.graph.errors import directory_object_not_found, drive_item_not_found
from sandbox.graph.http import context_url
from sandbox.state import Doc


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


def addressed_item(request: Request, drive: Doc) -> Doc:
    """The item named by `path` (`root:/a/b:`) or by `item` id (default: the root)."""
    store = graph_context(request).store
    params = request.path_params
    if "path" in params:
        item = resolve_path(store, drive, params["path"])
    else:
        item = find_item(store, drive, params.get("item", "root"))
    if item is None:
        raise drive_item_not_found()
    return item


def item_context(request: Request, drive: Doc, suffix: str) -> str:
    """An `@odata.context` below `drives('{id}')`."""
    return context_url(request, f"drives('{drive['id']}'){suffix}")
