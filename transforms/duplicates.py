"""Suspected duplicate accounts: fuzzy-alike names backed by website, phone and city, and why.

Rule, in three steps:

1. Normalise. Names are casefolded, stripped of accents and punctuation, and lose trailing
   legal forms (`LEGAL_FORMS`: "ACME Energy Ltd." and "Acme Energy Limited" both become
   "acme energy"). "Group" and "Holding" stay: they usually name a different, parent record.
   Websites become their registrable domain (`registrable_domain`), phones their last nine
   digits (so "+44 20 7946 0000" and "020 7946 0000" agree), cities casefolded text.
2. Block. Two accounts are compared only when they share a blocking key: one of the first
   `MAX_NAME_TOKENS` name tokens of three or more characters, the first `PREFIX_LENGTH` letters
   of the name without spaces, the website domain, or the phone. A block of up to `block_cap`
   accounts compares every pair; a larger one (a common word, a shared switchboard) is sorted
   by name and each account is compared with its next `window` neighbours only. Each account
   has at most `MAX_NAME_TOKENS + 3` keys, so the comparisons are at most
   N x (MAX_NAME_TOKENS + 3) x max((block_cap - 1) / 2, window): linear in N, not quadratic.
3. Score. The name similarity is rapidfuzz's `token_sort_ratio` of the normalised names (0-1).
   Each exact signal then closes part of the remaining gap to 1 (`SIGNAL_WEIGHTS`: same domain
   and same phone half of it each, same billing city a fifth); two different known websites
   take 10 % off. A pair is reported when its score reaches `threshold`.

Deleted accounts are ignored, and an account is never a duplicate of its ancestor or
descendant in the ParentId hierarchy (subsidiaries often share a name and a website).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from transforms.account_keys import (
    LEGAL_FORMS,
    normalise_city,
    normalise_name,
    normalise_phone,
    per_distinct,
    registrable_domain,
    text_or_none,
)
from transforms.frames import column_or, require_columns, to_bool

__all__ = [
    "DUPLICATE_COLUMNS",
    "LEGAL_FORMS",
    "candidate_pairs",
    "duplicate_accounts",
    "normalise_name",
    "normalise_phone",
    "registrable_domain",
]

ACCOUNT_COLUMNS = ("Id", "Name")

DUPLICATE_COLUMNS = (
    "account_id",
    "other_account_id",
    "account_name",
    "other_account_name",
    "score",
    "reasons",
)

SIGNAL_WEIGHTS = {"domain": 0.5, "phone": 0.5, "city": 0.2}
DIFFERENT_WEBSITES_FACTOR = 0.9

MAX_NAME_TOKENS = 4
MIN_TOKEN_LENGTH = 3
PREFIX_LENGTH = 6


def candidate_pairs(
    accounts: pd.DataFrame, *, block_cap: int = 16, window: int = 4
) -> pd.DataFrame:
    """The pairs of live accounts the blocking rule compares: `account_id`, `other_account_id`.

    Exposed so that the number of comparisons can be checked against the linear bound.
    """
    prepared = _prepare(accounts)
    pairs = _candidate_positions(prepared, block_cap=block_cap, window=window)
    ids = prepared["id"].to_numpy(dtype=object)
    return pd.DataFrame({"account_id": ids[pairs[:, 0]], "other_account_id": ids[pairs[:, 1]]})


def duplicate_accounts(
    accounts: pd.DataFrame,
    *,
    threshold: float = 0.85,
    block_cap: int = 16,
    window: int = 4,
) -> pd.DataFrame:
    """One row per suspected duplicate pair, with a 0-1 score and the reasons, best first."""
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    prepared = _prepare(accounts)
    pairs = _candidate_positions(prepared, block_cap=block_cap, window=window)
    pairs = pairs[~_related(prepared, pairs)]
    if len(pairs) == 0:
        return _empty()
    signals = _signals(prepared, pairs, threshold)
    scores = _scores(signals)
    found = np.flatnonzero(scores >= threshold - 1e-9)
    if len(found) == 0:
        return _empty()
    left, right = pairs[found, 0], pairs[found, 1]
    column = {name: prepared[name].to_numpy(dtype=object) for name in prepared.columns}
    result = pd.DataFrame(
        {
            "account_id": column["id"][left],
            "other_account_id": column["id"][right],
            "account_name": column["name"][left],
            "other_account_name": column["name"][right],
            "score": np.round(scores[found], 3),
            "reasons": [
                _reasons(
                    similarity, (norm, other_norm), (legal, other_legal), (domain, other_domain),
                    (city, other_city), same_domain, other_websites, same_phone, same_city,
                )
                for (
                    similarity, norm, other_norm, legal, other_legal, domain, other_domain,
                    city, other_city, same_domain, other_websites, same_phone, same_city,
                ) in zip(
                    signals["name"][found].tolist(), column["norm"][left], column["norm"][right],
                    column["legal_form"][left], column["legal_form"][right],
                    column["domain"][left], column["domain"][right],
                    column["city"][left], column["city"][right],
                    signals["domain"][found].tolist(), signals["other_websites"][found].tolist(),
                    signals["phone"][found].tolist(), signals["city"][found].tolist(),
                    strict=True,
                )
            ],
        }
    )  # fmt: skip
    result = result.sort_values(
        ["score", "account_id", "other_account_id"], ascending=[False, True, True]
    )
    return result.reset_index(drop=True)


def _prepare(accounts: pd.DataFrame) -> pd.DataFrame:
    """Live accounts with their comparable fields, ordered by Id (pair orientation follows).

    Each field is normalised once per distinct value; `*_code` columns number the distinct
    domains, phones and cities (-1 when missing) so pairs compare integers.
    """
    require_columns(accounts, "accounts", ACCOUNT_COLUMNS)
    live = accounts[~to_bool(column_or(accounts, "IsDeleted", False))]
    live = live[live["Id"].notna()].drop_duplicates("Id", keep="last")
    normalised = per_distinct(live["Name"], normalise_name)
    columns: dict[str, Any] = {
        "id": live["Id"].astype(str).to_numpy(dtype=object),
        "name": per_distinct(live["Name"], text_or_none),
        "norm": [norm for norm, _ in normalised],
        "legal_form": [stripped for _, stripped in normalised],
        "domain": per_distinct(column_or(live, "Website", None), registrable_domain),
        "phone": per_distinct(column_or(live, "Phone", None), normalise_phone),
        "city": per_distinct(column_or(live, "BillingCity", None), normalise_city),
        "parent": per_distinct(column_or(live, "ParentId", None), text_or_none),
    }
    # Object columns keep None as None (pandas 3 would infer a string dtype holding NaN).
    prepared = pd.DataFrame(
        {name: pd.Series(values, dtype=object) for name, values in columns.items()}
    )
    prepared = prepared.sort_values("id").reset_index(drop=True)
    for name in ("domain", "phone", "city"):
        prepared[f"{name}_code"] = pd.factorize(prepared[name].to_numpy(dtype=object))[0]
    return prepared


def _blocking_keys(prepared: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(key, account position) per blocking key an account holds, keys as integer codes.

    Name tokens, name prefixes, domains and phones are numbered apart, so a token and a
    prefix spelled alike are different keys (as "token:acme" and "prefix:acme" were).
    """
    token_rows: list[int] = []
    tokens: list[str] = []
    prefix_rows: list[int] = []
    prefixes: list[str] = []
    for row, norm in enumerate(prepared["norm"].tolist()):
        kept = dict.fromkeys(token for token in norm.split() if len(token) >= MIN_TOKEN_LENGTH)
        for token in list(kept)[:MAX_NAME_TOKENS]:
            tokens.append(token)
            token_rows.append(row)
        compact = norm.replace(" ", "")
        if len(compact) >= MIN_TOKEN_LENGTH:
            prefixes.append(compact[:PREFIX_LENGTH])
            prefix_rows.append(row)
    keys: list[np.ndarray] = []
    rows: list[np.ndarray] = []
    offset = 0
    for codes, positions in (
        (pd.factorize(np.asarray(tokens, dtype=object))[0], np.asarray(token_rows)),
        (pd.factorize(np.asarray(prefixes, dtype=object))[0], np.asarray(prefix_rows)),
        (prepared["domain_code"].to_numpy(), np.arange(len(prepared))),
        (prepared["phone_code"].to_numpy(), np.arange(len(prepared))),
    ):
        present = codes >= 0
        keys.append(codes[present].astype(np.int64) + offset)
        rows.append(positions[present].astype(np.int64))
        offset += int(codes.max()) + 1 if len(codes) else 0
    return np.concatenate(keys), np.concatenate(rows)


