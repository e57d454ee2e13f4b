"""Goals: periods, row checks with sheet rows, matching by id then name, attainment."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from transforms.goals import attainment, attainment_by_kam, check_goals, parse_period

KAM = "ada.kam@contoso.com"
FABRIKAM = "001Kz0000000001AAA"
CONTOSO = "001Kz0000000002AAA"
ACCOUNTS = pd.DataFrame(
    {"Id": [FABRIKAM, CONTOSO, "001Kz0000000003AAA"], "Name": ["Fabrikam", "Contoso", "Tailspin"]}
)


def _raw(*rows: tuple[object, object, object, object]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["Account", "Account Id", "Period", "Revenue Goal"])
    return frame.assign(**{"Renewal Goal": "", "Notes": ""}, sheet_row=range(2, len(frame) + 2))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026", (dt.date(2026, 1, 1), dt.date(2026, 12, 31))),
        ("FY2026", (dt.date(2026, 1, 1), dt.date(2026, 12, 31))),
        (2026.0, (dt.date(2026, 1, 1), dt.date(2026, 12, 31))),
        ("2026-Q1", (dt.date(2026, 1, 1), dt.date(2026, 3, 31))),
        ("2026 q4", (dt.date(2026, 10, 1), dt.date(2026, 12, 31))),
        ("next year", None),
        ("2026-Q5", None),
        (None, None),
    ],
)
def test_parse_period(value: object, expected: object) -> None:
    assert parse_period(value) == expected


def test_bad_rows_are_reported_with_their_sheet_row_and_the_rest_kept() -> None:
    raw = _raw(
        ("Fabrikam", FABRIKAM, "2026", 100000),
        ("Contoso", "", "2026", ""),
        ("Tailspin", "", "2026", "tbd"),
        ("Contoso", CONTOSO, "someday", 5),
        ("Gone Ltd", "", "2026", 5000),
        ("Fabrikam", FABRIKAM, 2026, 1),
        ("", "", "", ""),
        ("Contoso", CONTOSO, "2026-Q4", "$12,500"),
    )

    checked = check_goals(raw, KAM, ACCOUNTS)

    assert checked.goals["sheet_row"].tolist() == [2, 9]
    assert checked.goals["revenue_goal"].tolist() == [100000.0, 12500.0]
    assert checked.goals["period"].tolist() == ["2026", "2026-Q4"]
    problems = dict(zip(checked.problems["sheet_row"], checked.problems["reason"], strict=True))
    assert problems[3] == "Revenue Goal is empty"
    assert problems[4] == "Revenue Goal 'tbd' is not a number"
    assert "someday" in problems[5]
    assert "Gone Ltd" in problems[6]
    assert problems[7].startswith("second goal for Fabrikam in 2026 (first on row 2)")
    assert 8 not in problems  # an empty line is not a problem
    assert set(checked.problems["kam"]) == {KAM}


def test_matching_prefers_the_id_then_falls_back_to_the_name() -> None:
    raw = _raw(
        ("Fabrikam (old name)", FABRIKAM[:15], "2026", 10),
        ("  contoso ", "", "2026", 10),
        ("Contoso", "001Kz000000009ZAAA", "2026-Q1", 10),
    )

    goals = check_goals(raw, KAM, ACCOUNTS).goals

    assert goals["account_id"].tolist() == [FABRIKAM, CONTOSO, CONTOSO]
    assert goals["account_name"].tolist() == ["Fabrikam", "contoso", "Contoso"]
    assert goals["matched_by"].tolist() == ["id", "name", "name"]


def test_attainment_counts_won_revenue_closed_inside_the_period() -> None:
    goals = check_goals(
        _raw(("Fabrikam", FABRIKAM, "2026", 200000), ("Contoso", CONTOSO, "2026-Q4", 50000)),
        KAM,
        ACCOUNTS,
    ).goals
    opportunities = pd.DataFrame(
        {
            "AccountId": [FABRIKAM, FABRIKAM, FABRIKAM, CONTOSO, CONTOSO],
            "Amount": [150000, 100000, 999, 30000, 40000],
            "CloseDate": ["2026-03-01", "2026-12-31", "2025-12-31", "2026-10-01", "2026-09-30"],
            "IsWon": [True, True, True, True, True],
        }
    )

    result = attainment(goals, opportunities, today=dt.date(2026, 11, 15))
    by_kam = attainment_by_kam(result)

    assert result["won_revenue"].tolist() == [250000.0, 30000.0]
    assert result["attainment"].tolist() == [1.25, 0.6]
    assert result["period_elapsed"].round(3).tolist() == [round(319 / 365, 3), round(46 / 92, 3)]
    assert by_kam.set_index("period").loc["2026", "attainment"] == 1.25
    assert by_kam["accounts"].tolist() == [1, 1]


def test_open_or_lost_deals_do_not_count() -> None:
    goals = check_goals(_raw(("Fabrikam", FABRIKAM, "2026", 100)), KAM, ACCOUNTS).goals
    opportunities = pd.DataFrame(
        {"AccountId": [FABRIKAM], "Amount": [500], "CloseDate": ["2026-05-01"], "IsWon": [False]}
    )

    result = attainment(goals, opportunities, today=dt.date(2026, 6, 1))

    assert result["won_revenue"].tolist() == [0.0]
    assert attainment_by_kam(result.iloc[0:0]).empty
