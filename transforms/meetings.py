"""Meetings with each account: which attributed meetings take place, and per account the
last one held and the next one booked.

A meeting is a calendar event the attribution tied to an account (`transforms.attribution`).
It takes place unless it is cancelled, every mirrored copy of it was declined by its
mailbox's owner, or every one of the account's people on it declined (the organizer's copy
holds each attendee's answer). The same meeting in several calendars (one `iCalUId`)
counts once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from transforms.frames import require_columns, to_bool, to_datetime_utc

EVENT_COLUMNS = (
    *("mailbox", "id", "ical_uid", "subject", "organizer", "attendees", "responses"),
    *("response", "start", "is_cancelled"),
)
TOUCH_COLUMNS = ("source", "ical_uid", "account_id", "occurred_at", "client_addresses")
MEETING_COLUMNS = (
    *("account_id", "last_meeting_at", "last_meeting_subject"),
    *("next_meeting_at", "next_meeting_subject"),
)


def without_unheld_meetings(touches: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """The attribution rows minus meetings that do not take place (see the module doc)."""
    require_columns(touches, "touches", TOUCH_COLUMNS)
    require_columns(events, "events", EVENT_COLUMNS)
    is_meeting = touches["source"].eq("event").to_numpy()
    if not is_meeting.any() or events.empty:
        return touches
    meetings = touches[is_meeting]
    uid = events["ical_uid"]
    cancelled = uid[to_bool(events["is_cancelled"]).to_numpy()]
    declined = events["response"].eq("declined").groupby(uid).all()
    off = meetings["ical_uid"].isin(cancelled) | meetings["ical_uid"].isin(declined[declined].index)
    keep = ~off.to_numpy()
    # attendees' answers matter only where somebody declined: few meetings, checked one by one
    with_declines = uid.isin(uid[_has_a_decline(events["responses"])])
    answers = _organizer_answers(events[with_declines.to_numpy()])
    doubtful = np.flatnonzero(keep & meetings["ical_uid"].isin(answers).to_numpy())
    uids = meetings["ical_uid"].to_numpy(object)
    people = meetings["client_addresses"].to_numpy(object)
    for position in doubtful:
        keep[position] = _someone_comes(people[position], answers.get(uids[position]))
    kept = is_meeting.copy()
    kept[is_meeting] = keep
    return touches[~is_meeting | kept]


def meetings_of_accounts(
    touches: pd.DataFrame, events: pd.DataFrame, account_ids: pd.Series, *, now: dt.datetime
) -> pd.DataFrame:
    """Per account in `account_ids`: the latest meeting started by `now` and the first after
    it, with their subjects (MEETING_COLUMNS); `touches` holds only meetings that take place."""
    require_columns(touches, "touches", TOUCH_COLUMNS)
    require_columns(events, "events", ("ical_uid", "subject"))
    rows = touches[touches["source"].eq("event") & touches["account_id"].isin(account_ids)]
    subjects = events.drop_duplicates("ical_uid").set_index("ical_uid")["subject"]
    matches = pd.DataFrame(
        {
            "meeting": rows["ical_uid"].to_numpy(object),
            "account_id": rows["account_id"].to_numpy(object),
            "start": to_datetime_utc(rows["occurred_at"]).to_numpy(),
            "subject": subjects.reindex(rows["ical_uid"].to_numpy(object)).to_numpy(object),
        }
    )
    matches["start"] = pd.to_datetime(matches["start"], utc=True)
    accounts = pd.DataFrame({"account_id": pd.Series(account_ids, dtype=object).drop_duplicates()})
    moment = pd.Timestamp(now).tz_convert("UTC") if now.tzinfo else pd.Timestamp(now, tz="UTC")
    past = _pick(matches[matches["start"] <= moment], latest=True, prefix="last")
    future = _pick(matches[matches["start"] > moment], latest=False, prefix="next")
    summary = accounts.join(past, on="account_id").join(future, on="account_id")
    for column in ("last_meeting_at", "next_meeting_at"):
        summary[column] = pd.to_datetime(summary[column], utc=True)
    return summary.reset_index(drop=True)[list(MEETING_COLUMNS)]


def _has_a_decline(responses: pd.Series) -> np.ndarray:
    return np.fromiter(
        (isinstance(r, dict) and "declined" in r.values() for r in responses),
        dtype=bool,
        count=len(responses),
    )


def _organizer_answers(events: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """iCalUId -> attendee answers from the organizer's copy (else any copy)."""
    organizers_first = events.assign(
        _not_organizer=(events["organizer"] != events["mailbox"]).to_numpy()
    ).sort_values("_not_organizer", kind="stable")
    chosen = organizers_first.drop_duplicates("ical_uid")
    return {
        str(key): answers if isinstance(answers, dict) else {}
        for key, answers in zip(chosen["ical_uid"], chosen["responses"], strict=True)
    }


def _someone_comes(addresses: Any, answers: dict[str, Any] | None) -> bool:
    people = list(addresses) if isinstance(addresses, (list, tuple)) else []
    if not people or not answers:
        return True
    return any(answers.get(address) != "declined" for address in people)


def _pick(matches: pd.DataFrame, *, latest: bool, prefix: str) -> pd.DataFrame:
    """The latest (or earliest) meeting per account, as `{prefix}_meeting_at/_subject`."""
    ordered = matches.sort_values(["start", "meeting"], ascending=not latest, kind="stable")
    chosen = ordered.drop_duplicates("account_id").set_index("account_id")
    return chosen[["start", "subject"]].rename(
        columns={"start": f"{prefix}_meeting_at", "subject": f"{prefix}_meeting_subject"}
    )
