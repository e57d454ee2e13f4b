"""File attachments of a message: list, read one, add one (as O365 does to drafts)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.graph.directory import (
    attachments_of,
    graph_context,
    mailbox_owner,
    messages_of,
    new_item_id,
    now_iso,
    public,
)
from sandbox.graph.errors import item_not_found
from sandbox.graph.http import context_url, graph_json, read_json, segment
from sandbox.graph.mail_model import find_message, touch_message
from sandbox.graph.sendmail import file_attachment


def _fragment(request: Request) -> str:
    user = segment(request.path_params["user"])
    message = segment(request.path_params["message"])
    return f"users('{user}')/messages('{message}')/attachments"


async def list_attachments(request: Request) -> Response:
    owner = mailbox_owner(request)
    store = graph_context(request).store
    message = find_message(store, owner["id"], request.path_params["message"])
    found = (
        store.get(attachments_of(owner["id"]), aid) for aid in message.get("_attachmentIds", [])
    )
    value = [public(doc) for doc in found if doc is not None]
    return graph_json({"@odata.context": context_url(request, _fragment(request)), "value": value})


async def get_attachment(request: Request) -> Response:
    owner = mailbox_owner(request)
    store = graph_context(request).store
    message = find_message(store, owner["id"], request.path_params["message"])
    attachment_id = request.path_params["attachment"]
    attachment = store.get(attachments_of(owner["id"]), attachment_id)
    if attachment is None or attachment_id not in message.get("_attachmentIds", []):
        raise item_not_found()
    body = {"@odata.context": context_url(request, f"{_fragment(request)}/$entity")}
    return graph_json(body | public(attachment))


async def add_attachment(request: Request) -> Response:
    owner = mailbox_owner(request)
    store = graph_context(request).store
    message = find_message(store, owner["id"], request.path_params["message"])
    attachment = file_attachment(await read_json(request))
    attachment |= {"id": new_item_id(owner["id"], "attachment"), "lastModifiedDateTime": now_iso()}
    store.put(attachments_of(owner["id"]), attachment["id"], attachment)
    updated = message | {
        "_attachmentIds": [*message.get("_attachmentIds", []), attachment["id"]],
        "lastModifiedDateTime": now_iso(),
    }
    store.put(messages_of(owner["id"]), updated["id"], touch_message(updated))
    body = {"@odata.context": context_url(request, f"{_fragment(request)}/$entity")}
    return graph_json(body | attachment, status=201)


def attachment_routes() -> list[Route]:
    collection = "/v1.0/users/{user}/messages/{message}/attachments"
    return [
        Route(collection, list_attachments, methods=["GET"]),
        Route(collection, add_attachment, methods=["POST"]),
        Route(f"{collection}/{{attachment}}", get_attachment, methods=["GET"]),
    ]
