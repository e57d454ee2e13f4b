"""Scoring attribution against a known truth: precision and recall per rule and overall."""

from __future__ import annotations

import pandas as pd
import pytest

from transforms.attribution_eval import (
    INTERNAL_ROW,
    SCORE_COLUMNS,
    master_ical_uid,
    score_attribution,
)

MASTER = "040000008200E00074C5B7101A82E008" + "00000000" + "ABCDEF"
OCCURRENCE = "040000008200E00074C5B7101A82E008" + "07EA0B03" + "ABCDEF"


def row(source: str, key: str, account: str, rule: str) -> dict[str, object]:
    return {
        "source": source,
        "internet_message_id": key if source == "mail" else None,
        "ical_uid": key if source == "event" else None,
        "account_id": account,
        "rule": rule,
    }


def test_occurrence_ical_uids_map_to_their_series_master() -> None:
    assert master_ical_uid(OCCURRENCE) == MASTER
    assert master_ical_uid(MASTER) == MASTER


def test_precision_and_recall_per_rule_and_overall() -> None:
    items = pd.DataFrame(
        [
            row("mail", "<1>", "A1", "contact"),
            row("mail", "<2>", "A2", "contact"),  # wrong: truth A1
            row("mail", "<3>", "A3", "domain"),  # wrong: truth None
            row("event", OCCURRENCE, "A1", "thread"),  # right via the master
            row("mail", "<9>", "A1", "contact"),  # not mirrored: ignored
        ]
    )
    truth_messages = {"<1>": "A1", "<2>": "A1", "<3>": None, "<4>": "A4", "<9>": "A1"}
    scores = score_attribution(
        items, {"<1>", "<2>", "<3>", "<4>", OCCURRENCE}, truth_messages, {MASTER: "A1"}
    ).set_index("rule")
    assert tuple(scores.reset_index().columns) == SCORE_COLUMNS
    # truth pairs among mirrored items: <1>, <2>, <4>, the occurrence
    assert set(scores.drop(index=INTERNAL_ROW)["truth_items"]) == {4}
    assert scores.loc[INTERNAL_ROW, "truth_items"] == 0
    assert list(scores.loc["contact", ["predicted", "correct"]]) == [2, 1]
    assert scores.loc["contact", "precision"] == pytest.approx(0.5)
    assert scores.loc["contact", "recall"] == pytest.approx(0.25)
    assert scores.loc["domain", "precision"] == 0
    assert list(scores.loc["overall", ["predicted", "correct"]]) == [4, 2]
    assert scores.loc["overall", "recall"] == pytest.approx(0.5)


def test_internal_only_items_are_counted_apart_not_scored() -> None:
    """Attribution leaves internal-only mail out by design: an internal "prep for the Acme
    review" is about Acme, but recall is measured on the mail attribution may judge."""
    items = pd.DataFrame([row("mail", "<1>", "A1", "contact")])
    truth = {"<1>": "A1", "<2>": "A1"}
    scores = score_attribution(items, {"<1>", "<2>"}, truth, {}, internal_keys={"<2>"})
    scores = scores.set_index("rule")
    assert scores.loc["overall", "recall"] == 1.0
    assert scores.loc[INTERNAL_ROW, "truth_items"] == 1


def test_two_rules_on_one_pair_count_once_overall() -> None:
    items = pd.DataFrame([row("mail", "<1>", "A1", "contact"), row("mail", "<1>", "A1", "domain")])
    scores = score_attribution(items, {"<1>"}, {"<1>": "A1"}, {}).set_index("rule")
    assert list(scores.loc["overall", ["predicted", "correct", "precision", "recall"]]) == [
        1,
        1,
        1.0,
        1.0,
    ]
