"""driveItem and drive JSON as OneDrive for Business returns them, and the
pre-authenticated download links `/content` redirects to."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any
from urllib.parse import quote

from starlette.requests import Request

from sandbox.graph.directory import (
    USERS,
    GraphContext,
    drive_items_of,
    graph_context,
    mailbox_address,
)
from sandbox.graph.drive_items import ancestry, children
from sandbox.graph.http import base_url
from sandbox.state import Doc

DOWNLOAD_LINK_SECONDS = 3600


def _identity(context: GraphContext, drive: Doc) -> dict[str, Any]:
    owner = context.store.get(USERS, drive["_ownerId"]) or {}
    user = {
        "email": mailbox_address(owner),
        "id": owner.get("id"),
        "displayName": owner.get("displayName"),
    }
    return {"user": user} if owner else {"user": {"displayName": "System Account"}}


def _site_root(request: Request, drive: Doc) -> str:
    return f"{base_url(request)}/personal/{drive['_slug']}"


def drive_json(request: Request, drive: Doc) -> dict[str, Any]:
    context = graph_context(request)
    public = {key: value for key, value in drive.items() if not key.startswith("_")}
    used = sum(item.get("size", 0) for item in context.store.iter(drive_items_of(drive["id"])))
    total = 1024**4
    return public | {
        "webUrl": f"{_site_root(request, drive)}/Documents",
        "createdBy": {"user": {"displayName": "System Account"}},
        "owner": _identity(context, drive),
        "quota": {
            "deleted": 0,
            "remaining": total - used,
            "state": "normal",
            "total": total,
            "used": used,
        },
    }


def item_json(request: Request, drive: Doc, item: Doc) -> dict[str, Any]:
    """A driveItem: identity, tags, parentReference with its path, and its facet."""
    context = graph_context(request)
    folders = ancestry(context.store, drive, item)
    names = [folder["name"] for folder in folders]
    shaped: dict[str, Any] = {}
    if "file" in item:
        shaped["@microsoft.graph.downloadUrl"] = download_url(request, context, drive, item)
    shaped |= {
        "createdDateTime": item["createdDateTime"],
        "eTag": etag(item),
        "id": item["id"],
        "lastModifiedDateTime": item["lastModifiedDateTime"],
        "name": item["name"],
        "webUrl": _web_url(request, drive, item, names),
        "cTag": ctag(item),
        "size": item.get("size", 0),
        "createdBy": _identity(context, drive),
        "lastModifiedBy": _identity(context, drive),
        "parentReference": _parent_reference(drive, item, folders),
        "fileSystemInfo": {
            "createdDateTime": item["createdDateTime"],
            "lastModifiedDateTime": item["lastModifiedDateTime"],
        },
    }
    if "file" in item:
        shaped["file"] = item["file"]
    else:
        shaped["folder"] = {"childCount": len(children(context.store, drive, item))}
    if "root" in item:
        shaped["root"] = {}
    return shaped


def _tag(item: Doc) -> str:
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_OID, item["id"])).upper() + "}"


def etag(item: Doc) -> str:
    """Moves on any change of the item (metadata or content)."""
    return f'"{_tag(item)},{item.get("_version", 1)}"'


def ctag(item: Doc) -> str:
    """Moves only when the content changes."""
    return f'"c:{_tag(item)},{item.get("_contentVersion", item.get("_version", 1))}"'


def _web_url(request: Request, drive: Doc, item: Doc, names: list[str]) -> str:
    documents = f"{_site_root(request, drive)}/Documents"
    if "root" in item:
        return documents
    return "/".join([documents, *(quote(name) for name in [*names, item["name"]])])


def _parent_reference(drive: Doc, item: Doc, folders: list[Doc]) -> dict[str, Any]:
    reference: dict[str, Any] = {"driveType": drive["driveType"], "driveId": drive["id"]}
    if "root" in item:
        return reference
    reference["id"] = item["_parentId"]
    reference["name"] = folders[-1]["name"] if folders else "root"
    reference["path"] = "/drive/root:" + "".join(f"/{folder['name']}" for folder in folders)
    return reference


def download_url(request: Request, context: GraphContext, drive: Doc, item: Doc) -> str:
    """A short-lived link that serves the file's bytes without a bearer token."""
    claims = {"d": drive["id"], "i": item["id"], "e": int(time.time()) + DOWNLOAD_LINK_SECONDS}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    signature = hmac.new(context.signing_key, payload.encode(), hashlib.sha256).hexdigest()
    unique_id = uuid.uuid5(uuid.NAMESPACE_OID, item["id"])
    return (
        f"{_site_root(request, drive)}/_layouts/15/download.aspx"
        f"?UniqueId={unique_id}&tempauth={payload}.{signature}"
    )


def read_download_token(context: GraphContext, token: str) -> tuple[str, str] | None:
    """(drive id, item id) of a valid, unexpired download token, else None."""
    payload, _, signature = token.partition(".")
    expected = hmac.new(context.signing_key, payload.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(signature, expected):
        return None
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    if claims["e"] < time.time():
        return None
    return str(claims["d"]), str(claims["i"])
