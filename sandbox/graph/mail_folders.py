"""The mail folder tree: list, create, rename, move and delete folders; copy messages.

`GET /mailFolders` lists the top of the tree (the children of the hidden
message-folder root), `.../childFolders` one folder's children, each with live
item counts and `childFolderCount`. A folder's name is unique among its
siblings (409 `ErrorFolderExists`). Deleting a folder moves it, with
everything in it, under Deleted Items, as Outlook does; well-known folders
cannot be deleted or moved. Moving a folder keeps its id. `POST
.../messages/{id}/copy` files a copy under a new id and keeps the original.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.graph.directory import (
    attachments_of,
    folders_of,
    graph_context,
    mailbox_owner,
    messages_of,
    new_item_id,
    now_iso,
)
from sandbox.graph.errors import GraphError, bad_request, unknown_body_property
from sandbox.graph.http import context_url, graph_json, no_content, read_json, segment
from sandbox.graph.mail_model import (
    find_folder,
    find_message,
    folder_id,
    shape_folder,
    shape_message,
    touch_message,
)
from sandbox.graph.query import (
    Paging,
    page_response,
    parse_collection_query,
    parse_entity_options,
    select_suffix,
)
from sandbox.graph.schema import MAIL_FOLDER
from sandbox.state import Doc, DocStore

FOLDER_PAGING = Paging(default_size=10, max_size=250)
ROOT = "msgfolderroot"
_WRITABLE = frozenset({"displayName", "isHidden"})


def _fragment(request: Request) -> str:
    return f"users('{segment(request.path_params['user'])}')"


def _children(store: DocStore, owner_id: str, parent_id: str) -> list[Doc]:
    return [f for f in store.all(folders_of(owner_id)) if f.get("parentFolderId") == parent_id]


def _shape(store: DocStore, owner_id: str, folder: Doc) -> dict[str, Any]:
    count = len(_children(store, owner_id, folder["id"]))
    return shape_folder(store, owner_id, folder | {"childFolderCount": count})


def _listing(request: Request, parent_id: str, navigation: str) -> Response:
    owner = mailbox_owner(request)
    store = graph_context(request).store
    query = parse_collection_query(request, MAIL_FOLDER, FOLDER_PAGING)
    folders = query.apply(_children(store, owner["id"], parent_id))
    fragment = f"{_fragment(request)}/{navigation}{select_suffix(query.select)}"
    return page_response(
        request,
        folders,
        query,
        FOLDER_PAGING,
        context_url(request, fragment),
        lambda folder: _shape(store, owner["id"], folder),
    )


async def list_top_folders(request: Request) -> Response:
    return _listing(request, folder_id(mailbox_owner(request)["id"], ROOT), "mailFolders")


async def list_child_folders(request: Request) -> Response:
    owner = mailbox_owner(request)
    parent = find_folder(graph_context(request).store, owner["id"], request.path_params["folder"])
    return _listing(request, parent["id"], f"mailFolders('{parent['id']}')/childFolders")


async def get_folder(request: Request) -> Response:
    owner = mailbox_owner(request)
    store = graph_context(request).store
    folder = find_folder(store, owner["id"], request.path_params["folder"])
    parse_entity_options(request, MAIL_FOLDER)
    body = {"@odata.context": context_url(request, f"{_fragment(request)}/mailFolders/$entity")}
    return graph_json(body | _shape(store, owner["id"], folder))


def _checked_name(store: DocStore, owner_id: str, parent_id: str, body: dict[str, Any]) -> str:
    for key in body:
        if not key.startswith("@") and key not in _WRITABLE:
            raise unknown_body_property(key, "mailFolder")
    name = body.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise bad_request("The displayName property is required.", "ErrorInvalidRequest")
    _ensure_free(store, owner_id, parent_id, name)
    return name


def _ensure_free(store: DocStore, owner_id: str, parent_id: str, name: str) -> None:
    """Folder names are unique among siblings (case-insensitive)."""
    taken = {str(f.get("displayName")).lower() for f in _children(store, owner_id, parent_id)}
    if name.lower() in taken:
        message = "A folder with the specified name already exists."
        raise GraphError(409, "ErrorFolderExists", message)


async def create_folder(request: Request) -> Response:
    """POST /mailFolders (a top folder) or .../{f}/childFolders: 201 with the folder."""
    owner = mailbox_owner(request)
    store = graph_context(request).store
    if "folder" in request.path_params:
        parent_id = find_folder(store, owner["id"], request.path_params["folder"])["id"]
    else:
        parent_id = folder_id(owner["id"], ROOT)
    body = await read_json(request)
    folder = {
        "id": new_item_id(owner["id"], "mailFolder"),
        "displayName": _checked_name(store, owner["id"], parent_id, body),
        "parentFolderId": parent_id,
        "childFolderCount": 0,
        "isHidden": bool(body.get("isHidden", False)),
    }
    store.put(folders_of(owner["id"]), folder["id"], folder)
    context = {"@odata.context": context_url(request, f"{_fragment(request)}/mailFolders/$entity")}
    return graph_json(context | _shape(store, owner["id"], folder), status=201)


def _own_folder(request: Request, verb: str = "Delete") -> tuple[str, DocStore, Doc]:
    """The addressed folder, refused when it is a well-known one."""
    owner = mailbox_owner(request)
    store = graph_context(request).store
    folder = find_folder(store, owner["id"], request.path_params["folder"])
    if folder.get("_wellKnownName"):
        message = f"Distinguished folders cannot be {verb.lower()}d."
        raise GraphError(400, f"Error{verb}DistinguishedFolder", message)
    return owner["id"], store, folder


async def rename_folder(request: Request) -> Response:
    owner_id, store, folder = _own_folder(request, "Rename")
    body = await read_json(request)
    if "displayName" in body:
        body["displayName"] = _checked_name(store, owner_id, folder["parentFolderId"], body)
    folder.update({k: v for k, v in body.items() if not k.startswith("@")})
    store.put(folders_of(owner_id), folder["id"], folder)
    context = {"@odata.context": context_url(request, f"{_fragment(request)}/mailFolders/$entity")}
    return graph_json(context | _shape(store, owner_id, folder))


def _refile(store: DocStore, owner_id: str, folder: Doc, parent_id: str) -> Doc:
    _ensure_free(store, owner_id, parent_id, str(folder.get("displayName")))
    folder["parentFolderId"] = parent_id
    store.put(folders_of(owner_id), folder["id"], folder)
    return folder


async def move_folder(request: Request) -> Response:
    """POST .../mailFolders/{f}/move `{"destinationId"}`: the folder, same id, new parent."""
    owner_id, store, folder = _own_folder(request, "Move")
    destination = (await read_json(request)).get("destinationId")
    if not isinstance(destination, str) or not destination:
        raise GraphError(400, "ErrorInvalidIdMalformed", "Id is malformed.")
    target = find_folder(store, owner_id, destination)
    moved = _refile(store, owner_id, folder, target["id"])
    context = {"@odata.context": context_url(request, f"{_fragment(request)}/mailFolders/$entity")}
    return graph_json(context | _shape(store, owner_id, moved), status=201)


async def delete_folder(request: Request) -> Response:
    owner_id, store, folder = _own_folder(request)
    _refile(store, owner_id, folder, folder_id(owner_id, "deleteditems"))
    return no_content()


def _copied_attachments(store: DocStore, owner_id: str, message: Doc) -> list[str]:
    """Fresh copies of a message's attachments (each copy owns its own)."""
    copied = []
    for attachment_id in message.get("_attachmentIds", []):
        attachment = store.get(attachments_of(owner_id), attachment_id)
        if attachment is not None:
            duplicate = attachment | {"id": new_item_id(owner_id, "attachment")}
            store.put(attachments_of(owner_id), duplicate["id"], duplicate)
            copied.append(duplicate["id"])
    return copied