def _candidate_positions(prepared: pd.DataFrame, *, block_cap: int, window: int) -> np.ndarray:
    """Unique (i, j) position pairs, i < j, of accounts sharing a block (see module rule)."""
    if block_cap < 2 or window < 1:
        raise ValueError("block_cap must be at least 2 and window at least 1")
    keys, rows = _blocking_keys(prepared)
    sizes = np.bincount(keys)[keys] if len(keys) else np.empty(0, dtype=np.int64)
    parts = []
    # A small block: every pair, i.e. every entry with each later one of its block (sorted by
    # key, a block's entries are adjacent and at most block_cap - 1 apart).
    small = (sizes >= 2) & (sizes <= block_cap)
    order = np.argsort(keys[small], kind="stable")
    parts += _neighbours(keys[small][order], rows[small][order], block_cap - 1)
    # A large block: sorted by name, each account with its next `window` neighbours.
    large = sizes > block_cap
    name_rank = pd.factorize(prepared["norm"].to_numpy(dtype=object), sort=True)[0]
    large_keys, large_rows = keys[large], rows[large]
    order = np.lexsort((large_rows, name_rank[large_rows], large_keys))
    parts += _neighbours(large_keys[order], large_rows[order], window)
    pairs = np.concatenate(parts) if parts else np.empty((0, 2), dtype=np.int64)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    if not len(pairs):
        return np.empty((0, 2), dtype=np.int64)
    # one int64 per pair: sorting and de-duplicating those is ~10x faster than rows
    size = np.int64(int(pairs.max()) + 1)
    codes = np.sort(pd.unique(pairs[:, 0].astype(np.int64) * size + pairs[:, 1]))
    return np.column_stack([codes // size, codes % size])


def _neighbours(keys: np.ndarray, rows: np.ndarray, reach: int) -> list[np.ndarray]:
    """(lower, higher) row pairs of entries up to `reach` apart that share a key."""
    parts = []
    for offset in range(1, min(reach, len(keys) - 1) + 1):
        same = keys[offset:] == keys[:-offset]
        first, second = rows[:-offset][same], rows[offset:][same]
        parts.append(np.column_stack([np.minimum(first, second), np.maximum(first, second)]))
    return parts


def _related(prepared: pd.DataFrame, pairs: np.ndarray) -> np.ndarray:
    """Whether each pair is an account and its ancestor (ParentId chain, cycles tolerated)."""
    parent_of = {
        account: parent for account, parent in zip(prepared["id"], prepared["parent"], strict=True)
    }
    if not any(parent_of.values()) or len(pairs) == 0:
        return np.zeros(len(pairs), dtype=bool)
    ids = prepared["id"].to_numpy(dtype=object)
    ancestors = {account: _ancestors(account, parent_of) for account in parent_of}
    return np.array(
        [ids[j] in ancestors[ids[i]] or ids[i] in ancestors[ids[j]] for i, j in pairs.tolist()],
        dtype=bool,
    )


def _ancestors(account: str, parent_of: dict[str, str | None]) -> frozenset[str]:
    seen: list[str] = []
    parent = parent_of.get(account)
    while parent and parent not in seen and parent != account:
        seen.append(parent)
        parent = parent_of.get(parent)
    return frozenset(seen)


def _signals(
    prepared: pd.DataFrame, pairs: np.ndarray, threshold: float = 0.0
) -> dict[str, np.ndarray]:
    """Per candidate pair: name similarity (0-1) and the exact agreements and conflicts.

    The exact signals come first: they fix how alike the names must be for the pair to reach
    `threshold`, and rapidfuzz skips (scores 0) the pairs that cannot get there. Every pair
    that can reach the threshold keeps its exact similarity.
    """
    left, right = pairs[:, 0], pairs[:, 1]
    norms = prepared["norm"].to_numpy(dtype=object)
    same = {
        name: _same(prepared[f"{name}_code"].to_numpy(), left, right)
        for name in ("domain", "phone", "city")
    }
    domains = prepared["domain_code"].to_numpy()
    other_websites = (domains[left] >= 0) & (domains[right] >= 0) & ~same["domain"]
    combination = (
        same["domain"] * 1 + same["phone"] * 2 + same["city"] * 4 + other_websites * 8
    ).astype(np.int64)
    # Names are single-spaced tokens, so sorting the tokens keeps their length, and two texts
    # of lengths a and b are at most 200 * min(a, b) / (a + b) % alike: pairs that cannot reach
    # the cutoff on length alone score 0 without asking rapidfuzz (which would say 0 too).
    lengths = np.fromiter((len(norm) for norm in norms), dtype=np.int64, count=len(norms))
    shorter = np.minimum(lengths[left], lengths[right])
    total = lengths[left] + lengths[right]
    bound = np.where(total > 0, 200.0 * shorter / np.maximum(total, 1), 100.0)
    similarity = np.zeros(len(pairs), dtype=float)
    for code in np.unique(combination):
        cutoff = _name_cutoff(threshold, code)
        group = np.flatnonzero((combination == code) & (bound >= cutoff))
        similarity[group] = process.cpdist(
            norms[left[group]].tolist(),
            norms[right[group]].tolist(),
            scorer=fuzz.token_sort_ratio,
            score_cutoff=cutoff,
            workers=1,
        )
    return {"name": similarity / 100.0, **same, "other_websites": other_websites}


def _name_cutoff(threshold: float, combination: int) -> float:
    """The lowest name similarity (0-100, with half a point to spare) that can still reach
    `threshold` given the exact signals coded in `combination` (see `_signals`)."""
    kept = 1.0
    for bit, signal in enumerate(("domain", "phone", "city")):
        if combination & (1 << bit):
            kept *= 1.0 - SIGNAL_WEIGHTS[signal]
    factor = DIFFERENT_WEBSITES_FACTOR if combination & 8 else 1.0
    needed = 1.0 - (1.0 - (threshold - 1e-9) / factor) / kept if kept > 0 else 0.0
    return max(0.0, needed * 100.0 - 0.5)


def _scores(signals: Mapping[str, np.ndarray]) -> np.ndarray:
    gap = 1.0 - np.asarray(signals["name"], dtype=float)
    for signal, weight in SIGNAL_WEIGHTS.items():
        gap = np.where(np.asarray(signals[signal], dtype=bool), gap * (1.0 - weight), gap)
    score = 1.0 - gap
    score = np.where(signals["other_websites"], score * DIFFERENT_WEBSITES_FACTOR, score)
    return np.clip(score, 0.0, 1.0)


def _reasons(
    similarity: float,
    norms: tuple[str, str],
    legal_forms: tuple[bool, bool],
    domains: tuple[str | None, str | None],
    cities: tuple[str | None, str | None],
    same_domain: bool,
    other_websites: bool,
    same_phone: bool,
    same_city: bool,
) -> str:
    """The human explanation of one pair's score."""
    percent = round(float(similarity) * 100)
    reasons = ["same name" if norms[0] == norms[1] else f"names {percent} % alike"]
    if legal_forms[0] or legal_forms[1]:
        reasons[0] += " after removing legal forms"
    if same_domain:
        reasons.append(f"same website domain {domains[0]}")
    elif other_websites:
        reasons.append(f"different website domains {domains[0]} and {domains[1]}")
    if same_phone:
        reasons.append("same phone")
    if same_city:
        reasons.append(f"same billing city {str(cities[0]).title()}")
    return "; ".join(reasons)


def _same(codes: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Whether both sides have the value (code >= 0) and it is the same."""
    return (codes[left] >= 0) & (codes[left] == codes[right])


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({column: pd.Series(dtype=object) for column in DUPLICATE_COLUMNS})
    return frame.astype({"score": float})
