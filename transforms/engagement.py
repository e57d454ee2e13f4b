"""E-mail engagement per key account: when mail last went either way, and how much lately."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from transforms.domains import email_domain
from transforms.frames import day_timestamp, require_columns, to_datetime_utc

MESSAGE_COLUMNS = ("mailbox", "id", "internet_message_id", "sender", "recipients", "received_at")
CONTACT_COLUMNS = ("AccountId", "Email")
KEY_ACCOUNT_COLUMNS = ("account_id", "domain")

ENGAGEMENT_COLUMNS = ("account_id", "last_email_at", "emails_90d")
RECENT_DAYS = 90


def last_email_touch(
    messages: pd.DataFrame,
    contacts: pd.DataFrame,
    key_accounts: pd.DataFrame,
    *,
    today: dt.date,
) -> pd.DataFrame:
    """Per key account: latest e-mail with one of its people, and the count in (today-90d, today].

    A message belongs to an account when its sender or a recipient is a contact of the account
    or has the account's domain. A message seen in several mailboxes counts once.
    """
    require_columns(messages, "messages", MESSAGE_COLUMNS)
    require_columns(contacts, "contacts", CONTACT_COLUMNS)
    require_columns(key_accounts, "key_accounts", KEY_ACCOUNT_COLUMNS)

    key_contacts = contacts[contacts["AccountId"].isin(key_accounts["account_id"])]
    participants = _message_participants(_distinct_messages(messages))
    matches = pd.concat(
        [
            _matched_by_contact(participants, key_contacts),
            _matched_by_domain(participants, key_accounts),
        ]
    ).drop_duplicates(["message", "account_id"])
    return _summarise(matches, key_accounts, today)


def _distinct_messages(messages: pd.DataFrame) -> pd.DataFrame:
    """One row per message: the same mail in a sender's and a receiver's mailbox counts once."""
    fallback = messages["mailbox"].astype(str) + "/" + messages["id"].astype(str)
    message_key = messages["internet_message_id"].where(
        messages["internet_message_id"].notna(), fallback
    )
    return (
        messages.assign(message=message_key, received=to_datetime_utc(messages["received_at"]))
        .drop_duplicates("message")
        .reset_index(drop=True)
    )


def _message_participants(messages: pd.DataFrame) -> pd.DataFrame:
    """Long table (message, received, address, address_domain): sender and every recipient."""
    addresses = [
        _addresses(sender, recipients)
        for sender, recipients in zip(messages["sender"], messages["recipients"], strict=True)
    ]
    # Repeat each message once per address; unlike explode() this keeps dtypes when empty.
    repeats = np.repeat(np.arange(len(messages)), [len(each) for each in addresses])
    participants = messages.iloc[repeats][["message", "received"]].assign(
        address=pd.Series([address for each in addresses for address in each], dtype=object).values
    )
    domains = [email_domain(address) for address in participants["address"]]
    return participants.assign(address_domain=pd.Series(domains, dtype=object).values)


def _addresses(sender: Any, recipients: Any) -> list[str]:
    """Sender plus recipients as trimmed lower-case addresses (recipients may be any list-like)."""
    if isinstance(recipients, str):
        recipients = [recipients]
    elif not isinstance(recipients, (list, tuple, np.ndarray)):
        recipients = []
    candidates = [sender, *recipients]
    return [value.strip().lower() for value in candidates if isinstance(value, str) and value]


def _matched_by_contact(participants: pd.DataFrame, contacts: pd.DataFrame) -> pd.DataFrame:
    """(message, received, account_id) where a participant is a contact of the account."""
    emails = [
        value.strip().lower() if isinstance(value, str) else None for value in contacts["Email"]
    ]
    contact_accounts = pd.DataFrame(
        {"address": emails, "account_id": contacts["AccountId"].to_numpy()}, dtype=object
    ).dropna()
    return participants.merge(contact_accounts, on="address")[["message", "received", "account_id"]]


def _matched_by_domain(participants: pd.DataFrame, key_accounts: pd.DataFrame) -> pd.DataFrame:
    """(message, received, account_id) where a participant's domain is the account's domain."""
    domains = pd.DataFrame(
        {"address_domain": key_accounts["domain"], "account_id": key_accounts["account_id"]},
        dtype=object,
    ).dropna()
    return participants.merge(domains, on="address_domain")[["message", "received", "account_id"]]


def _summarise(matches: pd.DataFrame, key_accounts: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Latest touch and recent count for every key account (NaT and 0 when there is no mail)."""
    recent_end = day_timestamp(today).tz_localize("UTC") + pd.Timedelta(days=1)
    recent_start = recent_end - pd.Timedelta(days=RECENT_DAYS)
    received = matches["received"]
    recent = matches[received.ge(recent_start) & received.lt(recent_end)]
    by_account = pd.DataFrame(
        {
            "last_email_at": received.groupby(matches["account_id"]).max(),
            "emails_90d": recent.groupby("account_id").size(),
        }
    )
    engagement = pd.DataFrame({"account_id": key_accounts["account_id"].drop_duplicates()})
    engagement = engagement.join(by_account, on="account_id", how="left")
    engagement["last_email_at"] = pd.to_datetime(engagement["last_email_at"], utc=True)
    engagement["emails_90d"] = engagement["emails_90d"].fillna(0).astype(int)
    return engagement.reset_index(drop=True)[list(ENGAGEMENT_COLUMNS)]
