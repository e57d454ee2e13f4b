"""OneDrive for Business documents: drives, the item tree, file bytes.

Items form a tree through `_parentId`; names are unique per folder ignoring
case, as in OneDrive. File bytes live base64-encoded in a separate
collection. `_version` (the eTag) moves on every change, `_contentVersion`
(the cTag) only when the bytes change. Name conflicts
follow `@microsoft.graph.conflictBehavior`: fail (409 nameAlreadyExists),
replace, or rename ("Report 1.xlsx").
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import uuid
from pathlib import PurePosixPath

from sandbox.graph.directory import DRIVES, drive_content_of, drive_items_of, now_iso
from sandbox.graph.errors import GraphError
from sandbox.state import Doc, DocStore

_ILLEGAL_NAME_CHARACTERS = set('"*:<>?/\\|')
CONFLICT_BEHAVIOURS = ("fail", "replace", "rename")


def drive_id_of(user_id: str) -> str:
    digest = hashlib.sha256(f"drive/{user_id}".encode()).digest()
    return "b!" + base64.urlsafe_b64encode(digest + digest[:16]).decode()


def _item_id(*parts: str) -> str:
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    return "01" + base64.b32encode(digest).decode()[:32]


def new_drive(user: Doc, created: str) -> tuple[Doc, Doc]:
    """An empty OneDrive for `user`: the drive document and its root folder."""
    drive_id = drive_id_of(user["id"])
    root = {
        "id": _item_id(drive_id, "root"),
        "name": "root",
        "createdDateTime": created,
        "lastModifiedDateTime": created,
        "size": 0,
        "folder": {},
        "root": {},
        "_parentId": None,
        "_version": 1,
    }
    slug = str(user["userPrincipalName"]).lower().replace("@", "_").replace(".", "_")
    drive = {
        "id": drive_id,
        "driveType": "business",
        "name": "OneDrive",
        "description": "",
        "createdDateTime": created,
        "lastModifiedDateTime": created,
        "_ownerId": user["id"],
        "_rootId": root["id"],
        "_slug": slug,
    }
    return drive, root


def save_drive(store: DocStore, drive: Doc, root: Doc) -> None:
    store.put(DRIVES, drive["id"], drive)
    store.put(drive_items_of(drive["id"]), root["id"], root)


def find_item(store: DocStore, drive: Doc, item_id: str) -> Doc | None:
    """An item by id; `root` names the drive's root folder, as on Graph."""
    key = drive["_rootId"] if item_id.lower() == "root" else item_id
    return store.get(drive_items_of(drive["id"]), key)


def children(store: DocStore, drive: Doc, parent: Doc) -> list[Doc]:
    items = store.all(drive_items_of(drive["id"]))
    return [item for item in items if item.get("_parentId") == parent["id"]]


def _child_named(store: DocStore, drive: Doc, parent: Doc, name: str) -> Doc | None:
    wanted = name.lower()
    return next((c for c in children(store, drive, parent) if c["name"].lower() == wanted), None)


def resolve_path(store: DocStore, drive: Doc, path: str) -> Doc | None:
    """The item at a drive path such as `/Reports/2026/pipeline.xlsx`."""
    item = find_item(store, drive, "root")
    for name in _path_names(path):
        if item is None or "folder" not in item:
            return None
        item = _child_named(store, drive, item, name)
    return item


def ancestry(store: DocStore, drive: Doc, item: Doc) -> list[Doc]:
    """The folders from the root (excluded) down to `item`'s parent."""
    chain: list[Doc] = []
    parent_id = item.get("_parentId")
    while parent_id and parent_id != drive["_rootId"]:
        parent = store.get(drive_items_of(drive["id"]), parent_id)
        if parent is None:
            break
        chain.insert(0, parent)
        parent_id = parent.get("_parentId")
    return chain


def _path_names(path: str) -> list[str]:
    return [name for name in path.strip().rstrip(":").split("/") if name]


def check_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise GraphError(400, "invalidRequest", "The name of the item is required.")
    if set(name) & _ILLEGAL_NAME_CHARACTERS or name.endswith((" ", ".")):
        raise GraphError(
            400, "invalidRequest", f"The provided name '{name}' contains illegal characters."
        )
    return name


