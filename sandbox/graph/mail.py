"""Reading and filing mail: messages and mail folders of a user's mailbox.

`GET /users/{u}/messages` and `/mailFolders/{f}/messages` page 10 at a time
(up to 1000) with `$skip` nextLinks, newest first, and enforce Exchange's
rule that `$orderby` properties lead the `$filter`. `POST .../move` files a
message in another folder (folders themselves: mail_folders.py). Deleting a message moves
it to Deleted Items under a new id, as Exchange does; deleting it there
removes it for good. Both leave a tombstone for the folder the message left,
so that folder's message delta reports it `@removed`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.graph.changes import remove
from sandbox.graph.directory import (
    attachments_of,
    graph_context,
    mailbox_owner,
    messages_of,
    new_item_id,
    now_iso,
)
from sandbox.graph.errors import GraphError, item_not_found, unknown_body_property
from sandbox.graph.expand import entity_expansions, with_expansions
from sandbox.graph.http import context_url, graph_json, no_content, read_json, segment
from sandbox.graph.mail_model import (
    find_folder,
    find_message,
    folder_id,
    shape_message,
    touch_message,
)
from sandbox.graph.odata import OrderKey
from sandbox.graph.query import (
    Paging,
    page_response,
    parse_collection_query,
    parse_entity_options,
    select_suffix,
)
from sandbox.graph.schema import MESSAGE
from sandbox.state import Doc, DocStore

MESSAGE_PAGING = Paging(default_size=10, max_size=1000)
NEWEST_FIRST = [OrderKey(("receivedDateTime",), True)]

_ALWAYS_UPDATABLE = frozenset(
    {"isRead", "categories", "importance", "flag", "inferenceClassification"}
)
_DRAFT_UPDATABLE = frozenset(
    {
        *("subject", "body", "toRecipients", "ccRecipients", "bccRecipients", "replyTo"),
        *("from", "sender", "internetMessageId", "internetMessageHeaders"),
        *("isDeliveryReceiptRequested", "isReadReceiptRequested"),
    }
)


def _mailbox_fragment(request: Request) -> str:
    return f"users('{segment(request.path_params['user'])}')"


async def list_messages(request: Request) -> Response:
    owner = mailbox_owner(request)
    store = graph_context(request).store
    query = parse_collection_query(request, MESSAGE, MESSAGE_PAGING, orderby_follows_filter=True)
    messages = store.all(messages_of(owner["id"]))
    fragment = f"{_mailbox_fragment(request)}/messages"
    if "folder" in request.path_params:
        folder = find_folder(store, owner["id"], request.path_params["folder"])
        messages = [m for m in messages if m["parentFolderId"] == folder["id"]]
        folder_key = segment(request.path_params["folder"])
        fragment = f"{_mailbox_fragment(request)}/mailFolders('{folder_key}')/messages"
    messages = query.apply(messages, NEWEST_FIRST)
    context = context_url(request, fragment + select_suffix(query.select))
    return page_response(
        request,
        messages,
        query,
        MESSAGE_PAGING,
        context,
        lambda message: shape_message(request, message, query.select),
    )


def _addressed_message(request: Request) -> tuple[Doc, Doc]:
    """The mailbox owner and the message the path names (checking its folder if given)."""
    owner = mailbox_owner(request)
    store = graph_context(request).store
    message = find_message(store, owner["id"], request.path_params["message"])
    if "folder" in request.path_params:
        folder = find_folder(store, owner["id"], request.path_params["folder"])
        if message["parentFolderId"] != folder["id"]:
            raise item_not_found()
    return owner, message


async def get_message(request: Request) -> Response:
    _, message = _addressed_message(request)
    select, _ = parse_entity_options(request, MESSAGE)
    fragment = f"{_mailbox_fragment(request)}/messages{select_suffix(select)}/$entity"
    body = {"@odata.context": context_url(request, fragment)}
    shaped = shape_message(request, message, select)
    return graph_json(body | with_expansions(shaped, message, entity_expansions(request, MESSAGE)))


async def update_message(request: Request) -> Response:
    owner, message = _addressed_message(request)
    body = await read_json(request)
    changes = {name: value for name, value in body.items() if not name.startswith("@")}
    for name in changes:
        _check_updatable(name, message)
    updated = message | changes | {"lastModifiedDateTime": now_iso()}
    graph_context(request).store.put(
        messages_of(owner["id"]), updated["id"], touch_message(updated)
    )
    fragment = f"{_mailbox_fragment(request)}/messages/$entity"
    body = {"@odata.context": context_url(request, fragment)}
    return graph_json(body | shape_message(request, updated, None))


def _check_updatable(name: str, message: Doc) -> None:
    if name in _ALWAYS_UPDATABLE:
        return
    if name not in MESSAGE.properties:
        raise unknown_body_property(name, "message")
    if name not in _DRAFT_UPDATABLE:
        raise GraphError(
            400, "ErrorInvalidPropertySet", f"The property '{name}' is read-only and can't be set."
        )
    if not message.get("isDraft"):
        raise GraphError(
            400,
            "ErrorInvalidPropertyUpdateSentMessage",
            "Update operation is invalid for property of a sent message.",
        )


async def delete_message(request: Request) -> Response:
    owner, message = _addressed_message(request)
    store = graph_context(request).store
    trash = folder_id(owner["id"], "deleteditems")
    if message["parentFolderId"] == trash:
        remove(store, messages_of(owner["id"]), message["id"], parentFolderId=trash)
        for attachment_id in message.get("_attachmentIds", []):
            store.delete(attachments_of(owner["id"]), attachment_id)
    else:
        move_message(store, owner["id"], message, trash)
    return no_content()


def move_message(store: DocStore, owner_id: str, message: Doc, target_folder_id: str) -> Doc:
    """File `message` in another folder; like Exchange, the moved item gets a new id."""
    moved = message | {
        "id": new_item_id(owner_id, "message"),
        "parentFolderId": target_folder_id,
        "lastModifiedDateTime": now_iso(),
    }
    remove(store, messages_of(owner_id), message["id"], parentFolderId=message["parentFolderId"])
    store.put(messages_of(owner_id), moved["id"], touch_message(moved))
    return moved


async def move_to_folder(request: Request) -> Response:
    """POST .../messages/{id}/move `{"destinationId"}` (id or well-known name): 201, new id."""
    owner, message = _addressed_message(request)
    store = graph_context(request).store
    body = await read_json(request)
    destination = body.get("destinationId")
    if not isinstance(destination, str) or not destination:
        raise GraphError(400, "ErrorInvalidIdMalformed", "Id is malformed.")
    target = find_folder(store, owner["id"], destination)
    moved = move_message(store, owner["id"], message, target["id"])
    fragment = f"{_mailbox_fragment(request)}/messages/$entity"
    shaped = {"@odata.context": context_url(request, fragment)}
    return graph_json(shaped | shape_message(request, moved, None), status=201)


def mail_routes() -> list[Route]:
    item_methods = {"GET": get_message, "PATCH": update_message, "DELETE": delete_message}
    routes = [
        Route("/v1.0/users/{user}/messages", list_messages, methods=["GET"]),
        Route("/v1.0/users/{user}/mailFolders/{folder}/messages", list_messages, methods=["GET"]),
    ]
    for prefix in ("/v1.0/users/{user}", "/v1.0/users/{user}/mailFolders/{folder}"):
        for method, handler in item_methods.items():
            routes.append(Route(f"{prefix}/messages/{{message}}", handler, methods=[method]))
        routes.append(
            Route(f"{prefix}/messages/{{message}}/move", move_to_folder, methods=["POST"])
        )
    return routes
