"""Engagement per key account: when the client was last heard from, written to and met.

A KAM sees, per key account, the last inbound and outbound mail, the last meeting held and
the next one, how many touches and distinct client people in 30 and 90 days, the cadence the
account's tier expects and whether it is on track, slipping or cold; and, separately, the
client mails still waiting for a reply after the reply SLA in the account's business hours.
Both read the attribution frame (`ATTRIBUTION_COLUMNS` of transforms/attribution.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping

import numpy as np
import pandas as pd

from transforms.business_hours import BusinessCalendar, business_hours_elapsed
from transforms.frames import column_or, lookup, require_columns, to_bool, to_datetime_utc, to_text
from transforms.key_accounts import REASON_FLAGGED

__all__ = [
    "DEFAULT_CADENCE_DAYS",
    "DEFAULT_CALENDAR",
    "ENGAGEMENT_COLUMNS",
    "UNANSWERED_COLUMNS",
    "Calendars",
    "account_engagement",
    "held_touches",
    "lowered",
    "unanswered_mail",
]

ENGAGEMENT_COLUMNS = (
    "account_id",
    "account_name",
    "tier",
    "last_inbound_at",
    "last_outbound_at",
    "last_meeting_at",
    "next_meeting_at",
    "touches_30d",
    "touches_90d",
    "contacts_30d",
    "contacts_90d",
    "cadence_days",
    "days_since_touch",
    "state",
    "unanswered",
    "reason",
)
UNANSWERED_COLUMNS = (
    "account_id",
    "mailbox",
    "internet_message_id",
    "conversation_id",
    "subject",
    "sender",
    "received_at",
    "business_hours_waiting",
    "reply_sla_hours",
)
TOUCH_COLUMNS = (
    "source",
    "item_id",
    "internet_message_id",
    "ical_uid",
    "mailbox",
    "occurred_at",
    "account_id",
    "direction",
    "client_addresses",
    "conversation_id",
)
KEY_ACCOUNT_INPUTS = ("account_id", "account_name", "reason")
MESSAGE_INPUTS = ("id", "mailbox", "folder", "conversation_id", "subject", "sender", "sent_at")

TIER_STRATEGIC = "strategic"
TIER_KEY = "key"
DEFAULT_CADENCE_DAYS: Mapping[str, int] = {TIER_STRATEGIC: 14, TIER_KEY: 30}
DEFAULT_CALENDAR = BusinessCalendar("America/New_York", "US")
STATES = ("on track", "slipping", "cold")

Calendars = Mapping[str, BusinessCalendar] | Callable[[str], BusinessCalendar] | pd.Series
_DAY = pd.Timedelta(days=1)
_LAST_COLUMNS = {"inbound": "last_inbound_at", "outbound": "last_outbound_at"}


def account_engagement(
    touches: pd.DataFrame,
    key_accounts: pd.DataFrame,
    accounts: pd.DataFrame | None = None,
    *,
    now: dt.datetime,
    unanswered: pd.DataFrame | None = None,
    cadence_days: Mapping[str, int] = DEFAULT_CADENCE_DAYS,
    tier_field: str | None = None,
    flag_field: str | None = "Key_Account__c",
) -> pd.DataFrame:
    """One `ENGAGEMENT_COLUMNS` row per key account: last touches, counts, cadence and state.

    A touch is an attributed mail either way or a meeting already held; a meeting still to come
    is the "next meeting". The tier is the Account's `tier_field` value when it names a tier of
    `cadence_days`, else "strategic" for accounts flagged in the CRM and "key" for the rest.
    State: on track within the cadence, slipping within twice it, cold beyond or never touched.
    `unanswered` (the `unanswered_mail` frame) gives the count of mails waiting per account.
    """
    require_columns(key_accounts, "key_accounts", KEY_ACCOUNT_INPUTS)
    _check_cadences(cadence_days)
    moment = _utc(now)
    engagement = key_accounts.drop_duplicates("account_id")[["account_id", "account_name"]]
    engagement = engagement.reset_index(drop=True)
    engagement["tier"] = _tiers(
        engagement, key_accounts, accounts, cadence_days, tier_field, flag_field
    )
    keys = engagement["account_id"]
    require_columns(touches, "touches", TOUCH_COLUMNS)
    touches = touches[touches["account_id"].isin(keys)]
    held = held_touches(touches, now=moment)
    for direction, column in _LAST_COLUMNS.items():
        mail = held[held["direction"].eq(direction)]
        engagement[column] = _latest(mail, keys)
    meetings = held[held["direction"].eq("meeting")]
    engagement["last_meeting_at"] = _latest(meetings, keys)
    engagement["next_meeting_at"] = _next_meetings(touches, keys, moment)
    people = _client_people(held[held["occurred_at"].gt(moment - 90 * _DAY)])
    for days in (30, 90):
        since = moment - days * _DAY
        recent = held[held["occurred_at"].gt(since)]
        engagement[f"touches_{days}d"] = _count(recent.groupby("account_id").size(), keys)
        distinct = people[people["occurred_at"].gt(since)].drop_duplicates(
            ["account_id", "address"]
        )
        engagement[f"contacts_{days}d"] = _count(distinct.groupby("account_id").size(), keys)
    engagement["cadence_days"] = engagement["tier"].map(dict(cadence_days)).astype(int)
    last_touch = _latest(held, keys)
    days_since = np.floor((pd.Timestamp(moment) - last_touch).dt.total_seconds() / 86400)
    days_since = days_since.clip(lower=0)
    engagement["days_since_touch"] = days_since.astype("Int64")
    engagement["state"] = _states(engagement["days_since_touch"], engagement["cadence_days"])
    engagement["unanswered"] = _unanswered_counts(unanswered, keys)
    engagement["reason"] = _reasons(engagement)
    return engagement[list(ENGAGEMENT_COLUMNS)]


def held_touches(touches: pd.DataFrame, *, now: dt.datetime) -> pd.DataFrame:
    """Attributed touches that happened: every mail either way, meetings started by `now`.

    One row per (account, item): a mail or meeting seen in several mailboxes counts once.
    """
    require_columns(touches, "touches", TOUCH_COLUMNS)
    occurred = touches["occurred_at"]
    if not isinstance(occurred.dtype, pd.DatetimeTZDtype):
        occurred = pd.to_datetime(occurred, utc=True, errors="coerce")
    frame = touches.assign(occurred_at=occurred)
    is_mail = frame["direction"].isin(list(_LAST_COLUMNS))
    is_held = frame["direction"].eq("meeting") & occurred.le(pd.Timestamp(_utc(now)))
    frame = frame[(is_mail | is_held) & occurred.notna() & frame["account_id"].notna()]
    return frame.assign(item=_item_keys(frame)).drop_duplicates(["account_id", "item"])


def unanswered_mail(
    touches: pd.DataFrame,
    messages: pd.DataFrame,
    *,
    now: dt.datetime,
    calendars: Calendars | None = None,
    default_calendar: BusinessCalendar = DEFAULT_CALENDAR,
    reply_sla_hours: float = 8.0,
    lookback_days: int = 30,
    account_ids: Collection[str] | None = None,
) -> pd.DataFrame:
    """Client mails waiting for an answer for at least `reply_sla_hours` business hours.

    An attributed inbound mail, in any mirrored mailbox (KAM, team or shared like support@),
    waits while no outbound mail (to anyone) followed it in the same conversation: an attributed
    outbound mail, a copy in a Sent Items folder, or a mail sent from a mirrored mailbox. The
    wait runs in the account's business hours (`calendars` by account id, else
    `default_calendar`); mail older than `lookback_days` is left out, and so is mail of accounts
    not in `account_ids` when given (the key accounts). Longest waits first.
    """
    if reply_sla_hours <= 0:
        raise ValueError(f"reply_sla_hours must be positive, got {reply_sla_hours}")
    require_columns(messages, "messages", MESSAGE_INPUTS)
    moment = _utc(now)
    held = held_touches(touches, now=moment)
    inbound = held[held["direction"].eq("inbound") & held["occurred_at"].le(moment)]
    inbound = inbound[inbound["occurred_at"].gt(moment - lookback_days * _DAY)]
    if account_ids is not None:
        inbound = inbound[inbound["account_id"].isin(list(account_ids))]
    last_reply = _last_outbound_by_conversation(held, messages, inbound["conversation_id"])
    replied_at = lookup(inbound["conversation_id"], last_reply)
    waiting = inbound[~(pd.to_datetime(replied_at, utc=True) > inbound["occurred_at"])]
    account_calendars = _calendars_for(waiting["account_id"], calendars, default_calendar)
    hours = (
        business_hours_elapsed(
            waiting.assign(now=pd.Timestamp(moment), calendar=account_calendars),
            "occurred_at",
            "now",
            "calendar",
        )
        / 3600.0
    )
    late = waiting.assign(business_hours_waiting=hours.round(1))
    late = late[hours.ge(reply_sla_hours)]
    return _unanswered_rows(late, messages, reply_sla_hours)


def _check_cadences(cadence_days: Mapping[str, int]) -> None:
    missing = [tier for tier in (TIER_STRATEGIC, TIER_KEY) if tier not in cadence_days]
    if missing:
        raise ValueError(f"cadence_days lacks the tier(s): {', '.join(missing)}")
    bad = {tier: days for tier, days in cadence_days.items() if int(days) <= 0}
    if bad:
        raise ValueError(f"cadence days must be positive, got {bad}")


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"now {moment.isoformat()} has no time zone")
    return moment.astimezone(dt.UTC)


def _tiers(
    engagement: pd.DataFrame,
    key_accounts: pd.DataFrame,
    accounts: pd.DataFrame | None,
    cadence_days: Mapping[str, int],
    tier_field: str | None,
    flag_field: str | None,
) -> pd.Series:
    """Tier per key account: the named tier field when it holds a known tier, else by flag."""
    keys = engagement["account_id"]
    reasons = key_accounts.drop_duplicates("account_id").set_index("account_id")["reason"]
    flagged = lookup(keys, reasons).eq(REASON_FLAGGED)
    named = pd.Series(None, index=keys.index, dtype=object)
    if accounts is not None:
        require_columns(accounts, "accounts", ("Id",))
        crm = accounts[accounts["Id"].isin(keys)].drop_duplicates("Id").set_index("Id")
        flags = to_bool(column_or(crm, flag_field, False))
        flagged |= lookup(keys, flags).eq(True)
        values = lowered(column_or(crm, tier_field, None))
        named = lookup(keys, values).where(lambda tier: tier.isin(list(cadence_days)))
    by_flag = np.where(flagged.to_numpy(dtype=bool), TIER_STRATEGIC, TIER_KEY)
    return named.fillna(pd.Series(by_flag, index=keys.index)).astype(object)


def _item_keys(frame: pd.DataFrame) -> pd.Series:
    """The distinct item: a mail's internet message id, a meeting's iCalUId, else the copy's id."""
    is_mail = frame["source"].eq("mail").to_numpy()
    own = np.where(is_mail, frame["internet_message_id"], frame["ical_uid"])
    keys = pd.Series(own, index=frame.index, dtype=object)
    missing = keys.isna()
    if missing.any():  # rare: only copies without any id fall back to their own copy id
        copies = frame[missing]
        keys[missing] = (
            "copy:" + copies["mailbox"].astype(str) + "/" + copies["item_id"].astype(str)
        )
    return keys