async def copy_message(request: Request) -> Response:
    """POST .../messages/{id}/copy `{"destinationId"}`: 201 with the copy (a new id)."""
    owner = mailbox_owner(request)
    store = graph_context(request).store
    message = find_message(store, owner["id"], request.path_params["message"])
    destination = (await read_json(request)).get("destinationId")
    if not isinstance(destination, str) or not destination:
        raise GraphError(400, "ErrorInvalidIdMalformed", "Id is malformed.")
    target = find_folder(store, owner["id"], destination)
    copy = message | {
        "id": new_item_id(owner["id"], "message"),
        "parentFolderId": target["id"],
        "createdDateTime": now_iso(),
        "lastModifiedDateTime": now_iso(),
        "_attachmentIds": _copied_attachments(store, owner["id"], message),
    }
    store.put(messages_of(owner["id"]), copy["id"], touch_message(copy))
    context = {"@odata.context": context_url(request, f"{_fragment(request)}/messages/$entity")}
    return graph_json(context | shape_message(request, copy, None), status=201)


def mail_folder_routes() -> list[Route]:
    base = "/v1.0/users/{user}/mailFolders"
    routes = [
        Route(base, list_top_folders, methods=["GET"]),
        Route(base, create_folder, methods=["POST"]),
        Route(base + "/{folder}", get_folder, methods=["GET"]),
        Route(base + "/{folder}", rename_folder, methods=["PATCH"]),
        Route(base + "/{folder}", delete_folder, methods=["DELETE"]),
        Route(base + "/{folder}/move", move_folder, methods=["POST"]),
        Route(base + "/{folder}/childFolders", list_child_folders, methods=["GET"]),
        Route(base + "/{folder}/childFolders", create_folder, methods=["POST"]),
    ]
    for prefix in ("/v1.0/users/{user}", base + "/{folder}"):
        routes.append(Route(prefix + "/messages/{message}/copy", copy_message, methods=["POST"]))
    return routes
