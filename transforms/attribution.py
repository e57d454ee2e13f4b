"""Which client accounts each mirrored mail and meeting is about, with the rule and evidence.

A KAM sees every distinct mail (one row however many mailboxes hold it) and meeting (one
per iCalUId) next to the accounts it concerns: a CRM contact took part ("contact", as of
the item's date), a contact role on an open deal ("contact_role"), the account's website
domain ("domain"), a configured domain ("extra_domain"), a subsidiary's domain
("subsidiary_domain", for the parent), a domain only that account's contacts use
("contact_domain"), a free-mail address spelt as one contact's name ("contact_name"), or
earlier mail of the same conversation ("thread"). Internal-only mail
and newsletters/no-reply robots are listed as exclusions with the reason; external people
who write repeatedly and match nothing go to the unmatched queue (`transforms.unmatched`).
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from transforms.attribution_items import MirrorItems, distinct_items
from transforms.attribution_rules import (
    AUTOMATED_LOCAL_PART,
    FREE_MAIL_DOMAINS,
    account_domain_table,
    contact_addresses,
    contact_names,
    contact_people,
    internal_domains,
    name_keys,
    role_addresses,
)
from transforms.frames import collector_paused
from transforms.unmatched import UNMATCHED_COLUMNS, unmatched_correspondents

ATTRIBUTION_COLUMNS = (
    *("source", "item_id", "internet_message_id", "ical_uid", "mailbox", "occurred_at"),
    *("account_id", "rule", "confidence", "evidence", "direction", "client_addresses"),
    "conversation_id",
)
EXCLUSION_COLUMNS = (
    *("source", "item_id", "internet_message_id", "ical_uid", "mailbox", "occurred_at"),
    "reason",
)
#: rule -> confidence; when several rules tie an item to one account the strongest is kept
RULES: Mapping[str, float] = {
    "contact": 0.99,
    "contact_role": 0.97,
    "domain": 0.95,
    "extra_domain": 0.95,
    "subsidiary_domain": 0.9,
    "contact_domain": 0.9,
    #: a free-mail address spelt exactly as one contact's name (a private address the CRM
    #: does not hold): less sure than the CRM address, strangers share names
    "contact_name": 0.9,
    "thread": 0.85,
}
PRIVATE_ADDRESS_CONFIDENCE = RULES["contact_name"]
INTERNAL_ONLY = "internal only"
NEWSLETTER = "newsletter or no-reply"
#: an external sender nobody ever wrote to, mailing this many mailboxes, is bulk mail
BULK_MIN_MAILBOXES = 3


@dataclass(frozen=True)
class AttributionSettings:
    """How mail is matched to accounts; the defaults suit a CRM kept in ordinary shape."""

    #: the company's own domains; empty: those of CRM User emails and mailboxes
    internal_domains: frozenset[str] = frozenset()
    #: added to the built-in free-mail list (a distributor's portal, a shared service)
    shared_domains: frozenset[str] = frozenset()
    #: account id -> more domains of the account
    extra_domains: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Account custom field holding more domains (comma/space separated)
    domain_field: str | None = None
    #: fewest items an unmatched correspondent needs to be queued
    min_unmatched_items: int = 2


@dataclass(frozen=True)
class Attribution:
    """Attributed items (ATTRIBUTION_COLUMNS), exclusions and the unmatched queue."""

    items: pd.DataFrame
    exclusions: pd.DataFrame
    unmatched: pd.DataFrame
    #: external items (not excluded) that match no account: EXCLUSION_COLUMNS without reason
    unattributed: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(EXCLUSION_COLUMNS[:-1]))
    )


def attribute(
    messages: pd.DataFrame,
    events: pd.DataFrame,
    accounts: pd.DataFrame,
    contacts: pd.DataFrame,
    contact_roles: pd.DataFrame,
    opportunities: pd.DataFrame,
    users: pd.DataFrame,
    settings: AttributionSettings = AttributionSettings(),
    *,
    mailboxes: Collection[str] = (),
) -> Attribution:
    """Attribute every distinct mail and meeting to zero or more accounts (see module doc)."""
    with collector_paused():  # a tenth of the time otherwise, on large mailboxes
        return _attribute(
            messages, events, accounts, contacts, contact_roles, opportunities, users, settings,
            mailboxes=mailboxes,
        )  # fmt: skip


def _attribute(
    messages: pd.DataFrame,
    events: pd.DataFrame,
    accounts: pd.DataFrame,
    contacts: pd.DataFrame,
    contact_roles: pd.DataFrame,
    opportunities: pd.DataFrame,
    users: pd.DataFrame,
    settings: AttributionSettings,
    *,
    mailboxes: Collection[str],
) -> Attribution:
    mailbox_list = [box.lower() for box in mailboxes]
    internal = internal_domains(users, mailbox_list, settings.internal_domains)
    blocked = FREE_MAIL_DOMAINS | settings.shared_domains | internal
    mirror = distinct_items(messages, events, internal)
    items, parties, copies = mirror.items, mirror.parties, mirror.copies
    people = contact_people(contacts)
    addresses = _coded(contact_addresses(people), "address", mirror)
    domains = account_domain_table(
        accounts, people, blocked, settings.extra_domains, settings.domain_field
    )
    excluded = _exclusions(items, parties, copies, addresses, _coded(domains, "domain", mirror))
    external = parties[~parties["internal"].to_numpy() & ~parties["key"].isin(excluded.index)]
    roles = role_addresses(contact_roles, opportunities, people)
    direct = pd.concat(
        [
            _by_contact(external, addresses),
            _by_private_address(external, addresses, people, FREE_MAIL_DOMAINS),
            _by_role(external, _coded(roles, "address", mirror)),
            _by_domain(external, _coded(domains, "domain", mirror)),
        ],
        ignore_index=True,
    )
    matches = pd.concat([direct, _by_thread(items, external, direct)], ignore_index=True)
    unmatched = unmatched_correspondents(
        items, external, matches, copies, settings.min_unmatched_items, mailbox_list, domains
    )
    left = ~items["key"].isin(excluded.index) & ~items["key"].isin(matches["key"])
    unattributed = items[left].sort_values(["occurred_at", "key"], kind="stable")
    return Attribution(
        _attributed_rows(items, matches),
        _exclusion_rows(items, excluded),
        unmatched,
        unattributed.reset_index(drop=True)[list(EXCLUSION_COLUMNS[:-1])],
    )


def _coded(table: pd.DataFrame, column: str, mirror: MirrorItems) -> pd.DataFrame:
    """`table` rows whose address/domain occurs on an item, with its integer code."""
    codes = (mirror.address_codes if column == "address" else mirror.domain_codes)(table[column])
    return table.assign(**{f"{column}_code": codes})[codes >= 0].drop(columns=column)


def _exclusions(
    items: pd.DataFrame,
    parties: pd.DataFrame,
    copies: pd.DataFrame,
    addresses: pd.DataFrame,
    domains: pd.DataFrame,
) -> pd.Series:
    """Reason per excluded item key: internal only, or a newsletter / no-reply sender."""
    has_external = parties.loc[~parties["internal"], "key"].unique()
    internal_only = items.loc[~items["key"].isin(has_external), "key"]
    senders = parties[parties["is_sender"] & ~parties["internal"]]
    local = pd.Series([address.partition("@")[0] for address in senders["address"]], dtype=object)
    robot = local.str.contains(AUTOMATED_LOCAL_PART, na=False).to_numpy()
    known = senders["address_code"].isin(addresses["address_code"]) | senders["domain_code"].isin(
        domains["domain_code"]
    )
    bulk = senders["address_code"].isin(_bulk_senders(parties, senders, copies)) & ~known
    newsletters = senders.loc[robot | bulk.to_numpy(), "key"]
    reasons = pd.concat(
        [
            pd.Series(INTERNAL_ONLY, index=pd.Index(internal_only, name="key"), dtype=object),
            pd.Series(NEWSLETTER, index=pd.Index(newsletters, name="key"), dtype=object),
        ]
    )
    return reasons[~reasons.index.duplicated()]


def _bulk_senders(parties: pd.DataFrame, senders: pd.DataFrame, copies: pd.DataFrame) -> pd.Index:
    """External senders nobody wrote to who reach at least BULK_MIN_MAILBOXES mailboxes."""
    answered = parties.loc[~parties["is_sender"], "address_code"].unique()
    unanswered = senders[~senders["address_code"].isin(answered)][["key", "address_code"]]
    reach = unanswered.merge(copies, on="key").groupby("address_code")["mailbox"].nunique()
    return reach.index[reach >= BULK_MIN_MAILBOXES]


def _by_contact(external: pd.DataFrame, addresses: pd.DataFrame) -> pd.DataFrame:
    hits = external.merge(addresses, on="address_code")
    current = (hits["valid_from"] <= hits["occurred_ns"]) & (hits["occurred_ns"] < hits["valid_to"])
    hits = hits[current]
    return _matches(hits, "contact", "contact", hits["contact_id"])


def _by_private_address(
    external: pd.DataFrame,
    addresses: pd.DataFrame,
    people: pd.DataFrame,
    free_domains: frozenset[str],
) -> pd.DataFrame:
    """A free-mail address the CRM lacks, spelt as the name of exactly one Contact."""
    private = external[external["domain"].isin(list(free_domains))]
    private = private[~private["address_code"].isin(addresses["address_code"])]
    # each distinct address is spelt out once; a name key belongs to one Contact at most
    codes, first, inverse = np.unique(
        private["address_code"].to_numpy(), return_index=True, return_inverse=True
    )
    spelt = private["address"].to_numpy(object)[first]
    local = pd.Series([address.partition("@")[0] for address in spelt], dtype=object)
    names = contact_names(people)
    named = pd.Index(names["name_key"].to_numpy(object)).get_indexer(name_keys(local).to_numpy())
    contact = named[inverse.reshape(-1)] if len(codes) else np.zeros(0, dtype="int64")
    hits = private[contact >= 0].assign(
        account_id=names["account_id"].to_numpy(object)[contact[contact >= 0]],
        contact_id=names["contact_id"].to_numpy(object)[contact[contact >= 0]],
    )
    found = _matches(hits, "contact_name", "name of contact", hits["contact_id"])
    return found.assign(confidence=PRIVATE_ADDRESS_CONFIDENCE)


def _by_role(external: pd.DataFrame, roles: pd.DataFrame) -> pd.DataFrame:
    hits = external.merge(roles, on="address_code")
    found = _matches(hits, "contact_role", "contact role of", hits["contact_id"])
    # "<contact> on open opportunity <deal>", written for the winning rows only
    return found.assign(deal=pd.Series(hits["opportunity_id"].to_numpy(object), dtype=object))


def _by_domain(external: pd.DataFrame, domains: pd.DataFrame) -> pd.DataFrame:
    hits = external.merge(domains, on="domain_code")
    found = [
        _matches(group, str(rule), str(rule).replace("_", " "), group["domain"])
        for rule, group in hits.groupby("rule")
    ]
    return pd.concat([_matches(hits.iloc[:0], "domain", "domain", []), *found])


def _by_thread(items: pd.DataFrame, external: pd.DataFrame, direct: pd.DataFrame) -> pd.DataFrame:
    """Items nothing else matched, in a conversation another item was attributed in."""
    thread_codes, threads = pd.factorize(items["conversation_id"].to_numpy(object))
    keys = items["key"].to_numpy()
    matched = np.isin(keys, direct["key"].unique())
    waiting = (thread_codes >= 0) & ~matched
    # only conversations with an item waiting matter (the rest would find nothing to add)
    wanted = np.isin(thread_codes, np.unique(thread_codes[waiting])) & (thread_codes >= 0)
    conversations = pd.DataFrame({"key": keys, "thread": thread_codes})
    sources = conversations[wanted & matched]
    found = direct[["key", "account_id"]][direct["key"].isin(sources["key"])]
    attributed = sources.merge(found.drop_duplicates(), on="key")
    per_thread = attributed[["thread", "account_id"]].drop_duplicates()
    hits = conversations[waiting].merge(per_thread, on="thread")
    hits = hits.merge(external[["key", "address", "address_code"]], on="key")
    threads_of = np.asarray(threads, dtype=object)[hits["thread"].to_numpy()]
    return _matches(hits, "thread", "thread", threads_of)


def _matches(hits: pd.DataFrame, rule: str, label: str, what: Any) -> pd.DataFrame:
    """Matches of one rule; the evidence is "<label> <what> <address>", written for the
    winning rows only (most matches lose to a stronger rule)."""
    return pd.DataFrame(
        {
            "key": hits["key"].to_numpy(),
            "account_id": pd.Series(hits["account_id"].to_numpy(object), dtype=object),
            "address": pd.Series(hits["address"].to_numpy(object), dtype=object),
            "address_code": hits["address_code"].to_numpy(),
            "rule": rule,
            "confidence": RULES[rule],
            "label": label,
            "what": pd.Series(np.asarray(what, dtype=object), dtype=object),
            "deal": pd.Series([None] * len(hits), dtype=object),
        }
    )


def _attributed_rows(items: pd.DataFrame, matches: pd.DataFrame) -> pd.DataFrame:
    """One row per (item, account): the strongest rule, with every matching client address."""
    account_codes, _ = pd.factorize(matches["account_id"].to_numpy(object), sort=True)
    keys = matches["key"].to_numpy()
    order = np.lexsort((-matches["confidence"].to_numpy(), account_codes, keys))
    keys_ordered, accounts_ordered = keys[order], account_codes[order]
    pair_starts = _run_starts(keys_ordered, accounts_ordered)
    # every distinct client address of each (key, account) run, in the order met
    pair = np.cumsum(pair_starts) - 1
    address_codes = matches["address_code"].to_numpy()[order]
    seen = pd.Index(pair * (int(address_codes.max()) + 2 if len(order) else 1) + address_codes)
    distinct = order[~seen.duplicated()]
    lists = _address_lists(
        keys[distinct], account_codes[distinct], matches["address"].to_numpy(object)[distinct]
    )
    best = order[pair_starts]
    position = np.zeros(int(items["key"].max()) + 1 if len(items) else 0, dtype="int64")
    position[items["key"].to_numpy()] = np.arange(len(items))
    item_rows = position[keys[best]]
    final = np.lexsort(
        (account_codes[best], keys[best], items["occurred_ns"].to_numpy()[item_rows])
    )
    best, item_rows = best[final], item_rows[final]
    rows = items.iloc[item_rows].drop(columns="key").reset_index(drop=True)
    for column in ("account_id", "rule", "confidence"):
        rows[column] = matches[column].iloc[best].reset_index(drop=True)
    rows["client_addresses"] = [lists[index] for index in final]
    rows["evidence"] = _evidence(matches, best)
    return rows[list(ATTRIBUTION_COLUMNS)]


def _evidence(matches: pd.DataFrame, rows: np.ndarray) -> list[str]:
    """ "<label> <what> <address>" of the given match rows."""
    return [
        f"{label} {what} <{address}>"
        if deal is None
        else f"{label} {what} on open opportunity {deal} <{address}>"
        for label, what, deal, address in zip(
            matches["label"].to_numpy(object)[rows],
            matches["what"].to_numpy(object)[rows],
            matches["deal"].to_numpy(object)[rows],
            matches["address"].to_numpy(object)[rows],
            strict=True,
        )
    ]


def _run_starts(keys: np.ndarray, accounts: np.ndarray) -> np.ndarray:
    """True where a new (key, account) run begins in arrays sorted by them."""
    if not len(keys):
        return np.zeros(0, dtype=bool)
    return np.r_[True, (keys[1:] != keys[:-1]) | (accounts[1:] != accounts[:-1])]


def _address_lists(keys: np.ndarray, accounts: np.ndarray, addresses: np.ndarray) -> list[Any]:
    """The addresses of each (key, account) run (arrays sorted by them), as lists."""
    starts = _run_starts(keys, accounts)
    bounds = np.r_[np.flatnonzero(starts), len(starts)]
    values = addresses.tolist()
    return [values[start:end] for start, end in itertools.pairwise(bounds)]


def _exclusion_rows(items: pd.DataFrame, excluded: pd.Series) -> pd.DataFrame:
    reasons = pd.DataFrame({"key": excluded.index.to_numpy(), "reason": excluded.to_numpy()})
    rows = items.merge(reasons, on="key")
    rows = rows.sort_values(["occurred_at", "key"], kind="stable")
    return rows.reset_index(drop=True)[list(EXCLUSION_COLUMNS)]


__all__ = [
    "ATTRIBUTION_COLUMNS",
    "EXCLUSION_COLUMNS",
    "RULES",
    "UNMATCHED_COLUMNS",
    "Attribution",
    "AttributionSettings",
    "attribute",
]