def _latest(touches: pd.DataFrame, keys: pd.Series) -> pd.Series:
    latest = touches["occurred_at"].groupby(touches["account_id"]).max()
    return pd.to_datetime(lookup(keys, latest), utc=True)


def _next_meetings(touches: pd.DataFrame, keys: pd.Series, now: dt.datetime) -> pd.Series:
    occurred = touches["occurred_at"]
    if not isinstance(occurred.dtype, pd.DatetimeTZDtype):
        occurred = pd.to_datetime(occurred, utc=True, errors="coerce")
    coming = touches["direction"].eq("meeting") & occurred.gt(pd.Timestamp(now))
    first = occurred[coming].groupby(touches["account_id"][coming]).min()
    return pd.to_datetime(lookup(keys, first), utc=True)


def _count(counts: pd.Series, keys: pd.Series) -> pd.Series:
    return lookup(keys, counts).fillna(0).astype(int)


def _client_people(touches: pd.DataFrame) -> pd.DataFrame:
    """(account_id, occurred_at, address): one row per client address on each touch."""
    people = touches[["account_id", "occurred_at", "client_addresses"]].explode("client_addresses")
    people = people.rename(columns={"client_addresses": "address"})
    return people[people["address"].notna()]


def _states(days_since: pd.Series, cadence: pd.Series) -> pd.Series:
    days = days_since.astype("float64")
    on_track, slipping = days.le(cadence), days.le(2 * cadence)
    return pd.Series(
        np.select([on_track, slipping], list(STATES[:2]), STATES[2]), index=days.index, dtype=object
    )


