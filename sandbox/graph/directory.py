"""Where the tenant lives in the store, and how paths name its users.

Every collection is partitioned by its owner (a user's messages, a list's
tasks, a drive's items), so a request scans only what it could return.
Documents keep Graph's JSON shape; keys starting with `_` are the stand-in's
own bookkeeping and never leave it.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request

from sandbox.graph.changes import next_seq
from sandbox.graph.errors import invalid_mailbox_user
from sandbox.ids import graph_item_id
from sandbox.state import Doc, DocStore

USERS = "graph/users"
TENANT = "graph/tenant"
TOKENS = "graph/tokens"
DRIVES = "graph/drives"


def folders_of(user_id: str) -> str:
    return f"graph/mail_folders/{user_id}"


def messages_of(user_id: str) -> str:
    return f"graph/messages/{user_id}"


def attachments_of(user_id: str) -> str:
    return f"graph/attachments/{user_id}"


def events_of(user_id: str) -> str:
    return f"graph/events/{user_id}"


def todo_lists_of(user_id: str) -> str:
    return f"graph/todo_lists/{user_id}"


def todo_tasks_of(list_id: str) -> str:
    return f"graph/todo_tasks/{list_id}"


def linked_resources_of(task_id: str) -> str:
    return f"graph/linked_resources/{task_id}"


def mailbox_settings_of(user_id: str) -> str:
    return f"graph/mailbox_settings/{user_id}"


def checklist_items_of(task_id: str) -> str:
    return f"graph/checklist_items/{task_id}"


def drive_items_of(drive_id: str) -> str:
    return f"graph/drive_items/{drive_id}"


def drive_content_of(drive_id: str) -> str:
    return f"graph/drive_content/{drive_id}"


@dataclass(frozen=True)
class GraphContext:
    """What every route needs: the store and the one app registration it trusts."""

    store: DocStore
    tenant_id: str
    client_id: str
    client_secret: str
    token_lifetime_seconds: int
    #: The app's registered certificate (PEM), for client assertions; None: secret only.
    client_certificate_pem: bytes | None = None

    @property
    def signing_key(self) -> bytes:
        """Key for token and download-link signatures, stable across restarts."""
        return hashlib.sha256(f"{self.tenant_id}/{self.client_secret}".encode()).digest()

    def tenant_domain(self) -> str:
        tenant = self.store.get(TENANT, "tenant")
        return str(tenant["domain"]) if tenant else "sandbox.onmicrosoft.com"


def graph_context(request: Request) -> GraphContext:
    context: GraphContext = request.app.state.graph
    return context


def now_iso() -> str:
    """Now, as Graph writes DateTimeOffset values (UTC, seconds, `Z`)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_item_id(*parts: str) -> str:
    """A fresh opaque id for an item a client creates."""
    return graph_item_id(*parts, uuid.uuid4().hex)


def change_key(doc: Doc) -> str:
    """An Outlook-style change key that moves whenever the item is modified."""
    seed = f"{doc.get('id')}/{doc.get('lastModifiedDateTime')}/{doc.get('_version', 0)}"
    return hashlib.sha256(seed.encode()).hexdigest()[:28].upper()


def stamp(doc: Doc) -> Doc:
    """Mark `doc` as modified: bump its version, change key and delta sequence (in place)."""
    doc["_version"] = int(doc.get("_version", 0)) + 1
    doc["_seq"] = next_seq()
    doc.setdefault("_born", doc["_seq"])  # the sequence it was first written at
    doc["changeKey"] = change_key(doc)
    return doc


def public(doc: Doc) -> dict[str, Any]:
    """The document without the stand-in's bookkeeping keys."""
    return {key: value for key, value in doc.items() if not key.startswith("_")}


def find_user(store: DocStore, key: str) -> Doc | None:
    """The user whose id or userPrincipalName is `key` (case-insensitive)."""
    wanted = key.lower()
    by_id = store.get(USERS, wanted)
    if by_id is not None:
        return by_id
    for user in store.iter(USERS):
        if str(user.get("userPrincipalName", "")).lower() == wanted:
            return user
    return None


def find_user_by_address(store: DocStore, address: str) -> Doc | None:
    """The tenant user reachable at an email address (mail or UPN)."""
    wanted = address.strip().lower()
    for user in store.iter(USERS):
        if wanted in (str(user.get("mail") or "").lower(), str(user["userPrincipalName"]).lower()):
            return user
    return None


def mailbox_owner(request: Request) -> Doc:
    """The user a mailbox path (`/users/{user}/...`) names, or Exchange's 404."""
    key = request.path_params["user"]
    user = find_user(graph_context(request).store, key)
    if user is None:
        raise invalid_mailbox_user(key)
    return user


def email_address(user: Doc) -> dict[str, str]:
    return {"name": str(user.get("displayName") or ""), "address": mailbox_address(user)}


def mailbox_address(user: Doc) -> str:
    return str(user.get("mail") or user["userPrincipalName"])
