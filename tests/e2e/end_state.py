"""The whole end state of a cycle, normalised, to compare a crashed-and-rerun cycle with a
clean one on the same seed.

What is compared: kamsync's store (mirror tables, To Do links, outbox entries by key,
kind and status), the Graph stand-in (To Do tasks with their linked resources, every
mailbox's messages by folder, OneDrive files by path) and the Salesforce stand-in's
records (CRM writes), plus the local report files. Ids the services issue, timestamps,
version counters and the sandbox's port numbers are removed, so two runs on copies of
one seeded state compare equal exactly when they did the same things; every section is
a multiset, so an item done twice shows up.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: A snapshot: section name -> sorted canonical JSON of its items (duplicates kept).
EndState = dict[str, list[str]]

_SANDBOX_URL = re.compile(r"https://127\.0\.0\.1:\d+")
#: Keys whose values a service or a run issues afresh (ids, versions, times).
_ISSUED_KEYS = {
    "id", "changeKey", "conversationId", "conversationIndex", "internetMessageId",
    "conversation_id", "internet_message_id", "task_id", "sync_round", "webLink", "etag",
    "parentFolderId", "size", "contentBytes", "cTag", "eTag", "Id", "SystemModstamp",
    "LastModifiedDate", "CreatedDate", "LastViewedDate", "LastReferencedDate", "attributes",
}  # fmt: skip


def normalise(value: Any) -> Any:
    """Drop issued ids, timestamps and internal fields; replace the sandbox's URLs' ports."""
    if isinstance(value, dict):
        return {key: normalise(item) for key, item in value.items() if not _issued(str(key))}
    if isinstance(value, list):
        return [normalise(item) for item in value]
    if isinstance(value, str):
        return _SANDBOX_URL.sub("https://sandbox", value)
    return value


def _issued(key: str) -> bool:
    return (
        key in _ISSUED_KEYS
        or key.startswith(("_", "@odata"))
        or key.endswith(("DateTime", "_at", "Timestamp"))
    )


def _canonical(item: Any) -> str:
    return json.dumps(normalise(item), sort_keys=True, default=str)


def _rows(database: Path, query: str) -> list[tuple[Any, ...]]:
    """Rows of a read-only query (the sandbox may be running: SQLite WAL readers are fine)."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return connection.execute(query).fetchall()
    finally:
        connection.close()


def _docs(database: Path) -> dict[str, list[dict[str, Any]]]:
    """A stand-in's document store: collection -> its documents."""
    collections: dict[str, list[dict[str, Any]]] = {}
    for collection, data in _rows(database, "SELECT collection, data FROM docs ORDER BY rowid"):
        collections.setdefault(collection, []).append(json.loads(data))
    return collections


def end_state(state_dir: Path, reports_dir: Path | None = None) -> EndState:
    """The normalised end state of the sandbox in `state_dir` and its kamsync store
    (`state_dir/kamsync.db`, where the sandbox's config puts it)."""
    sections: dict[str, list[Any]] = {}
    sections |= _store_sections(state_dir / "kamsync.db")
    sections |= _graph_sections(_docs(state_dir / "graph.db"))
    sections["crm"] = [
        {"object": name, **record}
        for name, records in _docs(state_dir / "salesforce.db").items()
        if not name.startswith("_")
        for record in records
    ]
    if reports_dir is not None:
        sections["report files"] = sorted(p.name for p in reports_dir.glob("*") if p.is_file())
    return {name: sorted(_canonical(item) for item in items) for name, items in sections.items()}


def _store_sections(database: Path) -> dict[str, list[Any]]:
    sent_subjects = {
        json.loads(payload).get("subject")
        for (payload,) in _rows(database, "SELECT payload FROM outbox WHERE kind = 'mail.send'")
    }
    mirror = [
        {"source": source, "object": name, "deleted": bool(deleted), **record}
        for source, name, data, deleted in _rows(
            database, "SELECT source, object_name, data, is_deleted FROM mirror_records"
        )
        if not _written_by_kamsync(name, record := json.loads(data), sent_subjects)
    ]
    links = [
        {"mailbox": mailbox, "external_id": external_id, "list_id": list_id}
        for mailbox, external_id, list_id in _rows(
            database, "SELECT mailbox, external_id, list_id FROM task_links"
        )
    ]
    outbox = [
        {"key": key, "kind": kind, "status": status}
        for key, kind, status in _rows(database, "SELECT key, kind, status FROM outbox")
    ]
    return {"mirror": mirror, "task links": links, "outbox": outbox}