def _unanswered_counts(unanswered: pd.DataFrame | None, keys: pd.Series) -> pd.Series:
    if unanswered is None:
        return pd.Series(0, index=keys.index, dtype=int)
    require_columns(unanswered, "unanswered", ("account_id",))
    return _count(unanswered.groupby("account_id").size(), keys)


def _reasons(engagement: pd.DataFrame) -> list[str]:
    """One line per account: how long since the last touch against the tier's cadence."""
    lines = []
    for days, cadence, tier, state, waiting in zip(
        engagement["days_since_touch"],
        engagement["cadence_days"],
        engagement["tier"],
        engagement["state"],
        engagement["unanswered"],
        strict=True,
    ):
        if pd.isna(days):
            line = f"no mail or meeting on record ({tier} cadence {cadence} days)"
        else:
            ago = "today" if days == 0 else f"{days} day{'s' if days != 1 else ''} ago"
            where = {
                "on track": "within",
                "slipping": "past",
                "cold": "over twice",
            }[state]
            line = f"{state}: last touch {ago}, {where} the {cadence}-day {tier} cadence"
        if waiting:
            line += f"; {waiting} client mail{'s' if waiting != 1 else ''} unanswered"
        lines.append(line)
    return lines


def _last_outbound_by_conversation(
    held: pd.DataFrame, messages: pd.DataFrame, conversations: pd.Series
) -> pd.Series:
    """Latest outbound moment in each of `conversations`: attributed outbound or mail we sent.

    Mail we sent: a Sent Items copy, or a copy whose sender is a mirrored mailbox (the
    sender is stored lower-cased; mailbox names are lowered once per distinct mailbox).
    """
    attributed = held[held["direction"].eq("outbound")][["conversation_id", "occurred_at"]]
    threads = messages[messages["conversation_id"].isin(conversations.dropna().unique())]
    mailboxes = lowered(pd.Series(messages["mailbox"].dropna().unique(), dtype=object))
    ours = threads["folder"].eq("sentitems") | threads["sender"].isin(mailboxes.dropna())
    sent = pd.DataFrame(
        {
            "conversation_id": threads["conversation_id"][ours],
            "occurred_at": to_datetime_utc(threads["sent_at"][ours]),
        }
    )
    outbound = pd.concat([attributed, sent]).dropna()
    return outbound.groupby("conversation_id")["occurred_at"].max()


