"""Health changes between two cycles: who moved, by how much, and which components why."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from transforms.health import COMPONENTS, HEALTH_COLUMNS, HEALTH_COMPONENT_COLUMNS
from transforms.health_changes import HEALTH_CHANGE_COLUMNS, NEW_ACCOUNT, health_changes

WEIGHTS = dict(zip(COMPONENTS, (25.0, 15.0, 20.0, 15.0, 15.0, 10.0), strict=True))


def cycle(
    accounts: dict[str, dict[str, tuple[float, str]]], bands: dict[str, str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(health, components) frames; components not given are at full marks."""
    health_rows, component_rows = [], []
    for account_id, changed in accounts.items():
        points = {name: (weight, "fine") for name, weight in WEIGHTS.items()} | changed
        score = round(sum(value for value, _ in points.values()), 1)
        band = (bands or {}).get(account_id) or (
            "green" if score >= 70 else "amber" if score >= 40 else "red"
        )
        health_rows.append((account_id, f"{account_id} Ltd", score, band, "weak: ..."))
        component_rows += [
            (account_id, name, value, WEIGHTS[name], reason)
            for name, (value, reason) in points.items()
        ]
    return (
        pd.DataFrame(health_rows, columns=list(HEALTH_COLUMNS)),
        pd.DataFrame(component_rows, columns=list(HEALTH_COMPONENT_COLUMNS)),
    )


def test_a_drop_names_the_moved_components_biggest_first_with_their_new_reasons() -> None:
    before, before_parts = cycle({"A": {"pipeline": (10.0, "covers 67 %")}})
    after, after_parts = cycle(
        {
            "A": {
                "complaints": (4.0, "2 complaints breached their SLA in the last 90 days"),
                "renewal": (0.0, "contract 00001234 ends 2027-01-15, no renewal opportunity"),
                "pipeline": (12.5, "covers 83 %"),
            }
        }
    )
    changes = health_changes(before_parts, after_parts, before, after)
    assert list(changes.columns) == list(HEALTH_CHANGE_COLUMNS)
    row = changes.iloc[0]
    assert (row["previous_score"], row["score"], row["delta"]) == (95.0, 71.5, -23.5)
    assert (row["previous_band"], row["band"]) == ("green", "green")
    assert row["moved"] == (
        "complaints −16 (2 complaints breached their SLA in the last 90 days); "
        "renewal −10 (contract 00001234 ends 2027-01-15, no renewal opportunity); "
        "pipeline +2.5 (covers 83 %)"
    )


def test_small_moves_are_left_out_unless_the_band_changes() -> None:
    before, before_parts = cycle({"A": {}, "B": {"engagement": (0.0, "cold")}})
    after, after_parts = cycle({"A": {"meetings": (14.5, "x")}, "B": {"engagement": (0.0, "cold")}})
    assert health_changes(before_parts, after_parts, before, after).empty
    # Same points, but new thresholds put B (75) in amber.
    rebanded, _ = cycle(
        {"A": {"meetings": (14.5, "x")}, "B": {"engagement": (0.0, "cold")}}, {"B": "amber"}
    )
    changes = health_changes(before_parts, after_parts, before, rebanded)
    assert list(changes["account_id"]) == ["B"]
    assert (changes.iloc[0]["previous_band"], changes.iloc[0]["band"]) == ("green", "amber")
    assert changes.iloc[0]["moved"].startswith("no component")


def test_new_accounts_appear_with_no_previous_score_and_dropped_ones_do_not() -> None:
    before, before_parts = cycle({"GONE": {}, "A": {}})
    after, after_parts = cycle({"A": {}, "NEW": {"renewal": (0.0, "ends soon")}})
    changes = health_changes(before_parts, after_parts, before, after)
    assert list(changes["account_id"]) == ["NEW"]
    row = changes.iloc[0]
    assert math.isnan(row["previous_score"]) and math.isnan(row["delta"])
    assert row["previous_band"] is None
    assert row["moved"].startswith(NEW_ACCOUNT)


def test_the_first_cycle_has_no_previous_frames() -> None:
    after, after_parts = cycle({"A": {}, "B": {}})
    changes = health_changes(pd.DataFrame(), after_parts, pd.DataFrame(), after)
    assert list(changes["account_id"]) == ["A", "B"]
    assert changes["previous_score"].isna().all()


def test_changes_come_biggest_drop_first_then_rises_then_new_accounts() -> None:
    before, before_parts = cycle({"UP": {"pipeline": (0.0, "none")}, "DOWN": {}, "FLAT": {}})
    after, after_parts = cycle(
        {"UP": {}, "DOWN": {"engagement": (0.0, "cold")}, "FLAT": {}, "NEW": {}}
    )
    changes = health_changes(before_parts, after_parts, before, after)
    assert list(changes["account_id"]) == ["DOWN", "UP", "NEW"]
    assert list(changes["delta"][:2]) == [-25.0, 15.0]
    assert changes.iloc[1]["moved"] == "pipeline +15 (fine)"


def test_frames_reloaded_from_a_store_as_text_still_compare() -> None:
    before, before_parts = cycle({"A": {}})
    after, after_parts = cycle({"A": {"complaints": (12.0, "1 complaint breached")}})
    stored = before.astype(str), before_parts.astype(str)
    changes = health_changes(stored[1], after_parts, stored[0], after)
    assert changes.iloc[0]["delta"] == -8.0
    assert changes.iloc[0]["moved"] == "complaints −8 (1 complaint breached)"


@pytest.mark.parametrize("min_delta", [0.4, 1.0])
def test_the_threshold_is_configurable(min_delta: float) -> None:
    before, before_parts = cycle({"A": {}})
    after, after_parts = cycle({"A": {"meetings": (14.5, "x")}})
    changes = health_changes(before_parts, after_parts, before, after, min_delta=min_delta)
    assert len(changes) == (1 if min_delta < 0.5 else 0)
