"""Named crash points: an environment hook that kills this process at a named step.

Tests and `make soak` prove that a cycle killed at any step that writes ends, after a
rerun, in the same state as a clean run. Each step calls `crash_point("name")`; with
`KAMSYNC_CRASH_AT` unset (production) that is one environment lookup and nothing else.

    KAMSYNC_CRASH_AT=push.batch_sent          # SIGKILL the first time the point is reached
    KAMSYNC_CRASH_AT=salesforce.page@3        # ... the third time
    KAMSYNC_CRASH_AT=a,b@2                    # whichever comes first

SIGKILL, not an exception: nothing runs after it (no `finally`, no flush, no Prefect
state change), as with `kill -9` or the OOM killer.
"""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter

CRASH_ENV = "KAMSYNC_CRASH_AT"

#: Every crash point: name -> what a kill there interrupts.
CRASH_POINTS: dict[str, str] = {
    "salesforce.page_mirrored": "Salesforce pull: a page's rows are upserted, its watermark "
    "not yet committed",
    "salesforce.watermark_saved": "Salesforce pull: a page and its watermark are committed",
    "salesforce.object_pulled": "Salesforce pull: one object is mirrored, the others not yet",
    "salesforce.mirror_checked": "Salesforce pull: the mirror was checked and repaired "
    "against the org",
    "m365.page_mirrored": "Graph delta pull: a page with its delta link is committed",
    "m365.mailbox_pulled": "Graph delta pull: a mailbox's mail and To Do are mirrored, "
    "its links recorded",
    "m365.calendar_pulled": "Graph delta pull: a mailbox's calendar window is mirrored",
    "outbox.planned": "Outbox: the To Do plan is written to the outbox, nothing pushed",
    "push.batch_sent": "To Do push: a $batch reached Graph, its results are not yet marked done",
    "push.batch_marked": "To Do push: a $batch's results are marked done",
    "report.uploaded": "Report: the workbook is in OneDrive, the upload not yet recorded",
    "digest.enqueued": "Digest: the mail is in the outbox, not yet sent",
    "digest.sent": "Digest: sendMail was accepted, the outbox entry not yet marked sent",
    "digest.marked": "Digest: the outbox entry is marked sent",
    "cycle.finishing": "Run finish: every step done, the run not yet recorded as finished",
}

_lock = threading.Lock()
_reached: Counter[str] = Counter()


class UnknownCrashPoint(ValueError):
    """A crash point name that is not in `CRASH_POINTS`."""


def crash_point(name: str) -> None:
    """SIGKILL this process if `KAMSYNC_CRASH_AT` names this point (and this is its N-th
    time, for `name@N`); otherwise do nothing."""
    wanted = os.environ.get(CRASH_ENV)
    if not wanted:
        return
    if name not in CRASH_POINTS:
        raise UnknownCrashPoint(f"crash point {name!r} is not registered in CRASH_POINTS")
    targets = parse_targets(wanted)
    if name not in targets:
        return
    with _lock:
        _reached[name] += 1
        if _reached[name] == targets[name]:
            os.kill(os.getpid(), signal.SIGKILL)


def parse_targets(text: str) -> dict[str, int]:
    """`a,b@2` -> {"a": 1, "b": 2}; an unknown name or a bad count is an error naming it."""
    targets: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, count = item.partition("@")
        if name not in CRASH_POINTS:
            raise UnknownCrashPoint(
                f"{CRASH_ENV} names {name!r}, which is no crash point; known: "
                + ", ".join(sorted(CRASH_POINTS))
            )
        if count and (not count.isdigit() or int(count) < 1):
            raise UnknownCrashPoint(f"{CRASH_ENV}: {item!r} needs a count of 1 or more")
        targets[name] = int(count) if count else 1
    return targets
