"""The Prefect artifacts show the worst rows of each analysis as readable text."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.test_workbook_intelligence import INJECTION, intelligence_frames, utc
from transforms.intelligence_tables import (
    ARTIFACT_TEXT_CHARS,
    ArtifactTables,
    artifact_tables,
    complaints_worst_first,
    engagement_worst_first,
    hours,
    text,
    when,
)

KEYS = [
    "kamsync-health",
    "kamsync-health-changes",
    "kamsync-complaints",
    "kamsync-engagement",
    "kamsync-unanswered",
    "kamsync-team",
    "kamsync-data-quality",
    "kamsync-unmatched",
]


def tables(rows: int = 20, **overrides: pd.DataFrame) -> ArtifactTables:
    frames = {**intelligence_frames(), **overrides}
    del frames["health_components"]
    return artifact_tables(**frames, rows=rows)


def test_one_artifact_per_analysis_every_value_a_string() -> None:
    result = tables()

    assert list(result) == KEYS
    for description, rows in result.values():
        assert description
        assert all(isinstance(value, str) for row in rows for value in row.values())


def test_health_worst_first_with_kam_and_band_counts() -> None:
    description, rows = tables()["kamsync-health"]

    assert description.startswith("3 key accounts by health (1 red, 1 amber, 1 green)")
    assert [row["account"] for row in rows] == ["Acme", "Beta", "Gamma"]
    assert rows[0] == {
        "account": "Acme", "KAM": "Ann Kam", "score": "31", "band": "red",
        "weakest": "engagement, complaints",
    }  # fmt: skip


def test_health_moves_biggest_fall_first_signed() -> None:
    _, rows = tables()["kamsync-health-changes"]

    assert [(row["account"], row["change"], row["band"]) for row in rows] == [
        ("Acme", "-41", "green → red"), ("Beta", "-5", "amber → amber")]  # fmt: skip


def test_complaints_show_utc_times_and_hours_to_one_decimal() -> None:
    _, rows = tables()["kamsync-complaints"]

    breached = rows[0]
    assert breached["state"] == "breached"
    assert breached["account"] == INJECTION  # the Prefect UI shows text; nothing is evaluated
    assert breached["opened"] == "2026-11-20 09:00 UTC"
    assert breached["first response (business h)"] == "5.2 of 4.0, breached"


def test_engagement_never_touched_reads_never_and_comes_first() -> None:
    _, rows = tables()["kamsync-engagement"]

    assert (rows[0]["account"], rows[0]["days since touch"], rows[0]["state"]) == (
        "Acme", "never", "cold")  # fmt: skip


def test_unanswered_team_quality_and_unmatched_rows() -> None:
    result = tables()

    waiting = result["kamsync-unanswered"][1][0]
    assert (waiting["account"], waiting["waiting (business h)"]) == ("Acme", "19.5")
    person = result["kamsync-team"][1][0]
    assert (person["person"], person["overloaded"], person["vs. median"]) == (
        "Di Busy", "yes", "4.0×")  # fmt: skip
    assert person["roles"] == "Account Manager, Executive Sponsor"
    assert result["kamsync-data-quality"][1][0]["severity"] == "high"
    unknown = result["kamsync-unmatched"][1][0]
    assert (unknown["likely account"], unknown["suggested contact"], unknown["mailboxes"]) == (
        "Acme", "Zoe Ng", "3")  # fmt: skip


def test_top_n_rows_and_the_rest_pointed_to_the_workbook() -> None:
    description, rows = tables(rows=1)["kamsync-health"]

    assert len(rows) == 1
    assert description.endswith("2 more in the workbook's Health sheet")


def test_empty_analysis_says_nothing_to_report() -> None:
    frames = intelligence_frames()
    description, rows = tables(complaints=frames["complaints"].iloc[0:0])["kamsync-complaints"]

    assert description == "0 complaints of key accounts (0 breached, 0 at risk, 0 on track, " \
        "0 met): nothing to report"  # fmt: skip
    assert rows == [{"note": "nothing to report"}]


def test_missing_contract_column_is_named() -> None:
    frames = intelligence_frames()
    with pytest.raises(ValueError, match=r"unanswered.*business_hours_waiting"):
        tables(unanswered=frames["unanswered"].drop(columns=["business_hours_waiting"]))


def test_readable_values() -> None:
    assert when(utc("2026-11-27T03:40:16")) == "2026-11-27 03:40 UTC"
    assert when(pd.Timestamp("2026-11-27T05:40:00+02:00")) == "2026-11-27 03:40 UTC"
    assert when(None) == when(pd.NaT) == ""
    assert hours(3.25) == "3.2" and hours(None) == ""
    assert text(["a@x.com", None, "b@x.com"]) == "a@x.com, b@x.com"
    assert text("line one\nline two") == "line one line two"
    assert len(text("x" * 1000)) == ARTIFACT_TEXT_CHARS


STATES = st.sampled_from(["breached", "at risk", "on track", "met", "odd", None])


@settings(derandomize=True, deadline=None)
@given(st.lists(st.tuples(STATES, st.sampled_from(["High", "Low", None])), max_size=30))
def test_complaints_order_never_puts_a_milder_state_above_a_worse_one(
    cases: list[tuple[str | None, str | None]],
) -> None:
    frame = pd.DataFrame(
        {
            "state": [state for state, _ in cases],
            "priority": [priority for _, priority in cases],
            "created_at": [utc("2026-11-20T09:00:00")] * len(cases),
        }
    )
    rank = {"breached": 0, "at risk": 1, "on track": 2, "met": 3}

    ordered = complaints_worst_first(frame)

    ranks = [rank.get(state, 4) if state else 4 for state in ordered["state"]]
    assert ranks == sorted(ranks)
    assert len(ordered) == len(frame)


@settings(derandomize=True, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 400)), max_size=30))
def test_engagement_within_a_state_longest_silence_first(days: list[int | None]) -> None:
    frame = pd.DataFrame(
        {"state": ["cold"] * len(days), "days_since_touch": days, "account_name": "x"}
    )

    ordered = engagement_worst_first(frame)["days_since_touch"]

    silence = [float("inf") if pd.isna(day) else day for day in ordered]
    assert silence == sorted(silence, reverse=True)


def test_engagement_order_takes_nullable_integer_days() -> None:
    """account_engagement gives days_since_touch as nullable Int64 (never touched: <NA>)."""
    from transforms.intelligence_tables import engagement_worst_first

    frame = pd.DataFrame(
        {
            "state": ["cold", "cold", "on track"],
            "days_since_touch": pd.array([None, 40, 3], dtype="Int64"),
            "account_name": ["Never", "Quiet", "Busy"],
        }
    )
    assert engagement_worst_first(frame)["account_name"].tolist() == ["Never", "Quiet", "Busy"]
