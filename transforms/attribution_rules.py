"""Lookup tables behind mail/meeting attribution: which address or domain means which account.

Built once per run from the CRM mirror (Account, Contact, OpportunityContactRole,
Opportunity, User) and matched against the exploded addresses of mail and meetings in
`transforms.attribution`. Every table is a plain DataFrame so matching is a merge.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping

import numpy as np
import pandas as pd

from transforms.domains import website_domain
from transforms.frames import column_or, to_datetime_utc

#: webmail and consumer domains: they say who a person is, never which company they work for
FREE_MAIL_DOMAINS = frozenset(
    {
        *("gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com"),
        *("yahoo.com", "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com", "gmx.de"),
        *("gmx.net", "gmx.com", "web.de", "t-online.de", "freenet.de", "proton.me", "mail.com"),
        *("protonmail.com", "zoho.com", "yandex.com", "orange.fr", "free.fr", "laposte.net"),
        *("libero.it", "qq.com", "163.com", "hotmail.co.uk", "yahoo.co.uk", "outlook.de"),
    }
)
#: local parts of automated senders: no-reply, notification and bulk-mail robots
AUTOMATED_LOCAL_PART = re.compile(
    r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|notifications?|mailer[-_.]?daemon|postmaster"
    r"|newsletters?|news|digest|updates|alerts?)(?:[-_.+].*)?$|bounce"
)
#: sentinel validity bounds (nanoseconds since the epoch) for contacts without dates
_FOREVER = np.iinfo(np.int64).max
_ALWAYS = np.iinfo(np.int64).min


def internal_domains(
    users: pd.DataFrame, mailboxes: Iterable[str], configured: Collection[str] = ()
) -> frozenset[str]:
    """The company's own domains: the configured ones, or those of CRM users and mailboxes."""
    if configured:
        return frozenset(domain.lower() for domain in configured)
    addresses = [*column_or(users, "Email", None).tolist(), *mailboxes]
    return frozenset(
        address.rpartition("@")[2].strip().lower()
        for address in addresses
        if isinstance(address, str) and "@" in address
    )


def address_domains(addresses: pd.Series) -> pd.Series:
    """The domain of each lower-case address ("" when it has none), computed once per value."""
    codes, uniques = pd.factorize(addresses.to_numpy(object))
    domains = np.array([str(value).rpartition("@")[2] for value in uniques] + [""], dtype=object)
    return pd.Series(domains[codes], index=addresses.index, dtype=object)


def contact_addresses(people: pd.DataFrame) -> pd.DataFrame:
    """(address, account_id, contact_id, valid_from, valid_to): whose address it is, and when;
    the rows of an address together, by CreatedDate.

    One address at several accounts (a person who moved; the old Contact is kept and a new one
    created with the same address) belongs to each account from that Contact's CreatedDate until
    the next one's: mail before the new Contact's creation goes to the old account, after it to
    the new one. A same-name Contact with another address does not take the old address over:
    on the demo company that matched namesakes (two different "Lori Fry"s), and a company
    address belongs to its company anyway.
    """
    table = people.dropna(subset=["address"])
    # integer codes stand in for the text: the rows of one address come together, oldest
    # first (then by account id); which address comes first is of no consequence
    address_codes, _ = pd.factorize(table["address"].to_numpy(object))
    account_codes, accounts = pd.factorize(table["account_id"].to_numpy(object), sort=True)
    pairs = pd.Index(address_codes.astype("int64") * (len(accounts) + 1) + account_codes)
    first = np.flatnonzero(~pairs.duplicated())
    created = table["created_ns"].to_numpy(dtype="int64")[first]
    order = first[np.lexsort((account_codes[first], created, address_codes[first]))]
    table = table.iloc[order]
    created = table["created_ns"].to_numpy(dtype="int64")
    address_codes = address_codes[order]
    same_address = address_codes[1:] == address_codes[:-1]
    valid_from = np.where(np.r_[False, same_address], created, _ALWAYS)
    next_start = np.r_[created[1:], _FOREVER]
    valid_to = np.where(np.r_[same_address, False] & (next_start > created), next_start, _FOREVER)
    return pd.DataFrame(
        {
            "address": table["address"].to_numpy(),
            "account_id": table["account_id"].to_numpy(),
            "contact_id": table["contact_id"].to_numpy(),
            "valid_from": valid_from,
            "valid_to": valid_to,
        }
    )


def contact_names(people: pd.DataFrame) -> pd.DataFrame:
    """(name_key, account_id, contact_id) for names only one Contact in the CRM carries.

    `name_key` is first + last name in plain lower-case letters ("kristyhart"), the way
    private addresses are usually spelt ("kristy.hart77@gmail.com").
    """
    people = people.dropna(subset=["name"])
    people = people.assign(name_key=name_keys(people["name"]))
    people = people[people["name_key"].str.len() >= 6]
    unique = ~people["name_key"].duplicated(keep=False)
    return people.loc[unique, ["name_key", "account_id", "contact_id"]].reset_index(drop=True)


