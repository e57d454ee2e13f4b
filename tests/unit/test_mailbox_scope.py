"""Mailboxes in scope: configured KAMs plus key-account owners and team members in the tenant."""

from __future__ import annotations

import pandas as pd
import pytest

from flows.scope import mailboxes_to_read
from transforms.mailbox_scope import (
    CONFIGURED,
    DISABLED,
    MAILBOX_COLUMNS,
    NOT_IN_TENANT,
    OWNER,
    TEAM_MEMBER,
    UNMATCHED_COLUMNS,
    MailboxScope,
    mailboxes_in_scope,
)

KEY_ACCOUNTS = pd.DataFrame(
    {"account_id": ["001A", "001B"], "owner_id": ["005ADA", "005BEN"]},
)
TEAM = pd.DataFrame(
    {
        "AccountId": ["001A", "001A", "001Z", "001B"],
        "UserId": ["005CAL", "005BEN", "005ZED", "005DEE"],
        "TeamMemberRole": ["Sales Rep", "Account Manager", "Sales Rep", "Pre-Sales"],
    }
)
SALESFORCE_USERS = pd.DataFrame(
    {
        "Id": ["005ADA", "005BEN", "005CAL", "005ZED", "005DEE"],
        "Name": ["Ada", "Ben", "Cal", "Zed", "Dee"],
        "Email": [
            "Ada.Kam@Contoso.com",
            "ben@contoso.com",
            "cal@contoso.com",
            "zed@contoso.com",
            None,
        ],
        "Username": [
            "ada@contoso.com.sf",
            "ben.sf@contoso.com",
            "cal.sf",
            "zed.sf",
            "dee@contoso.com",
        ],
    }
)
TENANT = pd.DataFrame(
    {
        "id": ["u-ada", "u-ben", "u-cal", "u-zed", "u-dee", "u-eve"],
        "mail": [
            "ada.kam@contoso.com", "Ben@Contoso.com", "cal@contoso.com", "zed@contoso.com",
            None, None,
        ],
        "user_principal_name": [
            "ada@contoso.onmicrosoft.com", "ben@contoso.onmicrosoft.com",
            "cal@contoso.onmicrosoft.com", "zed@contoso.onmicrosoft.com",
            "DEE@contoso.com", "eve@contoso.onmicrosoft.com",
        ],
        "account_enabled": [True, True, False, True, True, True],
    }
)  # fmt: skip


def test_owners_and_team_members_of_key_accounts_join_the_configured_kams() -> None:
    scope = mailboxes_in_scope(
        ["ADA.KAM@contoso.com", "eve@contoso.onmicrosoft.com"],
        KEY_ACCOUNTS,
        TEAM,
        SALESFORCE_USERS,
        TENANT,
    )

    rows = scope.mailboxes.set_index("mailbox")
    assert list(rows.index) == [
        "ada@contoso.onmicrosoft.com",
        "ben@contoso.onmicrosoft.com",
        "dee@contoso.com",
        "eve@contoso.onmicrosoft.com",
    ]
    assert rows.loc["ada@contoso.onmicrosoft.com", "reasons"] == [CONFIGURED, OWNER]
    assert rows.loc["ben@contoso.onmicrosoft.com", "reasons"] == [OWNER, TEAM_MEMBER]
    assert rows.loc["dee@contoso.com", "reasons"] == [TEAM_MEMBER]
    assert rows.loc["dee@contoso.com", "salesforce_user_id"] == "005DEE"
    assert rows["salesforce_user_id"].isna().tolist() == [False, False, False, True]
    assert rows.loc["ben@contoso.onmicrosoft.com", "tenant_user_id"] == "u-ben"


def test_people_without_an_enabled_tenant_account_are_reported_not_read() -> None:
    scope = mailboxes_in_scope([], KEY_ACCOUNTS, TEAM, SALESFORCE_USERS, TENANT)

    assert "cal@contoso.onmicrosoft.com" not in set(scope.mailboxes["mailbox"])
    assert scope.unmatched[["salesforce_user_id", "problem"]].values.tolist() == [
        ["005CAL", DISABLED]
    ]
    assert "zed@contoso.onmicrosoft.com" not in set(scope.mailboxes["mailbox"]), "not a key account"


def test_unknown_people_and_configured_mailboxes_are_reported() -> None:
    stranger = SALESFORCE_USERS.assign(Email="nobody@elsewhere.com", Username="x.sf")

    scope = mailboxes_in_scope(["kam@elsewhere.com"], KEY_ACCOUNTS, TEAM, stranger, TENANT)

    assert list(scope.mailboxes["mailbox"]) == ["kam@elsewhere.com"]
    problems = dict(zip(scope.unmatched["email"], scope.unmatched["problem"], strict=True))
    assert problems["kam@elsewhere.com"] == NOT_IN_TENANT
    assert set(scope.unmatched["salesforce_user_id"].dropna()) == {
        "005ADA",
        "005BEN",
        "005CAL",
        "005DEE",
    }


def test_without_team_members_only_owners_are_added() -> None:
    scope = mailboxes_in_scope([], KEY_ACCOUNTS, pd.DataFrame(), SALESFORCE_USERS, TENANT)

    assert list(scope.mailboxes["mailbox"]) == [
        "ada@contoso.onmicrosoft.com",
        "ben@contoso.onmicrosoft.com",
    ]


def test_missing_columns_are_named() -> None:
    with pytest.raises(ValueError, match="tenant_users frame is missing required column"):
        mailboxes_in_scope([], KEY_ACCOUNTS, TEAM, SALESFORCE_USERS, TENANT.drop(columns="mail"))


def test_the_cycle_reads_configured_mailboxes_as_written_then_the_team() -> None:
    scope = MailboxScope(
        pd.DataFrame(
            [
                ["ann@contoso.com", "u1", "005A", ["configured", "key account owner"]],
                ["bo@contoso.com", "u2", "005B", ["key account team"]],
            ],
            columns=MAILBOX_COLUMNS,
        ),
        pd.DataFrame(columns=UNMATCHED_COLUMNS),
    )

    assert mailboxes_to_read(["Ann@Contoso.com"], scope) == ["Ann@Contoso.com", "bo@contoso.com"]