def _calendars_for(
    account_ids: pd.Series, calendars: Calendars | None, default: BusinessCalendar
) -> pd.Series:
    """The business calendar of each row's account (the default when none is known)."""
    distinct = account_ids.drop_duplicates().tolist()
    if calendars is None:
        known: dict[object, object] = {}
    elif isinstance(calendars, pd.Series):
        known = dict(calendars.items())
    elif isinstance(calendars, Mapping):
        known = {account: calendars.get(account) for account in distinct}
    else:
        known = {account: calendars(account) for account in distinct}
    chosen = {
        account: found if isinstance(found := known.get(account), BusinessCalendar) else default
        for account in distinct
    }
    return pd.Series(
        [chosen[account] for account in account_ids], index=account_ids.index, dtype=object
    )


def _unanswered_rows(
    late: pd.DataFrame, messages: pd.DataFrame, reply_sla_hours: float
) -> pd.DataFrame:
    """`UNANSWERED_COLUMNS` rows, subject and sender read from the mirrored mail copy."""
    rows = late.reset_index(drop=True)
    return (
        rows.assign(
            subject=_from_copy(rows, messages, "subject"),
            sender=_from_copy(rows, messages, "sender"),
            received_at=rows["occurred_at"],
            reply_sla_hours=float(reply_sla_hours),
        )
        .sort_values(["business_hours_waiting", "account_id"], ascending=[False, True])
        .reset_index(drop=True)[list(UNANSWERED_COLUMNS)]
    )


def _from_copy(rows: pd.DataFrame, messages: pd.DataFrame, column: str) -> pd.Series:
    """A message field read by the item's id, else by its internet message id."""
    candidates = messages[
        messages["id"].isin(rows["item_id"])
        | column_or(messages, "internet_message_id", None).isin(rows["internet_message_id"])
    ]
    by_id = candidates.drop_duplicates("id").set_index("id")[column]
    found = lookup(rows["item_id"], by_id)
    if "internet_message_id" in messages.columns:
        by_message = candidates.dropna(subset=["internet_message_id"])
        by_message = by_message.drop_duplicates("internet_message_id")
        by_message_id = by_message.set_index("internet_message_id")[column]
        found = found.where(found.notna(), lookup(rows["internet_message_id"], by_message_id))
    return to_text(found)


def lowered(values: pd.Series) -> pd.Series:
    """Trimmed lower-case text, missing values kept missing (vectorised; 500k mails)."""
    return values.astype("str").str.strip().str.lower()
