"""Meetings per account: the last one held with the client and the next one booked.

A meeting belongs to an account when a client attendee is one of its contacts
or has the e-mail domain of its contacts (a domain shared by contacts of
several accounts, like a webmail one, matches by address only). Cancelled
meetings, meetings the mailbox owner declined, and attendees who declined
do not count. The same meeting in several calendars (one `iCalUId`) counts once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from transforms.domains import email_domain
from transforms.frames import require_columns, to_bool, to_datetime_utc

EVENT_COLUMNS = (
    *("mailbox", "id", "ical_uid", "subject", "organizer", "attendees", "responses"),
    *("response", "start", "is_cancelled"),
)
CONTACT_COLUMNS = ("AccountId", "Email")
MEETING_COLUMNS = (
    *("account_id", "last_meeting_at", "last_meeting_subject"),
    *("next_meeting_at", "next_meeting_subject"),
)


def meetings_by_account(
    events: pd.DataFrame, contacts: pd.DataFrame, *, now: dt.datetime
) -> pd.DataFrame:
    """Per account with contacts: the latest meeting started by `now` and the first after it."""
    require_columns(events, "events", EVENT_COLUMNS)
    require_columns(contacts, "contacts", CONTACT_COLUMNS)
    attended = _attendance(_held_meetings(events))
    matches = _match_accounts(attended, contacts)
    accounts = pd.DataFrame({"account_id": contacts["AccountId"].dropna().drop_duplicates()})
    moment = pd.Timestamp(now).tz_convert("UTC") if now.tzinfo else pd.Timestamp(now, tz="UTC")
    past = _pick(matches[matches["start"] <= moment], latest=True, prefix="last")
    future = _pick(matches[matches["start"] > moment], latest=False, prefix="next")
    summary = accounts.join(past, on="account_id").join(future, on="account_id")
    for column in ("last_meeting_at", "next_meeting_at"):
        summary[column] = pd.to_datetime(summary[column], utc=True)
    return summary.reset_index(drop=True)[list(MEETING_COLUMNS)]


def _held_meetings(events: pd.DataFrame) -> pd.DataFrame:
    """Meetings neither cancelled nor declined by the mailbox, one row per `iCalUId`
    (the organizer's copy first: it holds every attendee's answer)."""
    kept = events[~to_bool(events["is_cancelled"]) & events["response"].ne("declined")]
    fallback = kept["mailbox"].astype(str) + "/" + kept["id"].astype(str)
    key = kept["ical_uid"].where(kept["ical_uid"].notna(), fallback)
    organizers_first = (kept["organizer"] != kept["mailbox"]).to_numpy().argsort(kind="stable")
    meetings = kept.assign(meeting=key, start=to_datetime_utc(kept["start"]))
    return meetings.iloc[organizers_first].drop_duplicates("meeting")


def _attendance(meetings: pd.DataFrame) -> pd.DataFrame:
    """Long table (meeting, start, subject, address, address_domain) of attendees who did
    not decline."""
    addresses = [
        _accepting(attendees, responses)
        for attendees, responses in zip(meetings["attendees"], meetings["responses"], strict=True)
    ]
    repeats = np.repeat(np.arange(len(meetings)), [len(each) for each in addresses])
    rows = meetings.iloc[repeats][["meeting", "start", "subject"]].assign(
        address=pd.Series([a for each in addresses for a in each], dtype=object).values
    )
    domains = [email_domain(address) for address in rows["address"]]
    return rows.assign(address_domain=pd.Series(domains, dtype=object).values)


def _accepting(attendees: Any, responses: Any) -> list[str]:
    if not isinstance(attendees, (list, tuple, np.ndarray)):
        return []
    answers = responses if isinstance(responses, dict) else {}
    addresses = [str(a).strip().lower() for a in attendees if isinstance(a, str) and a]
    return [a for a in addresses if answers.get(a) != "declined"]


def _match_accounts(attended: pd.DataFrame, contacts: pd.DataFrame) -> pd.DataFrame:
    """(meeting, start, subject, account_id) by contact address, or by a domain unique to
    one account's contacts."""
    emails = [v.strip().lower() if isinstance(v, str) else None for v in contacts["Email"]]
    people = pd.DataFrame(
        {"address": emails, "account_id": contacts["AccountId"].to_numpy()}, dtype=object
    ).dropna()
    domains = pd.Series([email_domain(a) for a in people["address"]], dtype=object)
    people = people.assign(address_domain=domains.to_numpy())
    owners = people.dropna().drop_duplicates(["address_domain", "account_id"])
    unique = owners[~owners["address_domain"].duplicated(keep=False)]
    columns = ["meeting", "start", "subject", "account_id"]
    by_address = attended.merge(people[["address", "account_id"]], on="address")[columns]
    by_domain = attended.merge(unique[["address_domain", "account_id"]], on="address_domain")
    return pd.concat([by_address, by_domain[columns]]).drop_duplicates(["meeting", "account_id"])


def _pick(matches: pd.DataFrame, *, latest: bool, prefix: str) -> pd.DataFrame:
    """The latest (or earliest) meeting per account, as `{prefix}_meeting_at/_subject`."""
    ordered = matches.sort_values(["start", "meeting"], ascending=not latest, kind="stable")
    chosen = ordered.drop_duplicates("account_id").set_index("account_id")
    return chosen[["start", "subject"]].rename(
        columns={"start": f"{prefix}_meeting_at", "subject": f"{prefix}_meeting_subject"}
    )