def check_conflict_behaviour(value: object, default: str) -> str:
    behaviour = str(value or default)
    if behaviour not in CONFLICT_BEHAVIOURS:
        raise GraphError(
            400, "invalidRequest", f"Invalid value '{behaviour}' for conflictBehavior."
        )
    return behaviour


def _free_name(store: DocStore, drive: Doc, parent: Doc, name: str) -> str:
    stem, suffix = PurePosixPath(name).stem, PurePosixPath(name).suffix
    number = 1
    while _child_named(store, drive, parent, f"{stem} {number}{suffix}") is not None:
        number += 1
    return f"{stem} {number}{suffix}"


def _place(
    store: DocStore, drive: Doc, parent: Doc, name: str, behaviour: str
) -> tuple[str, Doc | None]:
    """The name to use under `parent`, and the existing item a replace overwrites."""
    existing = _child_named(store, drive, parent, name)
    if existing is None:
        return name, None
    if behaviour == "fail":
        raise GraphError(409, "nameAlreadyExists", "The specified item name already exists.")
    if behaviour == "rename":
        return _free_name(store, drive, parent, name), None
    return existing["name"], existing


def create_folder(store: DocStore, drive: Doc, parent: Doc, name: object, behaviour: str) -> Doc:
    """A new folder under `parent` (a replaced folder loses its contents)."""
    folder_name, existing = _place(store, drive, parent, check_name(name), behaviour)
    if existing is not None:
        delete_item(store, drive, existing)
    now = now_iso()
    folder = {
        "id": _item_id(drive["id"], uuid.uuid4().hex),
        "name": folder_name,
        "createdDateTime": now,
        "lastModifiedDateTime": now,
        "size": 0,
        "folder": {},
        "_parentId": parent["id"],
        "_version": 1,
    }
    store.put(drive_items_of(drive["id"]), folder["id"], folder)
    return folder


def ensure_folders(store: DocStore, drive: Doc, names: list[str]) -> Doc:
    """The folder at `names` below the root, creating the missing ones."""
    folder = find_item(store, drive, "root")
    assert folder is not None
    for name in names:
        child = _child_named(store, drive, folder, name)
        if child is not None and "folder" not in child:
            raise GraphError(409, "nameAlreadyExists", "The specified item name already exists.")
        folder = child or create_folder(store, drive, folder, name, "fail")
    return folder


def put_file(
    store: DocStore, drive: Doc, parent: Doc, name: str, content: bytes, behaviour: str
) -> tuple[Doc, bool]:
    """Store a file's bytes under `parent`; returns the item and whether it is new."""
    if "folder" not in parent:
        raise GraphError(400, "invalidRequest", "The parent of a file must be a folder.")
    name, existing = _place(store, drive, parent, check_name(name), behaviour)
    if existing is not None and "folder" in existing:
        raise GraphError(409, "nameAlreadyExists", "The specified item name already exists.")
    now = now_iso()
    mime_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    item = existing or {"id": _item_id(drive["id"], uuid.uuid4().hex), "createdDateTime": now}
    item = item | {
        "name": name,
        "lastModifiedDateTime": now,
        "size": len(content),
        "file": {"mimeType": mime_type},
        "_parentId": parent["id"],
        "_version": int(item.get("_version", 0)) + 1,
        "_contentVersion": int(item.get("_contentVersion", 0)) + 1,
    }
    store.put(drive_items_of(drive["id"]), item["id"], item)
    store.put(
        drive_content_of(drive["id"]), item["id"], {"base64": base64.b64encode(content).decode()}
    )
    return item, existing is None


def file_bytes(store: DocStore, drive: Doc, item: Doc) -> bytes:
    stored = store.get(drive_content_of(drive["id"]), item["id"])
    return base64.b64decode(stored["base64"]) if stored else b""


def delete_item(store: DocStore, drive: Doc, item: Doc) -> None:
    """Remove an item and, for a folder, everything below it."""
    for child in children(store, drive, item):
        delete_item(store, drive, child)
    store.delete(drive_items_of(drive["id"]), item["id"])
    store.delete(drive_content_of(drive["id"]), item["id"])
