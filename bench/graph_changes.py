"""What the Graph benchmark changes in the tenant, outside kamsync's own requests.

`ChangeSession` is a plain requests session with its own app token (the
client-credentials flow against the sandbox's authority), so nothing it sends
counts in `runtime.graph.calls`. Its writes go as JSON `$batch` calls packed
by `connectors.m365.batch.plan_calls` (at most 4 parallel items per mailbox,
serial calls of 20 beyond), items answered 429 go again after Retry-After.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pandas as pd
import requests

from connectors.m365.batch import BatchRequest, BatchResult, plan_calls
from connectors.store import Store

#: list name prefix of the To Do lists the task upserts write to (deleted afterwards)
BENCH_LIST = "kamsync bench"
PER_MAILBOX = 4
ROUNDS = 6


class ChangeSession:
    """Graph over plain requests with an app token of its own; `calls` counts its requests."""

    def __init__(self, graph: dict[str, str]) -> None:
        self.root = graph["graph_url"].rstrip("/") + "/v1.0"
        answer = requests.post(
            f"{graph['authority_url'].rstrip('/')}/{graph['tenant_id']}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": graph["client_id"],
                "client_secret": graph["client_secret"],
                "scope": f"{graph['graph_url'].rstrip('/')}/.default",
            },
            timeout=60,
        )
        answer.raise_for_status()
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        self.calls = 0

    def send(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One request to `path` (relative to /v1.0); the JSON answer, None when empty."""
        self.calls += 1
        answer = self.http.request(method, self.root + path, json=body, timeout=300)
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def batch(self, items: Sequence[BatchRequest]) -> dict[str, BatchResult]:
        """Every item's final answer; throttled items are re-sent after their Retry-After."""
        results: dict[str, BatchResult] = {}
        pending = list(items)
        for _ in range(ROUNDS):
            waits: list[float] = []
            for call in plan_calls(pending, PER_MAILBOX):
                for result in self._send(call.items, call.serial):
                    results[result.id] = result
                    if result.status == 429:
                        waits.append(float(result.header("Retry-After") or 1))
            pending = [item for item in pending if results[item.id].status in (424, 429)]
            if not pending:
                return results
            time.sleep(max(waits, default=1.0))
        raise RuntimeError(f"$batch items still throttled: {[item.id for item in pending]}")

    def _send(self, items: list[BatchRequest], serial: bool) -> list[BatchResult]:
        payload = []
        for number, item in enumerate(items):
            entry: dict[str, Any] = {"id": item.id, "method": item.method, "url": item.url}
            if item.body is not None:
                entry |= {"body": item.body, "headers": {"Content-Type": "application/json"}}
            if serial and number:
                entry["dependsOn"] = [items[number - 1].id]
            payload.append(entry)
        answer = self.send("POST", "/$batch", {"requests": payload})
        return [
            BatchResult(str(r["id"]), int(r["status"]), r.get("body"), r.get("headers") or {})
            for r in answer["responses"]
        ]


@dataclass
class Changes:
    """How many items of each kind the change step touched, and what it cost."""

    new_messages: int = 0
    deleted_messages: int = 0
    moved_messages: int = 0
    updated_events: int = 0
    deleted_events: int = 0
    completed_tasks: int = 0
    updated_tasks: int = 0
    failed: int = 0
    requests: int = 0
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return (
            self.new_messages + self.deleted_messages + self.moved_messages
            + self.updated_events + self.deleted_events + self.completed_tasks + self.updated_tasks
        )  # fmt: skip


