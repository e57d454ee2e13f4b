"""The account team: roles, open and overdue work, last touch, load against the team median."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from transforms.attribution import ATTRIBUTION_COLUMNS
from transforms.team import TEAM_COLUMNS, account_team

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
KEY_ACCOUNTS = pd.DataFrame(
    {"account_id": ["A1", "A2"], "account_name": ["Acme", "Beta"], "owner_id": ["U1", "U2"]}
)
USERS = pd.DataFrame(
    {
        "Id": ["U1", "U2", "U3", "U4"],
        "Name": ["Ann Kam", "Bo Kam", "Cy Support", "Di Gone"],
        "Email": ["Ann@us.com", "bo@us.com", "cy@us.com", "di@us.com"],
        "IsActive": [True, True, "true", False],
    }
)
TEAM = pd.DataFrame(
    {
        "AccountId": ["A1", "A1", "NOT_KEY"],
        "UserId": ["U3", "U4", "U3"],
        "TeamMemberRole": ["Support Lead", "Sales Engineer", "Anything"],
    }
)
TOUCH_COLUMNS = list(ATTRIBUTION_COLUMNS)
NO_TOUCHES = pd.DataFrame(columns=TOUCH_COLUMNS)


def tasks(*rows: tuple[str, str, bool, str | None]) -> pd.DataFrame:
    """(account, owner, closed, activity date) rows; the account sits in WhatId for some."""
    return pd.DataFrame(
        {
            "AccountId": [account if n % 2 else None for n, (account, *_) in enumerate(rows)],
            "WhatId": [account for account, *_ in rows],
            "OwnerId": [owner for _, owner, _, _ in rows],
            "IsClosed": [closed for _, _, closed, _ in rows],
            "ActivityDate": [day for *_, day in rows],
        },
        columns=["AccountId", "WhatId", "OwnerId", "IsClosed", "ActivityDate"],
    )


def opportunities(*rows: tuple[str, str, bool, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["AccountId", "OwnerId", "IsClosed", "CloseDate"])


def cases(*rows: tuple[str, str, bool]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["AccountId", "OwnerId", "IsClosed"])


def team_of(
    task_rows: pd.DataFrame | None = None,
    opportunity_rows: pd.DataFrame | None = None,
    case_rows: pd.DataFrame | None = None,
    touches: pd.DataFrame = NO_TOUCHES,
    **kwargs: object,
) -> pd.DataFrame:
    return account_team(
        KEY_ACCOUNTS,
        TEAM,
        opportunity_rows if opportunity_rows is not None else opportunities(),
        case_rows if case_rows is not None else cases(),
        task_rows if task_rows is not None else tasks(),
        USERS,
        touches,
        now=NOW,
        **kwargs,  # type: ignore[arg-type]
    )


def test_team_members_and_owners_with_their_roles() -> None:
    result = team_of(
        tasks(("A1", "U3", False, None)),
        opportunities(("A1", "U1", False, "2027-01-01"), ("A2", "U3", True, "2026-01-01")),
        cases(("A2", "U3", False)),
    )

    roles = {(row.account_id, row.user_id): row.roles for row in result.itertuples()}
    assert roles == {
        ("A1", "U1"): "account owner; opportunity owner",
        ("A1", "U3"): "support lead; task owner",
        ("A1", "U4"): "sales engineer",
        ("A2", "U2"): "account owner",
        ("A2", "U3"): "case owner",
    }
    assert tuple(result.columns) == TEAM_COLUMNS
    assert result.loc[result["user_id"].eq("U1"), "user_email"].tolist() == ["ann@us.com"]


def test_open_overdue_items_and_open_cases_per_account() -> None:
    result = team_of(
        tasks(
            ("A1", "U1", False, "2026-11-26"),  # overdue
            ("A1", "U1", False, "2026-11-27"),  # due today: not overdue
            ("A1", "U1", True, "2026-01-01"),  # closed
            ("A1", "U1", False, None),
        ),
        opportunities(("A1", "U1", False, "2026-10-01"), ("A1", "U1", True, "2026-10-01")),
        cases(("A1", "U1", False), ("A1", "U1", True), ("A2", "U1", False)),
    ).set_index(["account_id", "user_id"])

    assert list(result.loc[("A1", "U1"), ["open_items", "overdue_items", "open_cases"]]) == [
        4,
        2,
        1,
    ]
    assert result.loc[("A1", "U1"), "load"] == 6  # 4 items + 2 cases across both accounts
    assert result.loc[("A2", "U1"), "roles"] == "case owner"


def test_work_on_other_accounts_does_not_count() -> None:
    result = team_of(tasks(*[("NOT_KEY", "U2", False, None)] * 20))

    assert set(result["load"]) == {0}
    assert not result["overloaded"].any()


def test_overloaded_at_twice_the_median_and_at_least_the_minimum() -> None:
    """Without two peers of one's own job title, everyone else on the teams is the peer."""
    work = tasks(
        *[("A1", "U1", False, None)] * 30,
        *[("A2", "U1", False, None)] * 8,
        *[("A2", "U2", False, None)] * 12,
        *[("A1", "U3", False, None)] * 25,
        *[("A1", "U4", False, None)] * 12,
    )

    result = team_of(work).set_index(["account_id", "user_id"])

    ann = result.loc[[("A1", "U1")]].iloc[0]
    assert (ann["load"], ann["team_median_load"], ann["load_ratio"]) == (38, 12.0, 3.17)
    assert bool(ann["overloaded"])
    assert ann["reason"] == (
        "overloaded: 38 open items across 2 key accounts, 3.2× the median of the team (12)"
    )
    assert not result.loc[("A2", "U2"), "overloaded"]
    # 25 items is over twice the median of every other person (12), but not of U3's peers
    assert result.loc[[("A1", "U3")]].iloc[0]["team_median_load"] == 12.0
    assert bool(result.loc[[("A1", "U3")]].iloc[0]["overloaded"])


