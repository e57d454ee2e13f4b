"""Distinct mails and meetings, and the people on them, as attribution sees them.

The mirror holds one copy of a mail per mailbox (sender's Sent Items, each recipient's
Inbox) and one copy of a meeting per attendee's calendar; attribution works on one row per
distinct item: mail by internetMessageId (mailbox/id when it has none), meetings by iCalUId.
The copy kept is the sender's or organizer's own when mirrored, else the first mailbox
alphabetically, so the item_id shown is stable from run to run. Items are keyed by an
integer `key` (merges on integers stay fast at half a million mails).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from transforms.frames import column_or, to_datetime_utc

ITEM_COLUMNS = (
    *("key", "source", "item_id", "internet_message_id", "ical_uid", "mailbox"),
    *("occurred_at", "occurred_ns", "conversation_id", "sender", "direction"),
)
PARTY_COLUMNS = (
    *("key", "address", "domain", "address_code", "domain_code"),
    *("is_sender", "internal", "occurred_ns"),
)


@dataclass(frozen=True)
class MirrorItems:
    """The distinct items, the people on them and where copies sit.

    items: one row per distinct item (ITEM_COLUMNS); parties: each person on each item once
    (PARTY_COLUMNS; mail: sender and to/cc, meetings: organizer and attendees), with integer
    codes into `addresses` and `domains`; copies: (key, mailbox) of every copy.
    """

    items: pd.DataFrame
    parties: pd.DataFrame
    copies: pd.DataFrame
    addresses: pd.Index
    domains: pd.Index

    def address_codes(self, addresses: pd.Series) -> np.ndarray:
        """The code of each address in `addresses` (-1 for one on no item)."""
        return np.asarray(
            self.addresses.get_indexer(pd.Index(addresses.to_numpy(object))), dtype="int64"
        )

    def domain_codes(self, domains: pd.Series) -> np.ndarray:
        """The code of each domain in `domains` (-1 for one on no item)."""
        return np.asarray(
            self.domains.get_indexer(pd.Index(domains.to_numpy(object))), dtype="int64"
        )


def distinct_items(
    messages: pd.DataFrame, events: pd.DataFrame, internal: Collection[str]
) -> MirrorItems:
    """The distinct mail and meetings of the mirror (see MirrorItems)."""
    mail_keys = _copy_keys(messages, "internet_message_id")
    event_keys = _copy_keys(events, "ical_uid")
    mail_codes, mail_uniques = pd.factorize(mail_keys)
    event_codes, _ = pd.factorize(event_keys)
    event_codes = event_codes + len(mail_uniques)
    mail, mail_people = _distinct(messages, mail_codes, "mail", internal)
    meetings, meeting_people = _distinct(events, event_codes, "event", internal)
    items = pd.concat([mail, meetings], ignore_index=True)[list(ITEM_COLUMNS)]
    parties, addresses, domains = _parties(
        pd.concat([mail_people, meeting_people], ignore_index=True), internal
    )
    copy_keys = np.concatenate([mail_codes, event_codes]).astype("int64")
    boxes = np.concatenate([_lower(messages["mailbox"]), _lower(events["mailbox"])])
    box_codes, _ = pd.factorize(boxes, use_na_sentinel=False)
    pairs = pd.Index(copy_keys * (int(box_codes.max()) + 1 if len(boxes) else 1) + box_codes)
    unique = np.flatnonzero(~pairs.duplicated())
    copies = pd.DataFrame(
        {"key": copy_keys[unique], "mailbox": pd.Series(boxes[unique], dtype=object)}
    )
    return MirrorItems(items, parties[list(PARTY_COLUMNS)], copies, addresses, domains)


def domains_of(addresses: np.ndarray) -> np.ndarray:
    """The part after the last "@" of each address ("" when none), once per distinct value."""
    codes, uniques = pd.factorize(addresses)
    domains = np.array([str(value).rpartition("@")[2] for value in uniques] + [""], dtype=object)
    return np.asarray(domains[codes], dtype=object)


def _copy_keys(frame: pd.DataFrame, id_column: str) -> np.ndarray:
    ids = column_or(frame, id_column, None).to_numpy(dtype=object)
    usable = np.fromiter(
        (isinstance(value, str) and value != "" for value in ids), dtype=bool, count=len(ids)
    )
    if usable.all():
        return ids
    keys = ids.copy()
    missing = np.flatnonzero(~usable)
    boxes = frame["mailbox"].to_numpy(dtype=object)[missing]
    item_ids = frame["id"].to_numpy(dtype=object)[missing]
    keys[missing] = [f"{box}/{item}" for box, item in zip(boxes, item_ids, strict=True)]
    return keys


def _distinct(
    raw: pd.DataFrame, codes: np.ndarray, source: str, internal: Collection[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    is_mail = source == "mail"
    sender = _lower(column_or(raw, "sender" if is_mail else "organizer", None))
    mailbox, box_codes = _lower_coded(raw["mailbox"])
    own = mailbox == sender
    order = np.lexsort((box_codes, ~own, codes))
    first = np.ones(len(order), dtype=bool)
    first[1:] = codes[order][1:] != codes[order][:-1]
    rows = order[first]

    def kept(column: str) -> pd.Series:
        values = column_or(raw, column, None)
        return pd.Series(values.to_numpy(dtype=object)[rows], dtype=object)

    occurred = _occurred(kept, is_mail)
    occurred_ns = occurred.array.as_unit("ns").asi8
    sender_kept = sender[rows]
    text = {
        "item_id": kept("id"),
        "internet_message_id": kept("internet_message_id") if is_mail else None,
        "ical_uid": None if is_mail else kept("ical_uid"),
        "mailbox": mailbox[rows],
        "conversation_id": kept("conversation_id") if is_mail else None,
        "sender": sender_kept,
        "direction": _directions(kept, sender_kept, internal, is_mail),
    }
    items = pd.DataFrame(
        {
            "key": codes[rows].astype("int64"),
            "source": source,
            **{name: _objects(values, len(rows)) for name, values in text.items()},
            "occurred_ns": np.where(occurred.isna().to_numpy(), 0, occurred_ns),
        }
    )
    if occurred.notna().any():
        items.insert(len(items.columns) - 1, "occurred_at", occurred.array)
    else:  # no date at all: the unit pandas gives a column of NaT
        items.insert(len(items.columns) - 1, "occurred_at", occurred.to_numpy())
        items["occurred_at"] = pd.to_datetime(items["occurred_at"], utc=True)
    listed = kept("recipients" if is_mail else "attendees").to_numpy(object)
    return items, _people(items, sender_kept, listed)


def _objects(values: Any, length: int) -> pd.Series:
    """An object column (pandas would otherwise re-infer a slower string dtype)."""
    if values is None:
        return pd.Series([None] * length, dtype=object)
    array = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else values
    return pd.Series(np.asarray(array, dtype=object), dtype=object)


def _occurred(kept: Callable[[str], pd.Series], is_mail: bool) -> pd.Series:
    if not is_mail:
        return to_datetime_utc(kept("start"))
    sent = to_datetime_utc(kept("sent_at"))
    if not sent.isna().any():
        return sent
    return sent.fillna(to_datetime_utc(kept("received_at")))


def _directions(
    kept: Callable[[str], pd.Series], sender: np.ndarray, internal: Collection[str], is_mail: bool
) -> np.ndarray:
    if not is_mail:
        return np.full(len(sender), "meeting", dtype=object)
    ours = pd.Series(domains_of(sender)).isin(list(internal)).to_numpy()
    sent_folder = kept("folder").to_numpy(object) == "sentitems"
    outbound = ours | (pd.isna(sender) & sent_folder)
    return np.where(outbound, "outbound", "inbound").astype(object)


def _people(items: pd.DataFrame, sender: np.ndarray, listed: np.ndarray) -> pd.DataFrame:
    """(key, raw address, is_sender, occurred_ns): senders first, then the listed people."""
    lists = [value if isinstance(value, list) else _as_list(value) for value in listed]
    lengths = np.fromiter((len(value) for value in lists), dtype="int64", count=len(lists))
    flat = np.array(list(itertools.chain.from_iterable(lists)), dtype=object)
    keys, occurred = items["key"].to_numpy(), items["occurred_ns"].to_numpy()
    return pd.DataFrame(
        {
            "key": np.concatenate([keys, np.repeat(keys, lengths)]),
            "raw": pd.Series(np.concatenate([sender, flat]), dtype=object),
            "is_sender": np.r_[np.ones(len(keys), bool), np.zeros(len(flat), bool)],
            "occurred_ns": np.concatenate([occurred, np.repeat(occurred, lengths)]),
        }
    )


def _parties(
    people: pd.DataFrame, internal: Collection[str]
) -> tuple[pd.DataFrame, pd.Index, pd.Index]:
    """Each address once per item, coded; with the address and domain vocabularies."""
    raw_codes, raw_uniques = pd.factorize(people["raw"].to_numpy(object))
    lowered = [value.strip().lower() if isinstance(value, str) else None for value in raw_uniques]
    codes, addresses = pd.factorize(np.array(lowered, dtype=object))
    address_code = np.where(raw_codes >= 0, codes[np.clip(raw_codes, 0, None)], -1)
    usable = np.array(["@" in str(value) for value in addresses], dtype=bool)
    keep = (address_code >= 0) & usable[np.clip(address_code, 0, None)]
    keys = people["key"].to_numpy()
    pairs = pd.Index(keys * (len(addresses) + 1) + address_code)
    rows = np.flatnonzero(keep & ~pairs.duplicated())  # each address once per item
    parties = pd.DataFrame(
        {
            "key": keys[rows],
            "is_sender": people["is_sender"].to_numpy()[rows],
            "occurred_ns": people["occurred_ns"].to_numpy()[rows],
            "address_code": address_code[rows],
        }
    )
    domain_of_address = np.array(
        [str(value).rpartition("@")[2] for value in addresses], dtype=object
    )
    domain_codes, domains = pd.factorize(domain_of_address)
    parties["domain_code"] = domain_codes[parties["address_code"].to_numpy()]
    address_array = np.asarray(addresses, dtype=object)
    parties["address"] = pd.Series(address_array[parties["address_code"]], dtype=object)
    domain_array = np.asarray(domains, dtype=object)
    parties["domain"] = pd.Series(domain_array[parties["domain_code"]], dtype=object)
    ours = np.array([domain in internal for domain in domain_array], dtype=bool)
    parties["internal"] = ours[parties["domain_code"].to_numpy()]
    return parties, pd.Index(address_array, dtype=object), pd.Index(domain_array, dtype=object)


def _as_list(value: object) -> list[Any]:
    if isinstance(value, (list, tuple, np.ndarray)):
        return list(value)
    if isinstance(value, str):
        return [part for part in value.replace(";", ",").split(",") if part.strip()]
    return []


def _lower_coded(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """`_lower` of `values`, and codes of the lowered values in sorted order (-1: None)."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    lowered = [value.strip().lower() if isinstance(value, str) else None for value in uniques]
    lowered_codes, _ = pd.factorize(np.array(lowered, dtype=object), sort=True)
    table = np.array([*lowered, None], dtype=object)
    code_table = np.r_[lowered_codes, -1]
    return np.asarray(table[codes], dtype=object), code_table[codes]


def _lower(values: Any) -> np.ndarray:
    """Trimmed lower-case text (None where not text), computed once per distinct value."""
    array = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else values
    codes, uniques = pd.factorize(np.asarray(array, dtype=object))
    lowered = [value.strip().lower() if isinstance(value, str) else None for value in uniques]
    table = np.array([*lowered, None], dtype=object)
    return np.asarray(table[codes], dtype=object)
