"""A read-only HTML view of the tenant, so a person trying the demo sees what kamsync
wrote "in Outlook": `GET /_sandbox/` lists the mailboxes, `GET /_sandbox/users/{id}`
shows one mailbox's folders (with counts) and latest messages, upcoming events,
To Do lists with their tasks and linked resources, and OneDrive files.

No authentication (like the other /_sandbox endpoints); every value is escaped;
lists are capped so a large tenant still renders quickly.
"""

from __future__ import annotations

import heapq
from collections import Counter
from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from sandbox.graph.directory import (
    DRIVES,
    USERS,
    drive_items_of,
    events_of,
    find_user,
    folders_of,
    graph_context,
    linked_resources_of,
    messages_of,
    todo_lists_of,
    todo_tasks_of,
)
from sandbox.state import Doc, DocStore

LATEST_MESSAGES = 25
UPCOMING_EVENTS = 25
TASKS_PER_LIST = 50
DRIVE_FILES = 100
_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin-bottom:1.5em}"
    "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;font-size:.9em}"
    "th{background:#f3f3f3}.muted{color:#777}"
)


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def _table(headers: list[str], rows: list[list[str]], empty: str = "none") -> str:
    """An HTML table; cells must already be escaped."""
    if not rows:
        return f"<p class='muted'>{escape(empty)}</p>"
    head = "".join(f"<th>{escape(name)}</th>" for name in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _text(value: Any) -> str:
    return escape("" if value is None else str(value))


def _drive_of(store: DocStore, user_id: str) -> Doc | None:
    return next((d for d in store.iter(DRIVES) if d.get("_ownerId") == user_id), None)


async def index(request: Request) -> Response:
    store = graph_context(request).store
    rows = []
    for user in sorted(store.all(USERS), key=lambda u: str(u.get("userPrincipalName"))):
        uid = str(user["id"])
        link = f"<a href='/_sandbox/users/{quote(uid)}'>{_text(user.get('userPrincipalName'))}</a>"
        lists = store.all(todo_lists_of(uid))
        tasks = sum(store.count(todo_tasks_of(str(doc["id"]))) for doc in lists)
        rows.append(
            [link, _text(user.get("displayName")), _text(store.count(messages_of(uid))),
             _text(store.count(events_of(uid))), _text(tasks)]
        )  # fmt: skip
    headers = ["Mailbox", "Name", "Messages", "Events", "To Do tasks"]
    return _page("Sandbox Microsoft 365", _table(headers, rows, "no mailboxes"))


async def user_page(request: Request) -> Response:
    store = graph_context(request).store
    user = find_user(store, request.path_params["user"])
    if user is None:
        return HTMLResponse("<p>No such mailbox.</p>", status_code=404)
    uid = str(user["id"])
    sections = [
        "<p><a href='/_sandbox/'>All mailboxes</a></p>",
        _mail_section(store, uid),
        _calendar_section(store, uid),
        _todo_section(store, uid),
        _drive_section(store, uid),
    ]
    return _page(f"{user.get('displayName')} <{user.get('userPrincipalName')}>", "".join(sections))


def _mail_section(store: DocStore, uid: str) -> str:
    folders = {str(f["id"]): str(f.get("displayName")) for f in store.iter(folders_of(uid))}
    counts: Counter[str] = Counter()
    latest: list[tuple[str, int, Doc]] = []
    for number, message in enumerate(store.iter(messages_of(uid))):
        counts[str(message.get("parentFolderId"))] += 1
        when = str(message.get("receivedDateTime") or message.get("createdDateTime") or "")
        entry = (when, number, message)
        if len(latest) < LATEST_MESSAGES:
            heapq.heappush(latest, entry)
        elif entry[:2] > latest[0][:2]:
            heapq.heapreplace(latest, entry)
    folder_rows = [[_text(name), _text(counts.get(fid, 0))] for fid, name in folders.items()]
    rows = [
        [_text(when), _text(folders.get(str(m.get("parentFolderId")), "?")),
         _text(((m.get("from") or {}).get("emailAddress") or {}).get("address")),
         _text(m.get("subject"))]
        for when, _, m in sorted(latest, key=lambda e: e[:2], reverse=True)
    ]  # fmt: skip
    return (
        "<h2>Mail</h2>"
        + _table(["Folder", "Messages"], folder_rows)
        + f"<h3>Latest {LATEST_MESSAGES} messages</h3>"
        + _table(["Received", "Folder", "From", "Subject"], rows, "no messages")
    )


def _calendar_section(store: DocStore, uid: str) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    upcoming = heapq.nsmallest(
        UPCOMING_EVENTS,
        (e for e in store.iter(events_of(uid)) if _start(e) >= now),
        key=_start,
    )
    rows = [
        [_text(_start(e)[:16].replace("T", " ")), _text((e.get("start") or {}).get("timeZone")),
         _text(e.get("subject")), _text(len(e.get("attendees") or [])),
         _text("cancelled" if e.get("isCancelled") else e.get("showAs"))]
        for e in upcoming
    ]  # fmt: skip
    headers = ["Start", "Time zone", "Subject", "Attendees", "Status"]
    return "<h2>Upcoming events</h2>" + _table(headers, rows, "no upcoming events")


def _start(event: Doc) -> str:
    return str((event.get("start") or {}).get("dateTime") or "")


def _todo_section(store: DocStore, uid: str) -> str:
    parts = ["<h2>To Do</h2>"]
    for task_list in store.iter(todo_lists_of(uid)):
        list_id = str(task_list["id"])
        tasks = store.all(todo_tasks_of(list_id))
        tasks.sort(key=lambda t: str((t.get("dueDateTime") or {}).get("dateTime") or "~"))
        rows = [_task_row(store, task) for task in tasks[:TASKS_PER_LIST]]
        parts.append(f"<h3>{_text(task_list.get('displayName'))} ({len(tasks)} tasks)</h3>")
        parts.append(_table(["Title", "Due", "Status", "Linked resource"], rows, "no tasks"))
    return "".join(parts)


def _task_row(store: DocStore, task: Doc) -> list[str]:
    links = store.all(linked_resources_of(str(task["id"])))
    linked = "<br>".join(
        f"{_text(link.get('applicationName'))}: "
        f"<a href='{escape(str(link.get('webUrl') or ''), quote=True)}'>"
        f"{_text(link.get('displayName') or link.get('externalId'))}</a>"
        for link in links
    )
    due = str((task.get("dueDateTime") or {}).get("dateTime") or "")[:10]
    return [_text(task.get("title")), _text(due), _text(task.get("status")), linked]


def _drive_section(store: DocStore, uid: str) -> str:
    drive = _drive_of(store, uid)
    if drive is None:
        return "<h2>OneDrive</h2><p class='muted'>no drive</p>"
    items = {str(item["id"]): item for item in store.iter(drive_items_of(str(drive["id"])))}
    files = sorted(
        (item for item in items.values() if "file" in item),
        key=lambda item: str(item.get("lastModifiedDateTime")),
        reverse=True,
    )
    rows = [
        [_text(_path(items, item)), _text(item.get("size")),
         _text(item.get("lastModifiedDateTime"))]
        for item in files[:DRIVE_FILES]
    ]  # fmt: skip
    return "<h2>OneDrive</h2>" + _table(["Path", "Size (bytes)", "Modified"], rows, "no files")


def _path(items: dict[str, Doc], item: Doc) -> str:
    names = [str(item.get("name"))]
    parent = items.get(str(item.get("_parentId")))
    while parent is not None and "root" not in parent:
        names.append(str(parent.get("name")))
        parent = items.get(str(parent.get("_parentId")))
    return "/" + "/".join(reversed(names))


def html_routes() -> list[Route]:
    return [
        Route("/_sandbox/", index, methods=["GET"]),
        Route("/_sandbox/users/{user}", user_page, methods=["GET"]),
    ]