def name_keys(text: pd.Series) -> pd.Series:
    """Letters only, lower-case: "Kristy Hart" and "kristy.hart77" both give "kristyhart"."""
    codes, uniques = pd.factorize(text.to_numpy(object), use_na_sentinel=False)
    distinct = pd.Series(uniques, dtype=object)  # each distinct value is cleaned once
    keys = distinct.fillna("").astype(str).str.lower().str.replace(r"[^a-z]", "", regex=True)
    return pd.Series(keys.to_numpy()[codes], index=text.index, dtype=keys.dtype)


def role_addresses(
    contact_roles: pd.DataFrame, opportunities: pd.DataFrame, people: pd.DataFrame
) -> pd.DataFrame:
    """(address, account_id, contact_id, opportunity_id) of the contact roles on open deals."""
    # a checkbox from the mirror: True, or "true"/1 from a text store
    closed = column_or(opportunities, "IsClosed", False).astype(object)
    is_open = ~closed.isin([True, "true", "True", "TRUE", 1, "1"])
    open_deals = pd.DataFrame(
        {
            "opportunity_id": column_or(opportunities, "Id", None),
            "account_id": column_or(opportunities, "AccountId", None),
        }
    )[is_open.to_numpy()].dropna()
    roles = pd.DataFrame(
        {
            "opportunity_id": column_or(contact_roles, "OpportunityId", None),
            "contact_id": column_or(contact_roles, "ContactId", None),
        }
    ).dropna()
    addresses = people[["contact_id", "address"]].dropna()
    table = roles.merge(open_deals, on="opportunity_id").merge(addresses, on="contact_id")
    return table.drop_duplicates(["address", "account_id"])[
        ["address", "account_id", "contact_id", "opportunity_id"]
    ].reset_index(drop=True)


def account_domain_table(
    accounts: pd.DataFrame,
    people: pd.DataFrame,
    blocked: Collection[str],
    extra_domains: Mapping[str, Iterable[str]],
    domain_field: str | None,
) -> pd.DataFrame:
    """(domain, account_id, rule): the domains that mean an account.

    "domain" from Website, "extra_domain" from configuration or the custom field,
    "subsidiary_domain" for a descendant's (ParentId) domain, and "contact_domain" for a domain
    that only the contacts of one account family use (how branch domains are learnt).
    Free-mail, shared and internal domains (`blocked`) never appear.
    """
    ids = column_or(accounts, "Id", None)
    own = pd.DataFrame({"domain": _website_domains(column_or(accounts, "Website", None))})
    own = own.assign(account_id=ids.to_numpy(), rule="domain")
    extra = _extra_domains(accounts, extra_domains, domain_field)
    direct = pd.concat([own, extra], ignore_index=True).dropna()
    direct = direct[~direct["domain"].isin(blocked) & (direct["domain"] != "")]
    ancestors = account_ancestors(accounts)
    claimed = set(direct["domain"])
    direct = direct[~direct["domain"].isin(_shared_by_families(direct, ancestors))]
    inherited = direct.merge(ancestors, on="account_id")
    subsidiary = pd.DataFrame(
        {
            "domain": inherited["domain"],
            "account_id": inherited["ancestor_id"],
            "rule": "subsidiary_domain",
        }
    )
    learnt = _contact_domains(people, ancestors, set(blocked) | claimed)
    table = pd.concat([direct, subsidiary, learnt], ignore_index=True)
    return table.drop_duplicates(["domain", "account_id"]).reset_index(drop=True)


def _shared_by_families(direct: pd.DataFrame, ancestors: pd.DataFrame) -> set[str]:
    """Domains that accounts of different families claim (a duplicate account, two
    clients on one website): they say nothing about which one a mail is about."""
    tops = ancestors.groupby("account_id")["ancestor_id"].last()
    top = direct["account_id"].map(tops).astype(object)
    root = top.where(top.notna(), direct["account_id"])
    families = pd.DataFrame({"domain": direct["domain"], "root": root.to_numpy()})
    per_domain = families.drop_duplicates().groupby("domain").size()
    return set(per_domain[per_domain > 1].index)


