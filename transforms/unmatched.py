"""The unmatched-correspondent queue: external people KAMs deal with whom the CRM does not know.

A KAM sees each address that took part in at least `min_items` distinct mails or meetings
in the KAM mailboxes, matched no contact, contact role or account domain, and was not a
newsletter or robot; with how often and since when, the account it most likely belongs to
(by the conversations it took part in, or a domain that extends an account's domain, as
"acme-de.example" does "acme.example") and a first/last name to create the Contact with.
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

UNMATCHED_COLUMNS = (
    *("address", "domain", "items", "mailboxes", "first_seen", "last_seen"),
    *("likely_account_id", "likely_by", "suggested_first_name", "suggested_last_name", "reason"),
)


def unmatched_correspondents(
    items: pd.DataFrame,
    external: pd.DataFrame,
    matches: pd.DataFrame,
    copies: pd.DataFrame,
    min_items: int,
    mailboxes: Collection[str] = (),
    domains: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """UNMATCHED_COLUMNS, most active first.

    `external`: (key, address, domain, address_code) of the external people on attributable
    items; `matches`: (key, account_id, address, address_code, rule) found by attribution;
    `copies`: (key, mailbox) of every copy; `mailboxes`: the KAM mailboxes (empty: all);
    `domains`: (domain, account_id) of accounts, to guess an account from a look-alike domain.
    """
    known = matches.loc[matches["rule"] != "thread", "address_code"].unique()
    people = external[~external["address_code"].isin(known)][["key", "address", "domain"]]
    scope = copies if not mailboxes else copies[copies["mailbox"].isin(list(mailboxes))]
    people = people[people["key"].isin(scope["key"])]
    if people.empty:
        return _empty()
    dated = people.merge(items[["key", "occurred_at"]], on="key")
    summary = dated.groupby("address").agg(
        domain=("domain", "first"),
        items=("key", "nunique"),
        first_seen=("occurred_at", "min"),
        last_seen=("occurred_at", "max"),
    )
    summary = summary[summary["items"] >= min_items]
    if summary.empty:
        return _empty()
    boxes = people[people["address"].isin(summary.index)].merge(scope, on="key")
    listed = boxes.drop_duplicates(["address", "mailbox"]).sort_values("mailbox")
    summary["mailboxes"] = listed.groupby("address")["mailbox"].agg(list)
    summary = summary.join(_likely_accounts(people, matches, summary, domains))
    return _finish(summary.reset_index())


def _likely_accounts(
    people: pd.DataFrame,
    matches: pd.DataFrame,
    summary: pd.DataFrame,
    domains: pd.DataFrame | None,
) -> pd.DataFrame:
    """(likely_account_id, likely_by) per address: the account most of the items it took
    part in are attributed to (by any rule: a client on copy, the thread), then a look-alike
    domain."""
    wanted = people[people["address"].isin(summary.index)]
    threads = wanted.merge(matches[["key", "account_id"]].drop_duplicates())
    votes = threads.drop_duplicates(["key", "address", "account_id"])
    votes = votes.groupby(["address", "account_id"]).size().rename("n").reset_index()
    votes = votes.sort_values(["address", "n", "account_id"], ascending=[True, False, True])
    by_thread = votes.drop_duplicates("address").set_index("address")["account_id"]
    guesses = pd.DataFrame(index=summary.index)
    guesses["likely_account_id"] = by_thread.reindex(summary.index)
    guesses["likely_by"] = guesses["likely_account_id"].notna().map({True: "thread", False: None})
    if domains is not None and not domains.empty:
        by_domain = _look_alike_domains(summary["domain"], domains)
        missing = guesses["likely_account_id"].isna() & by_domain.notna()
        guesses.loc[missing, "likely_account_id"] = by_domain[missing]
        guesses.loc[missing, "likely_by"] = "domain"
    return guesses


def _look_alike_domains(address_domains: pd.Series, domains: pd.DataFrame) -> pd.Series:
    """The account whose domain stem starts the address's domain ("acme" in "acme-de.example")."""
    main = domains[domains["rule"] == "domain"]
    stems = main["domain"].str.rpartition(".")[0]
    owner = dict(zip(stems, main["account_id"], strict=True))
    guesses = {}
    for domain in address_domains.dropna().unique():  # one lookup per distinct domain
        stem = str(domain).rpartition(".")[0]
        for cut in (stem.rfind("-"), stem.rfind(".")):
            if cut > 0 and stem[:cut] in owner:
                guesses[domain] = owner[stem[:cut]]
                break
    return address_domains.map(guesses)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({column: [] for column in UNMATCHED_COLUMNS}, dtype=object)


def _finish(summary: pd.DataFrame) -> pd.DataFrame:
    local = summary["address"].str.partition("@")[0]
    parts = local.str.replace(r"\d+", "", regex=True).str.split(r"[._-]+", regex=True)
    named = parts.map(len) >= 2
    summary["suggested_first_name"] = parts.str[0].str.title().where(named)
    summary["suggested_last_name"] = parts.str[-1].str.title().where(named)
    summary["reason"] = (
        summary["items"].astype(str)
        + " items with KAMs, matches no contact or account domain"
        + summary["likely_account_id"].map(lambda account: "" if pd.isna(account) else "; likely ")
        + summary["likely_account_id"].fillna("").astype(str)
        + summary["likely_by"].map(lambda by: "" if pd.isna(by) else f" by {by}")
    )
    ordered = summary.sort_values(["items", "address"], ascending=[False, True], kind="stable")
    return ordered.reset_index(drop=True)[list(UNMATCHED_COLUMNS)]
