"""The mirror a cycle would hold for a seeded company, built straight from the seed.

    python -m bench.analysis_frames --preset large --out FILE.pkl

Benchmarks of the analysis need the mirror of `large` (about 5M records) without
seeding a sandbox and pulling it for half an hour: the seed is already in the services'
own shapes, so each Salesforce record becomes a mirror row as is, and each Graph
message and event goes through the connector's own `flatten_message`/`flatten_event`.
Recurring series stay as their seeded events (Graph would expand their occurrences).
"""

from __future__ import annotations

import argparse
import pickle
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from bench.settings import bench_settings
from config.settings import Settings
from connectors.m365.calendar import EVENT_COLUMNS, flatten_event
from connectors.m365.mail import MESSAGE_COLUMNS, flatten_message
from connectors.m365.users import USER_COLUMNS
from connectors.salesforce import objects_for
from sandbox.seed import PRESETS, Seed, generate
from transforms.analysis import ANALYSIS_FIELDS, MirrorFrames, analysis_fields


def trimmed(mirror: MirrorFrames, settings: Settings) -> MirrorFrames:
    """The mirror as the cycle reads it from the store: each Salesforce object with the
    fields the analysis reads (`analysis_fields`) only."""
    specs = {spec.name: spec for spec in objects_for(settings)}
    kept = {}
    for name, frame in mirror.salesforce.items():
        spec = specs.get(name)
        if spec is None or name not in ANALYSIS_FIELDS:
            continue
        fields = analysis_fields(name, spec.select_list(), settings)
        kept[name] = frame.reindex(columns=fields).astype(object)
    return replace(mirror, salesforce=kept)


def mirror_of(seed: Seed) -> MirrorFrames:
    """The mirror tables of `seed` (no To Do tasks, links or goals)."""
    graph = seed.graph
    upn = {user["id"]: str(user["userPrincipalName"]).lower() for user in graph.users}
    messages = [
        flatten_message(upn[user_id], str(message.get("parentFolderId", "inbox")), message)
        for user_id, box in graph.messages.items()
        for message in box
    ]
    events = [
        _event_row(upn[user_id], event) for user_id, box in graph.events.items() for event in box
    ]
    users = [
        {"id": user["id"], "mail": user.get("mail"),
         "user_principal_name": user.get("userPrincipalName"),
         "display_name": user.get("displayName"),
         "account_enabled": user.get("accountEnabled") is not False}
        for user in graph.users
    ]  # fmt: skip
    return MirrorFrames(
        salesforce={
            name: pd.DataFrame.from_records(rows) for name, rows in seed.salesforce.items()
        },
        messages=pd.DataFrame.from_records(messages, columns=MESSAGE_COLUMNS),
        events=pd.DataFrame.from_records([e for e in events if e], columns=EVENT_COLUMNS),
        todo_tasks=pd.DataFrame(columns=["id", "title", "due_date", "status"]),
        task_links=pd.DataFrame(columns=["mailbox", "external_id", "task_id", "list_id"]),
        goals=pd.DataFrame(columns=["kam", "sheet_row"]),
        goal_reads=pd.DataFrame(columns=["mailbox", "error"]),
        tenant_users=pd.DataFrame.from_records(users, columns=USER_COLUMNS),
    )


def _event_row(mailbox: str, event: dict[str, Any]) -> dict[str, Any] | None:
    """The event as the calendar pull mirrors it (times as UTC, whatever zone the seed used)."""
    utc = dict(event)
    for side in ("start", "end"):
        value = event.get(side) or {}
        if value.get("dateTime") and str(value.get("timeZone", "UTC")).upper() != "UTC":
            moment = pd.Timestamp(str(value["dateTime"])[:19]).tz_localize(value["timeZone"])
            text = moment.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S")
            utc[side] = {"dateTime": text, "timeZone": "UTC"}
    try:
        return flatten_event(mailbox, utc)
    except (ValueError, KeyError):
        return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=PRESETS, default="large")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--today", type=date.fromisoformat, default=datetime.now(UTC).date())
    args = parser.parse_args(argv)
    seed = generate(args.preset, args.today)
    frames = trimmed(mirror_of(seed), bench_settings(seed.kam_emails))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("wb") as file:
        pickle.dump({"today": seed.today, "kams": seed.kam_emails, "truth": seed.truth.to_json(),
                     "mirror": frames}, file, protocol=pickle.HIGHEST_PROTOCOL)  # fmt: skip


if __name__ == "__main__":
    main()
