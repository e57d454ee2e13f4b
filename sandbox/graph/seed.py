"""Loading a seeded tenant: users, their mailboxes, calendars, To Do lists and drives."""

from __future__ import annotations

from sandbox.graph.directory import (
    TENANT,
    USERS,
    attachments_of,
    events_of,
    folders_of,
    messages_of,
    now_iso,
    stamp,
    todo_lists_of,
)
from sandbox.graph.drive_items import ensure_folders, new_drive, put_file, save_drive
from sandbox.graph.mail_model import body_preview, complete_message, mail_folders
from sandbox.ids import graph_item_id
from sandbox.seed.model import GraphSeed
from sandbox.state import Doc, DocStore


def load_seed(store: DocStore, seed: GraphSeed) -> None:
    """Write the seeded tenant: each user gets Inbox, Sent Items, Drafts and Deleted
    Items, their messages and events, their To Do lists (with a default "Tasks"
    list) and a OneDrive holding the seeded files."""
    now = now_iso()
    store.put(TENANT, "tenant", {"domain": seed.tenant_domain})
    store.put_many(USERS, [(str(user["id"]).lower(), user) for user in seed.users])
    for user in seed.users:
        _load_mailbox(store, user, seed.messages.get(user["id"], []), seed.tenant_domain)
        attachments = seed.attachments.get(user["id"], [])
        store.put_many(attachments_of(user["id"]), [(doc["id"], doc) for doc in attachments])
        events = [
            _complete_event(user, event, n)
            for n, event in enumerate(seed.events.get(user["id"], []))
        ]
        store.put_many(events_of(user["id"]), [(event["id"], event) for event in events])
        lists = _todo_lists(user, seed.todo_lists.get(user["id"], []))
        store.put_many(todo_lists_of(user["id"]), [(doc["id"], doc) for doc in lists])
        drive, root = new_drive(user, now)
        save_drive(store, drive, root)
        for path, content in seed.files.get(user["id"], []):
            *folders, name = [part for part in path.split("/") if part]
            put_file(store, drive, ensure_folders(store, drive, folders), name, content, "replace")


def _load_mailbox(store: DocStore, user: Doc, messages: list[Doc], domain: str) -> None:
    folders = mail_folders(user["id"])
    store.put_many(folders_of(user["id"]), folders)
    by_name = {folder["_wellKnownName"]: folder for _, folder in folders}
    stored = []
    for number, message in enumerate(messages):
        name = str(message.get("parentFolderId") or "inbox").lower()
        if name not in by_name:
            raise ValueError(f"seeded message in unknown folder {name!r}")
        raw = message | {
            "id": message.get("id") or graph_item_id(user["id"], "message", str(number))
        }
        stored.append(complete_message(raw, user, by_name[name], domain))
    store.put_many(messages_of(user["id"]), [(doc["id"], doc) for doc in stored])


def _complete_event(user: Doc, event: Doc, number: int) -> Doc:
    """A seeded event with the defaults Exchange fills in."""
    doc = dict(event)
    doc.setdefault("id", graph_item_id(user["id"], "event", str(number)))
    created = doc.get("createdDateTime") or now_iso()
    organizer = ((doc.get("organizer") or {}).get("emailAddress") or {}).get("address", "")
    defaults: dict[str, object] = {
        "createdDateTime": created,
        "lastModifiedDateTime": created,
        "isAllDay": False,
        "isCancelled": False,
        "isOrganizer": str(organizer).lower() == str(user.get("mail", "")).lower(),
        "showAs": "busy",
        "type": "singleInstance",
        "importance": "normal",
        "sensitivity": "normal",
        "categories": [],
        "attendees": [],
        "hasAttachments": False,
        "body": {"contentType": "html", "content": ""},
    }
    for name, value in defaults.items():
        doc.setdefault(name, value)
    doc.setdefault("bodyPreview", body_preview(doc["body"]))
    return stamp(doc)


def _todo_lists(user: Doc, lists: list[Doc]) -> list[Doc]:
    """The seeded lists, plus a default "Tasks" list when the seed has none."""
    docs = []
    for number, task_list in enumerate(lists):
        doc = {"isOwner": True, "isShared": False, "wellknownListName": "none"} | task_list
        doc.setdefault("id", graph_item_id(user["id"], "todoTaskList", str(number)))
        docs.append(stamp(doc))
    if not any(doc["wellknownListName"] == "defaultList" for doc in docs):
        default = {
            "displayName": "Tasks",
            "isOwner": True,
            "isShared": False,
            "wellknownListName": "defaultList",
            "id": graph_item_id(user["id"], "todoTaskList", "defaultList"),
        }
        docs.insert(0, stamp(default))
    return docs