def _written_by_kamsync(name: str, record: dict[str, Any], sent_subjects: set[Any]) -> bool:
    """Mirror rows of kamsync's own writes (its To Do tasks, the mails it sent): whether a
    run mirrored them depends on whether a pull followed the write (a rerun's does, a
    clean run's does not), so they are compared in To Do and in the mailboxes instead."""
    if name == "todo_tasks":
        return record.get("external_id") is not None
    return name == "messages" and record.get("subject") in sent_subjects


def _graph_sections(docs: dict[str, list[dict[str, Any]]]) -> dict[str, list[Any]]:
    users = {user["id"]: user.get("mail") or user["userPrincipalName"] for user in
             docs.get("graph/users", [])}  # fmt: skip
    list_owner = {
        todo_list["id"]: (users.get(owner, owner), todo_list.get("displayName"))
        for owner, todo_list in _by_suffix(docs, "graph/todo_lists/")
    }
    links = {
        task_id: docs[f"graph/linked_resources/{task_id}"]
        for task_id in _suffixes(docs, "graph/linked_resources/")
    }
    tasks = [
        {"mailbox": list_owner.get(list_id, (list_id, None)), **task,
         "linkedResources": links.get(task["id"], [])}
        for list_id, task in _by_suffix(docs, "graph/todo_tasks/")
    ]  # fmt: skip
    folders = {
        folder["id"]: folder.get("_wellKnownName") or folder.get("displayName")
        for _, folder in _by_suffix(docs, "graph/mail_folders/")
    }
    messages = [
        {"mailbox": users.get(owner, owner), "folder": folders.get(message.get("parentFolderId")),
         **message}
        for owner, message in _by_suffix(docs, "graph/messages/")
    ]  # fmt: skip
    return {"To Do tasks": tasks, "messages": messages, "drive files": _drive_files(docs, users)}


def _drive_files(docs: dict[str, list[dict[str, Any]]], users: dict[str, str]) -> list[Any]:
    owners = {
        drive["id"]: users.get(str(drive.get("_ownerId")), str(drive.get("_ownerId")))
        for drive in docs.get("graph/drives", [])
    }
    files = []
    for drive_id in _suffixes(docs, "graph/drive_items/"):
        items = {item["id"]: item for item in docs[f"graph/drive_items/{drive_id}"]}
        for item in items.values():
            if "file" in item:
                files.append({"owner": owners.get(drive_id, drive_id), "path": _path(items, item)})
    return files


def _path(items: dict[str, dict[str, Any]], item: dict[str, Any]) -> str:
    parts = [item["name"]]
    parent = items.get(item.get("_parentId") or "")
    while parent is not None and "root" not in parent:
        parts.append(parent["name"])
        parent = items.get(parent.get("_parentId") or "")
    return "/".join(reversed(parts))


def _suffixes(docs: dict[str, list[dict[str, Any]]], prefix: str) -> list[str]:
    return [name.removeprefix(prefix) for name in docs if name.startswith(prefix)]


def _by_suffix(
    docs: dict[str, list[dict[str, Any]]], prefix: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    for suffix in _suffixes(docs, prefix):
        for doc in docs[prefix + suffix]:
            yield suffix, doc


def differences(expected: EndState, actual: EndState, limit: int = 5) -> list[str]:
    """What differs, per section: items missing from `actual` and items it has in excess
    (a duplicate counts), the first `limit` of each, shortened."""
    found = []
    for section in sorted(set(expected) | set(actual)):
        want, have = Counter(expected.get(section, [])), Counter(actual.get(section, []))
        missing, extra = list((want - have).elements()), list((have - want).elements())
        if missing:
            found.append(f"{section}: {len(missing)} missing, e.g. {_short(missing[:limit])}")
        if extra:
            found.append(f"{section}: {len(extra)} in excess, e.g. {_short(extra[:limit])}")
    return found


def _short(items: list[str]) -> str:
    return "; ".join(item if len(item) <= 300 else item[:297] + "..." for item in items)
