"""How well attribution agrees with a known truth: precision and recall per rule and overall.

Used on seeded companies, whose generator knows which account each mail and meeting is about.
Only mirrored items count; a meeting occurrence is judged by its own iCalUId, or its series
master's when the truth lists only the master.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import pandas as pd

SCORE_COLUMNS = ("rule", "predicted", "correct", "precision", "recall", "truth_items")
#: the row counting truth pairs of internal-only items, which are not scored
INTERNAL_ROW = "internal only (not scored)"
#: the instance-date part of an Outlook iCalUId (zeros for a series master)
_INSTANCE = slice(32, 40)


def master_ical_uid(ical_uid: str) -> str:
    """The series master's iCalUId, from one of its occurrences' iCalUIds."""
    return ical_uid[: _INSTANCE.start] + "00000000" + ical_uid[_INSTANCE.stop :]


def score_attribution(
    items: pd.DataFrame,
    mirrored_keys: Collection[str],
    truth_messages: Mapping[str, str | None],
    truth_events: Mapping[str, str | None],
    internal_keys: Collection[str] = (),
) -> pd.DataFrame:
    """SCORE_COLUMNS, one row per rule, an "overall" row and an INTERNAL_ROW.

    `mirrored_keys`: internetMessageIds and iCalUIds in the mirror. Truth pairs are the
    (item, account) pairs of mirrored items with an account, except `internal_keys`: mail
    and meetings with no external participant, which attribution leaves out by design (an
    internal "prep for the Acme review" is about Acme, but nothing in it says so reliably);
    INTERNAL_ROW counts those pairs. A rule's recall is its correct rows over all truth
    pairs; overall counts distinct predicted (item, account) pairs.
    """
    internal = set(internal_keys)
    mirrored = set(mirrored_keys) - internal
    truth = _truth_pairs(mirrored, truth_messages, truth_events)
    left_out = len(_truth_pairs(internal, truth_messages, truth_events))
    predicted = _predicted_pairs(items, mirrored)
    correct = predicted.merge(truth, on=["item", "account_id"], how="left", indicator=True)
    predicted = predicted.assign(correct=(correct["_merge"] == "both").to_numpy())
    total = len(truth)
    per_rule = predicted.groupby("rule").agg(predicted=("item", "size"), correct=("correct", "sum"))
    overall = predicted.drop_duplicates(["item", "account_id"])
    per_rule.loc["overall"] = [len(overall), int(overall["correct"].sum())]
    scores = per_rule.reset_index()
    scores["precision"] = scores["correct"] / scores["predicted"].where(scores["predicted"] > 0)
    scores["recall"] = scores["correct"] / total if total else float("nan")
    scores["truth_items"] = total
    internal_row = {"rule": INTERNAL_ROW, "predicted": 0, "correct": 0, "precision": float("nan"),
                    "recall": float("nan"), "truth_items": left_out}  # fmt: skip
    scores = pd.concat([scores, pd.DataFrame([internal_row])], ignore_index=True)
    return scores[list(SCORE_COLUMNS)]


def truth_account(
    key: str, truth_messages: Mapping[str, str | None], truth_events: Mapping[str, str | None]
) -> str | None:
    """The true account of a mirrored item key (internetMessageId or iCalUId), or None."""
    if key in truth_messages:
        return truth_messages[key]
    if key in truth_events:
        return truth_events[key]
    return truth_events.get(master_ical_uid(key))


def _truth_pairs(
    mirrored: set[str],
    truth_messages: Mapping[str, str | None],
    truth_events: Mapping[str, str | None],
) -> pd.DataFrame:
    pairs = [
        (key, account)
        for key in mirrored
        if (account := truth_account(key, truth_messages, truth_events)) is not None
    ]
    return pd.DataFrame(pairs, columns=["item", "account_id"], dtype=object)


def _predicted_pairs(items: pd.DataFrame, mirrored: set[str]) -> pd.DataFrame:
    item = items["internet_message_id"].where(items["source"] == "mail", items["ical_uid"])
    frame = pd.DataFrame(
        {"item": item, "account_id": items["account_id"], "rule": items["rule"]}
    ).astype(object)
    return frame[frame["item"].isin(mirrored)].reset_index(drop=True)