def account_ancestors(accounts: pd.DataFrame, max_depth: int = 20) -> pd.DataFrame:
    """(account_id, ancestor_id) for every parent, grandparent ... along ParentId."""
    parent_of = pd.DataFrame(
        {
            "account_id": column_or(accounts, "Id", None),
            "ancestor_id": column_or(accounts, "ParentId", None),
        }
    ).dropna()
    parent_of = parent_of[parent_of["account_id"] != parent_of["ancestor_id"]]
    found, frontier = [parent_of], parent_of
    parents = parent_of.rename(columns={"account_id": "ancestor_id", "ancestor_id": "next_id"})
    for _ in range(max_depth):  # a cycle in ParentId stops at max_depth
        step = frontier.merge(parents, on="ancestor_id")[["account_id", "next_id"]]
        frontier = step.rename(columns={"next_id": "ancestor_id"})
        frontier = frontier[frontier["account_id"] != frontier["ancestor_id"]]
        if frontier.empty:
            break
        found.append(frontier)
    return pd.concat(found, ignore_index=True).drop_duplicates().reset_index(drop=True)


def contact_people(contacts: pd.DataFrame) -> pd.DataFrame:
    """Contacts as (contact_id, account_id, address, domain, name, created_ns), the input of
    the other tables here; addresses and names trimmed and lower-case."""
    address = pd.Series(
        [_clean(value) for value in column_or(contacts, "Email", None).to_numpy(object)],
        dtype=object,
    )
    first = column_or(contacts, "FirstName", None).to_numpy(object)
    last = column_or(contacts, "LastName", None).to_numpy(object)
    name = pd.Series(
        [_clean(f"{_text(a)} {_text(b)}") for a, b in zip(first, last, strict=True)], dtype=object
    )
    created = to_datetime_utc(column_or(contacts, "CreatedDate", None))
    # nanoseconds like the items' dates (pandas may parse to another unit); NaT -> _ALWAYS
    created_ns = created.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").astype("int64")
    people = pd.DataFrame(
        {
            "contact_id": column_or(contacts, "Id", None).to_numpy(),
            "account_id": column_or(contacts, "AccountId", None).to_numpy(),
            "address": address.to_numpy(),
            "name": name.to_numpy(),
            "created_ns": created_ns,
        }
    ).dropna(subset=["account_id"])
    people["domain"] = address_domains(people["address"])
    return people


def _website_domains(websites: pd.Series) -> pd.Series:
    """`website_domain` of each Website, with a fast path for the usual "https://www.x.com/"."""
    return pd.Series([_host(value) for value in websites.to_numpy(object)], dtype=object)


def _host(website: object) -> str | None:
    if not isinstance(website, str):
        return None
    text = website.strip().lower()
    _, scheme, rest = text.partition("://")
    host = (rest if scheme else text).split("/", 1)[0]
    if host.isascii() and "@" not in host and ":" not in host and "?" not in host:
        host = host.rstrip(".").removeprefix("www.")
        return host or None
    return website_domain(website)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _clean(value: object) -> str | None:
    text = value.strip().lower() if isinstance(value, str) else ""
    return text or None


def _extra_domains(
    accounts: pd.DataFrame, extra_domains: Mapping[str, Iterable[str]], domain_field: str | None
) -> pd.DataFrame:
    pairs = [(account, domain) for account, many in extra_domains.items() for domain in many]
    if domain_field is not None and domain_field in accounts.columns:
        listed = accounts[["Id", domain_field]].dropna()
        for account, text in zip(listed["Id"], listed[domain_field].astype(str), strict=True):
            pairs.extend((account, domain) for domain in re.split(r"[\s,;]+", text) if domain)
    frame = pd.DataFrame(pairs, columns=["account_id", "domain"], dtype=object)
    frame["domain"] = frame["domain"].str.strip().str.lower().str.removeprefix("@")
    return frame.assign(rule="extra_domain")[["domain", "account_id", "rule"]]


def _contact_domains(
    people: pd.DataFrame, ancestors: pd.DataFrame, known: Collection[str]
) -> pd.DataFrame:
    """Domains used by contacts of one account family only, each for its busiest account."""
    people = people[(people["domain"] != "") & ~people["domain"].isin(known)]
    topmost = ~ancestors["ancestor_id"].isin(ancestors["account_id"])
    roots = ancestors[topmost].drop_duplicates("account_id")
    root_of = roots.set_index("account_id")["ancestor_id"]
    roots_found = people["account_id"].map(root_of).astype(object)
    family = roots_found.where(roots_found.notna(), people["account_id"].astype(object))
    people = people.assign(family=family)
    families = people.groupby("domain")["family"].nunique()
    single = people[people["domain"].isin(families.index[families == 1])]
    counts = single.groupby(["domain", "account_id"]).size().rename("n").reset_index()
    counts = counts.sort_values(["domain", "n", "account_id"], ascending=[True, False, True])
    best = counts.drop_duplicates("domain")
    return best.assign(rule="contact_domain")[["domain", "account_id", "rule"]]