def change_tenant(
    session: ChangeSession, store: Store, mailboxes: Sequence[str], share: float, seed: int = 7
) -> Changes:
    """Change `share` of each mailbox's mirrored Inbox, events and To Do tasks through Graph.

    Per mailbox (at least one of each where there are any): as many new Inbox
    messages (sent by a colleague) as `share` of its Inbox, and that many Inbox
    messages deleted or moved to Deleted Items; `share` of its single events
    updated or deleted; `share` of its open tasks completed or retitled. Each
    pair of actions alternates over the whole tenant, so they come out even.
    """
    started, calls_before = time.perf_counter(), session.calls
    rng = random.Random(seed)
    changes, items = Changes(), []
    messages = _live(store, "messages", mailboxes)
    events = _live(store, "events", mailboxes)
    tasks = _live(store, "todo_tasks", mailboxes)
    for number, mailbox in enumerate(mailboxes):
        box = f"/users/{quote(mailbox)}"
        inbox = _ids(messages, mailbox, folder="inbox")
        picked = _pick(rng, inbox, share)
        sender = mailboxes[(number + 1) % len(mailboxes)]
        for n in range(len(picked) if len(mailboxes) > 1 else 0):
            items.append(_new_mail(f"new-{number}-{n}", sender, mailbox))
            changes.new_messages += 1
        for message_id in picked:
            url = f"{box}/messages/{message_id}"
            if changes.moved_messages < changes.deleted_messages:
                move = {"destinationId": "deleteditems"}
                items.append(BatchRequest(f"move-{message_id}", "POST", f"{url}/move", move))
                changes.moved_messages += 1
            else:
                items.append(BatchRequest(f"delete-{message_id}", "DELETE", url))
                changes.deleted_messages += 1
        singles = _ids(events, mailbox, type="singleInstance")
        for event_id in _pick(rng, singles, share):
            url = f"{box}/events/{event_id}"
            if changes.deleted_events < changes.updated_events:
                items.append(BatchRequest(f"delete-{event_id}", "DELETE", url))
                changes.deleted_events += 1
            else:
                body = {"subject": f"bench change {seed}"}
                items.append(BatchRequest(f"update-{event_id}", "PATCH", url, body))
                changes.updated_events += 1
        for row in _pick(rng, _open_tasks(tasks, mailbox), share):
            url = f"{box}/todo/lists/{row['list_id']}/tasks/{row['id']}"
            complete = changes.completed_tasks <= changes.updated_tasks
            body = {"status": "completed"} if complete else {"title": f"bench change {seed}"}
            items.append(BatchRequest(f"task-{row['id']}", "PATCH", url, body))
            if complete:
                changes.completed_tasks += 1
            else:
                changes.updated_tasks += 1
    if items:
        answers = session.batch(items)
        changes.failed = sum(1 for answer in answers.values() if not answer.ok)
    changes.requests = session.calls - calls_before
    changes.seconds = time.perf_counter() - started
    return changes


def _live(store: Store, object_name: str, mailboxes: Sequence[str]) -> pd.DataFrame:
    frame = store.read_table("m365", object_name)
    if frame.empty or "mailbox" not in frame.columns:
        return pd.DataFrame(columns=["id", "mailbox"])
    return frame[frame["mailbox"].isin(list(mailboxes))]


def _open_tasks(tasks: pd.DataFrame, mailbox: str) -> list[dict[str, Any]]:
    if tasks.empty or "status" not in tasks.columns:
        return []
    rows = tasks[(tasks["mailbox"] == mailbox) & (tasks["status"] != "completed")]
    records: list[dict[str, Any]] = rows.to_dict("records")  # type: ignore[assignment]
    return sorted(records, key=lambda row: str(row["id"]))


def _ids(frame: pd.DataFrame, mailbox: str, **equal: str) -> list[str]:
    rows = frame[frame["mailbox"] == mailbox]
    for column, value in equal.items():
        if column not in rows.columns:
            return []
        rows = rows[rows[column] == value]
    return sorted(str(item) for item in rows["id"])


def _pick(rng: random.Random, items: Sequence[Any], share: float) -> list[Any]:
    """`share` of the items (at least one when there are any), at random."""
    if not items or share <= 0:
        return []
    return rng.sample(list(items), min(len(items), max(1, math.floor(len(items) * share))))


def _new_mail(item_id: str, sender: str, recipient: str) -> BatchRequest:
    message = {
        "subject": f"bench mail {item_id}",
        "body": {"contentType": "text", "content": "A message the Graph benchmark sent."},
        "toRecipients": [{"emailAddress": {"address": recipient}}],
    }
    body = {"message": message, "saveToSentItems": False}
    return BatchRequest(item_id, "POST", f"/users/{quote(sender)}/sendMail", body)


def open_bench_lists(session: ChangeSession, mailboxes: Sequence[str], tag: str) -> dict[str, str]:
    """A fresh To Do list per mailbox for the upserts (earlier bench lists deleted first)."""
    close_bench_lists(session, mailboxes)
    named = {"displayName": f"{BENCH_LIST} {tag}"}
    items = [
        BatchRequest(str(n), "POST", f"/users/{quote(box)}/todo/lists", named)
        for n, box in enumerate(mailboxes)
    ]
    answers = session.batch(items)
    return {box: str(answers[str(n)].body["id"]) for n, box in enumerate(mailboxes)}


def close_bench_lists(session: ChangeSession, mailboxes: Sequence[str]) -> int:
    """Delete every To Do list named like a bench list (and its tasks); how many went."""
    doomed = []
    for box in mailboxes:
        path: str | None = f"/users/{quote(box)}/todo/lists?$top=1000"
        while path:
            page = session.send("GET", path)
            doomed += [
                f"/users/{quote(box)}/todo/lists/{found['id']}"
                for found in page.get("value", [])
                if str(found.get("displayName", "")).startswith(BENCH_LIST)
            ]
            link = page.get("@odata.nextLink")
            path = link.split("/v1.0", 1)[1] if link else None
    items = [BatchRequest(f"drop-{n}", "DELETE", url) for n, url in enumerate(doomed)]
    if items:
        session.batch(items)
    return len(items)
