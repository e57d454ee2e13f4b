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

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from transforms.account_keys import (
    LEGAL_FORMS,
    normalise_city,
    normalise_name,
    normalise_phone,
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
    left = prepared.iloc[pairs[:, 0]].reset_index(drop=True)
    right = prepared.iloc[pairs[:, 1]].reset_index(drop=True)
    signals = _signals(left, right)
    scores = _scores(signals)
    found = np.flatnonzero(scores >= threshold - 1e-9)
    if len(found) == 0:
        return _empty()
    result = pd.DataFrame(
        {
            "account_id": left["id"].to_numpy()[found],
            "other_account_id": right["id"].to_numpy()[found],
            "account_name": left["name"].to_numpy()[found],
            "other_account_name": right["name"].to_numpy()[found],
            "score": np.round(scores[found], 3),
            "reasons": [
                _reasons(*records)
                for records in zip(
                    left.iloc[found].to_dict("records"),
                    right.iloc[found].to_dict("records"),
                    signals.iloc[found].to_dict("records"),
                    strict=True,
                )
            ],
        }
    )
    result = result.sort_values(
        ["score", "account_id", "other_account_id"], ascending=[False, True, True]
    )
    return result.reset_index(drop=True)


def _prepare(accounts: pd.DataFrame) -> pd.DataFrame:
    """Live accounts with their comparable fields, ordered by Id (pair orientation follows)."""
    require_columns(accounts, "accounts", ACCOUNT_COLUMNS)
    live = accounts[~to_bool(column_or(accounts, "IsDeleted", False))]
    live = live[live["Id"].notna()].drop_duplicates("Id", keep="last")
    normalised = [normalise_name(name) for name in live["Name"]]
    columns: dict[str, list[Any]] = {
        "id": live["Id"].astype(str).tolist(),
        "name": [text_or_none(name) for name in live["Name"]],
        "norm": [norm for norm, _ in normalised],
        "legal_form": [stripped for _, stripped in normalised],
        "domain": [registrable_domain(site) for site in column_or(live, "Website", None)],
        "phone": [normalise_phone(phone) for phone in column_or(live, "Phone", None)],
        "city": [normalise_city(city) for city in column_or(live, "BillingCity", None)],
        "parent": [text_or_none(parent) for parent in column_or(live, "ParentId", None)],
    }
    # Object columns keep None as None (pandas 3 would infer a string dtype holding NaN).
    prepared = pd.DataFrame(
        {name: pd.Series(values, dtype=object) for name, values in columns.items()}
    )
    return prepared.sort_values("id").reset_index(drop=True)


def _blocking_keys(prepared: pd.DataFrame) -> pd.DataFrame:
    """One row per (blocking key, account position), each key tagged by its kind."""
    keys: list[str] = []
    rows: list[int] = []
    for row, (norm, domain, phone) in enumerate(
        zip(prepared["norm"], prepared["domain"], prepared["phone"], strict=True)
    ):
        for key in _keys_of(norm, domain, phone):
            keys.append(key)
            rows.append(row)
    frame = pd.DataFrame({"key": keys, "row": np.asarray(rows, dtype=np.int64)})
    frame["sort_name"] = prepared["norm"].to_numpy(dtype=object)[frame["row"].to_numpy()]
    return frame


def _keys_of(norm: str, domain: str | None, phone: str | None) -> Iterable[str]:
    tokens = dict.fromkeys(token for token in norm.split() if len(token) >= MIN_TOKEN_LENGTH)
    for token in list(tokens)[:MAX_NAME_TOKENS]:
        yield f"token:{token}"
    compact = norm.replace(" ", "")
    if len(compact) >= MIN_TOKEN_LENGTH:
        yield f"prefix:{compact[:PREFIX_LENGTH]}"
    if domain:
        yield f"domain:{domain}"
    if phone:
        yield f"phone:{phone}"


def _candidate_positions(prepared: pd.DataFrame, *, block_cap: int, window: int) -> np.ndarray:
    """Unique (i, j) position pairs, i < j, of accounts sharing a block (see module rule)."""
    if block_cap < 2 or window < 1:
        raise ValueError("block_cap must be at least 2 and window at least 1")
    keys = _blocking_keys(prepared)
    sizes = keys.groupby("key")["row"].transform("size")
    small = keys.loc[(sizes >= 2) & (sizes <= block_cap), ["key", "row"]]
    joined = small.merge(small, on="key", suffixes=("_a", "_b"))
    joined = joined[joined["row_a"] < joined["row_b"]]
    parts = [joined[["row_a", "row_b"]].to_numpy(dtype=np.int64)]
    large = keys[sizes > block_cap].sort_values(["key", "sort_name", "row"])
    large_keys = large["key"].to_numpy(dtype=object)
    large_rows = large["row"].to_numpy(dtype=np.int64)
    for offset in range(1, window + 1):
        same = large_keys[offset:] == large_keys[:-offset]
        first, second = large_rows[:-offset][same], large_rows[offset:][same]
        parts.append(np.column_stack([np.minimum(first, second), np.maximum(first, second)]))
    pairs = np.concatenate(parts) if parts else np.empty((0, 2), dtype=np.int64)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    return np.unique(pairs, axis=0) if len(pairs) else np.empty((0, 2), dtype=np.int64)


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


def _signals(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """Per candidate pair: name similarity (0-1) and the exact agreements and conflicts."""
    similarity = process.cpdist(
        left["norm"].tolist(), right["norm"].tolist(), scorer=fuzz.token_sort_ratio, workers=1
    )
    return pd.DataFrame(
        {
            "name": np.asarray(similarity, dtype=float) / 100.0,
            "domain": _same(left["domain"], right["domain"]),
            "phone": _same(left["phone"], right["phone"]),
            "city": _same(left["city"], right["city"]),
            "other_websites": (
                left["domain"].notna().to_numpy()
                & right["domain"].notna().to_numpy()
                & ~_same(left["domain"], right["domain"])
            ),
        }
    )


def _scores(signals: pd.DataFrame) -> np.ndarray:
    gap = 1.0 - signals["name"].to_numpy(dtype=float)
    for signal, weight in SIGNAL_WEIGHTS.items():
        gap = np.where(signals[signal].to_numpy(dtype=bool), gap * (1.0 - weight), gap)
    score = 1.0 - gap
    score = np.where(signals["other_websites"], score * DIFFERENT_WEBSITES_FACTOR, score)
    return np.clip(score, 0.0, 1.0)


def _reasons(
    left: Mapping[Hashable, Any], right: Mapping[Hashable, Any], signals: Mapping[Hashable, Any]
) -> str:
    """The human explanation of one pair's score."""
    percent = round(float(signals["name"]) * 100)
    reasons = ["same name" if left["norm"] == right["norm"] else f"names {percent} % alike"]
    if left["legal_form"] or right["legal_form"]:
        reasons[0] += " after removing legal forms"
    if signals["domain"]:
        reasons.append(f"same website domain {left['domain']}")
    elif signals["other_websites"]:
        reasons.append(f"different website domains {left['domain']} and {right['domain']}")
    if signals["phone"]:
        reasons.append("same phone")
    if signals["city"]:
        reasons.append(f"same billing city {left['city'].title()}")
    return "; ".join(reasons)


def _same(left: pd.Series, right: pd.Series) -> np.ndarray:
    both = left.notna().to_numpy() & right.notna().to_numpy()
    return both & (left.to_numpy(dtype=object) == right.to_numpy(dtype=object))


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({column: pd.Series(dtype=object) for column in DUPLICATE_COLUMNS})
    return frame.astype({"score": float})
