"""Renaming and moving OneDrive items: `PATCH .../items/{id}` (or `root:/{path}`).

The body may set `name`, `description` and `parentReference` (`id`, or `path`
like `/drive/root:/Reports`) to move the item; the id stays. A clash with a
sibling's name answers 409 nameAlreadyExists unless
`@microsoft.graph.conflictBehavior` (body or query) says `rename` or
`replace`. The root cannot be changed, a folder cannot move into itself, and
`If-Match` with a stale eTag answers 412. The eTag moves, the cTag does not.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.graph.directory import drive_items_of, graph_context, now_iso
from sandbox.graph.drive_address import addressed_drive, addressed_item, item_context
from sandbox.graph.drive_items import (
    ancestry,
    check_conflict_behaviour,
    check_name,
    children,
    delete_item,
    find_item,
    resolve_path,
)
from sandbox.graph.drive_json import ctag, etag, item_json
from sandbox.graph.errors import GraphError, drive_item_not_found
from sandbox.graph.http import graph_json, read_json
from sandbox.state import Doc, DocStore

_CONFLICT = "@microsoft.graph.conflictBehavior"
_WRITABLE = frozenset({"name", "description", "parentReference", _CONFLICT})


def _new_parent(store: DocStore, drive: Doc, reference: Any) -> Doc:
    if not isinstance(reference, dict):
        raise GraphError(400, "invalidRequest", "parentReference must be an object.")
    if reference.get("id"):
        parent = find_item(store, drive, str(reference["id"]))
    elif reference.get("path"):
        path = str(reference["path"]).split("root:", 1)[-1]
        parent = resolve_path(store, drive, path)
    else:
        raise GraphError(400, "invalidRequest", "parentReference needs an id or a path.")
    if parent is None:
        raise drive_item_not_found()
    if "folder" not in parent:
        raise GraphError(400, "invalidRequest", "The parent of an item must be a folder.")
    return parent


def _settle_name(
    store: DocStore, drive: Doc, item: Doc, parent: Doc, name: str, behaviour: str
) -> str:
    """The name `item` takes under `parent`, after the conflict behaviour."""
    siblings = [c for c in children(store, drive, parent) if c["id"] != item["id"]]
    taken = {c["name"].lower(): c for c in siblings}
    if name.lower() not in taken:
        return name
    if behaviour == "replace":
        delete_item(store, drive, taken[name.lower()])
        return name
    if behaviour == "rename":
        stem, dot, suffix = name.rpartition(".") if "." in name else (name, "", "")
        number = 1
        while f"{stem} {number}{dot}{suffix}".lower() in taken:
            number += 1
        return f"{stem} {number}{dot}{suffix}"
    raise GraphError(409, "nameAlreadyExists", "The specified item name already exists.")


async def update_item(request: Request) -> Response:
    drive = addressed_drive(request)
    item = addressed_item(request, drive)
    store = graph_context(request).store
    body = await read_json(request)
    for key in body:
        if key not in _WRITABLE:
            raise GraphError(400, "invalidRequest", f"Property '{key}' can't be updated.")
    if "root" in item:
        raise GraphError(403, "accessDenied", "The root folder can't be changed.")
    wanted = request.headers.get("if-match", "").strip()
    if wanted and wanted != "*" and wanted not in (etag(item), ctag(item)):
        raise GraphError(412, "resourceModified", "ETag does not match current item's value")
    default = request.query_params.get(_CONFLICT) or "fail"
    behaviour = check_conflict_behaviour(body.get(_CONFLICT), default)
    parent = store.get(drive_items_of(drive["id"]), item["_parentId"])
    if "parentReference" in body:
        parent = _new_parent(store, drive, body["parentReference"])
        above = {folder["id"] for folder in ancestry(store, drive, parent)}
        if item["id"] in above | {parent["id"]}:
            raise GraphError(400, "invalidRequest", "A folder can't be moved into itself.")
    assert parent is not None
    name = check_name(body["name"]) if "name" in body else item["name"]
    item["name"] = _settle_name(store, drive, item, parent, name, behaviour)
    item["_parentId"] = parent["id"]
    if "description" in body:
        item["description"] = body["description"]
    item["lastModifiedDateTime"] = now_iso()
    item["_version"] = int(item.get("_version", 1)) + 1
    item.setdefault("_contentVersion", item["_version"] - 1)
    store.put(drive_items_of(drive["id"]), item["id"], item)
    payload = {"@odata.context": item_context(request, drive, "/items/$entity")}
    return graph_json(payload | item_json(request, drive, item))


def drive_update_routes(prefix: str) -> list[Route]:
    """PATCH routes of one drive prefix (`/users/{u}/drive`, `/drives/{id}`...)."""
    return [
        Route(prefix + "/items/{item}", update_item, methods=["PATCH"]),
        Route(prefix + "/root:/{path:path}", update_item, methods=["PATCH"]),
    ]