def test_peers_are_people_with_the_same_job_title() -> None:
    """KAMs own most of their accounts' work: set against reps every KAM would look
    overloaded, so each is set against the other KAMs."""
    kams = ["K1", "K2", "K3"]
    reps = ["R1", "R2", "R3"]
    accounts = pd.DataFrame({"account_id": kams, "account_name": kams, "owner_id": kams})
    users = pd.DataFrame({
        "Id": kams + reps, "Name": kams + reps, "Email": [f"{u}@us.com" for u in kams + reps],
        "IsActive": True, "Title": ["Key Account Manager"] * 3 + ["Sales Representative"] * 3,
    })  # fmt: skip
    loads = {"K1": 40, "K2": 30, "K3": 90, "R1": 5, "R2": 6, "R3": 4}
    work = tasks(*[(f"K{1 + i % 3}", user, False, None)
                   for user, n in loads.items() for i in range(n)])  # fmt: skip

    result = account_team(
        accounts, pd.DataFrame(columns=["AccountId", "UserId", "TeamMemberRole"]),
        opportunities(), cases(), work, users, NO_TOUCHES, now=NOW,
    ).drop_duplicates("user_id").set_index("user_id")  # fmt: skip

    assert result.loc[result["overloaded"]].index.tolist() == ["K3"]
    assert result.loc["K3", "reason"] == (
        "overloaded: 90 open items across 3 key accounts, 2.6× the median of other key account "
        "managers (35)"
    )
    assert result.loc["K1", "team_median_load"] == 60.0


def test_a_small_load_is_never_overloaded() -> None:
    result = team_of(tasks(*[("A1", "U1", False, None)] * 9))

    assert result["team_median_load"].iloc[0] == 0.0
    assert not result["overloaded"].any()
    assert result.loc[result["user_id"].eq("U1"), "reason"].tolist() == [
        "9 open items across 1 key account, no peer load"
    ]


def test_config_factor_and_minimum() -> None:
    work = tasks(*[("A1", "U1", False, None)] * 9, *[("A2", "U2", False, None)] * 4)

    result = team_of(work, overload_factor=1.5, overload_minimum=5)

    assert result.loc[result["overloaded"], "user_id"].tolist() == ["U1"]


def test_inactive_users_are_flagged() -> None:
    result = team_of()

    reason = result.loc[result["user_id"].eq("U4"), "reason"].iloc[0]
    assert reason.startswith("inactive user still on the team; ")
    assert not result.loc[result["user_id"].eq("U3"), "reason"].iloc[0].startswith("inactive")


def test_last_touch_in_the_members_own_mailbox_including_other_copies() -> None:
    def touch(item: str, account: str, mailbox: str, days_ago: int, direction: str) -> dict:
        return {
            "source": "mail" if direction != "meeting" else "event",
            "item_id": item,
            "internet_message_id": f"<{item}>" if direction != "meeting" else None,
            "ical_uid": item if direction == "meeting" else None,
            "mailbox": mailbox,
            "occurred_at": pd.Timestamp(NOW) - pd.Timedelta(days=days_ago),
            "account_id": account,
            "direction": direction,
            "client_addresses": ["x@acme.com"],
            "conversation_id": item,
        }

    touches = pd.DataFrame(
        [
            touch("m1", "A1", "ann@us.com", 5, "inbound"),
            touch("m2", "A1", "ann@us.com", 3, "outbound"),
            touch("m3", "A1", "bo@us.com", 1, "inbound"),  # Cy holds a copy too
            touch("e1", "A1", "ann@us.com", -2, "meeting"),  # still to come
            touch("m4", "A2", "cy@us.com", 0, "inbound"),  # another account
        ],
        columns=TOUCH_COLUMNS,
    )
    messages = pd.DataFrame(
        {"mailbox": ["bo@us.com", "Cy@us.com"], "internet_message_id": ["<m3>"] * 2}
    )

    without_copies = team_of(touches=touches).set_index(["account_id", "user_id"])
    with_copies = team_of(touches=touches, messages=messages).set_index(["account_id", "user_id"])

    assert without_copies.loc[("A1", "U1"), "last_touch_at"] == pd.Timestamp(NOW) - pd.Timedelta(
        days=3
    )
    assert without_copies["last_touch_at"].isna().to_dict()[("A1", "U3")]
    assert with_copies.loc[("A1", "U3"), "last_touch_at"] == pd.Timestamp(NOW) - pd.Timedelta(
        days=1
    )


def test_empty_inputs_list_only_account_owners_and_team() -> None:
    result = team_of()

    assert len(result) == 4
    assert result["load"].tolist() == [0, 0, 0, 0]


def test_missing_columns_are_named() -> None:
    with pytest.raises(ValueError, match=r"tasks.*ActivityDate"):
        team_of(tasks().drop(columns=["ActivityDate"]))
