"""Replying to and forwarding mail: `createReply`, `createReplyAll`, `createForward`
(a draft in Drafts, 201) and `reply`, `replyAll`, `forward` (sent at once, 202).

As Outlook does: the subject gets "RE: " or "FW: " (once), a reply goes to
the sender (or the message's replyTo), reply-all also to the other to and cc
recipients but never to oneself, a forward carries the attachments, and the
body is HTML with the optional `comment` above the quoted original. The new
message stays in the original's conversation. An optional `message` in the
request body sets further properties (say, toRecipients of a forward).
"""

from __future__ import annotations

import html
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.graph.directory import (
    attachments_of,
    email_address,
    graph_context,
    mailbox_address,
    mailbox_owner,
    now_iso,
    public,
)
from sandbox.graph.errors import bad_request
from sandbox.graph.http import context_url, graph_json, read_json, segment
from sandbox.graph.mail_model import find_message, shape_message
from sandbox.graph.sendmail import check_recipients, deliver, file_copy
from sandbox.state import Doc

_KINDS = {
    "createReply": ("RE: ", "reply"),
    "createReplyAll": ("RE: ", "replyAll"),
    "createForward": ("FW: ", "forward"),
    "reply": ("RE: ", "reply"),
    "replyAll": ("RE: ", "replyAll"),
    "forward": ("FW: ", "forward"),
}
_WRITABLE = frozenset({"comment", "message", "toRecipients"})


def _address(recipient: Any) -> str:
    return str(((recipient or {}).get("emailAddress") or {}).get("address") or "").lower()


def _without(recipients: list[Any], excluded: set[str]) -> list[Any]:
    """Recipients minus `excluded` addresses and duplicates, in order."""
    kept: list[Any] = []
    for recipient in recipients:
        if _address(recipient) not in excluded:
            kept.append(recipient)
            excluded = excluded | {_address(recipient)}
    return kept


def _quoted(original: Doc, comment: str) -> dict[str, str]:
    body = original.get("body") or {}
    content = str(body.get("content") or "")
    if str(body.get("contentType", "")).lower() != "html":
        content = f"<pre>{html.escape(content)}</pre>"
    sender = ((original.get("from") or {}).get("emailAddress") or {}).get("name") or _address(
        original.get("from")
    )
    header = (
        f"<b>From:</b> {html.escape(str(sender))}<br><b>Sent:</b> {original.get('sentDateTime')}"
        f"<br><b>Subject:</b> {html.escape(str(original.get('subject') or ''))}"
    )
    quoted = f"<div>{html.escape(comment)}</div><hr>{header}<br>{content}"
    return {"contentType": "html", "content": f"<html><body>{quoted}</body></html>"}


def _answer(original: Doc, owner: Doc, action: str, request_body: dict[str, Any]) -> Doc:
    """The reply or forward of `original` written by `owner`, not yet stored."""
    prefix, kind = _KINDS[action]
    subject = str(original.get("subject") or "")
    if not subject.upper().startswith(prefix.strip().upper()):
        subject = prefix + subject
    me = {mailbox_address(owner).lower()}
    if kind == "forward":
        to: list[Any] = list(request_body.get("toRecipients") or [])
        cc: list[Any] = []
    else:
        to = _without(original.get("replyTo") or [original.get("from")], me)
        cc = []
        if kind == "replyAll":
            to = _without([*to, *(original.get("toRecipients") or [])], me)
            cc = _without(original.get("ccRecipients") or [], me | {_address(r) for r in to})
    answer = {
        "subject": subject,
        "body": _quoted(original, str(request_body.get("comment") or "")),
        "toRecipients": to,
        "ccRecipients": cc,
        "conversationId": original.get("conversationId"),
        "_conversationId": original.get("conversationId"),
        "createdDateTime": now_iso(),
    }
    extra = request_body.get("message") or {}
    if not isinstance(extra, dict):
        raise bad_request("The 'message' property must be an object.")
    return answer | {k: v for k, v in extra.items() if not k.startswith("@")}


async def answer_message(request: Request) -> Response:
    owner = mailbox_owner(request)
    store = graph_context(request).store
    original = find_message(store, owner["id"], request.path_params["message"])
    action = request.url.path.rsplit("/", 1)[-1]
    request_body = await read_json(request) if (await request.body()).strip() else {}
    for name in request_body:
        if name not in _WRITABLE:
            raise bad_request(f"The parameter '{name}' is not valid for {action}.")
    answer = _answer(original, owner, action, request_body)
    attachments = []
    if _KINDS[action][1] == "forward":
        ids = original.get("_attachmentIds", [])
        found = (store.get(attachments_of(owner["id"]), aid) for aid in ids)
        attachments = [public(doc) for doc in found if doc is not None]
    if not action.startswith("create"):
        check_recipients(answer)
        deliver(store, owner, answer, attachments, save=True)
        return Response(status_code=202)
    draft = answer | {"isDraft": True, "isRead": True}
    draft["sender"] = {"emailAddress": email_address(owner)}
    stored = file_copy(store, owner, draft, "drafts", attachments)
    fragment = f"users('{segment(request.path_params['user'])}')/messages/$entity"
    context = {"@odata.context": context_url(request, fragment)}
    return graph_json(context | shape_message(request, stored, None), status=201)


def reply_routes() -> list[Route]:
    routes = []
    for prefix in ("/v1.0/users/{user}", "/v1.0/users/{user}/mailFolders/{folder}"):
        for action in _KINDS:
            path = f"{prefix}/messages/{{message}}/{action}"
            routes.append(Route(path, answer_message, methods=["POST"]))
    return routes
