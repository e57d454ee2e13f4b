"""Whose mailboxes kamsync reads: the configured KAMs plus the people on key accounts.

The people are the key accounts' owners and their account-team members
(Salesforce `AccountTeamMember`), matched to tenant users by email or
username against `mail` or `userPrincipalName`, case-insensitively; each
mailbox is named by its UPN. A Salesforce user with no enabled tenant account
is reported, not guessed; configured mailboxes are always kept (and reported
when the tenant does not know them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from transforms.frames import require_columns

KEY_ACCOUNT_COLUMNS = ("account_id", "owner_id")
TEAM_COLUMNS = ("AccountId", "UserId")
SALESFORCE_USER_COLUMNS = ("Id", "Name", "Email")
TENANT_USER_COLUMNS = ("id", "mail", "user_principal_name", "account_enabled")

#: Columns of `MailboxScope.mailboxes`.
MAILBOX_COLUMNS = ["mailbox", "tenant_user_id", "salesforce_user_id", "reasons"]
#: Columns of `MailboxScope.unmatched`.
UNMATCHED_COLUMNS = ["salesforce_user_id", "name", "email", "reasons", "problem"]

CONFIGURED = "configured"
OWNER = "key account owner"
TEAM_MEMBER = "key account team"
NOT_IN_TENANT = "no tenant user with this email or username"
DISABLED = "tenant account disabled"


@dataclass(frozen=True)
class MailboxScope:
    """The mailboxes to read (one row each) and the people who could not be matched."""

    mailboxes: pd.DataFrame
    unmatched: pd.DataFrame


def mailboxes_in_scope(
    configured: Sequence[str],
    key_accounts: pd.DataFrame,
    team_members: pd.DataFrame,
    salesforce_users: pd.DataFrame,
    tenant_users: pd.DataFrame,
) -> MailboxScope:
    """Configured mailboxes ∪ key-account owners and team members found in the tenant."""
    require_columns(key_accounts, "key_accounts", KEY_ACCOUNT_COLUMNS)
    require_columns(salesforce_users, "salesforce_users", SALESFORCE_USER_COLUMNS)
    require_columns(tenant_users, "tenant_users", TENANT_USER_COLUMNS)
    people = _people_on_key_accounts(key_accounts, team_members)
    by_address = _tenant_index(tenant_users)
    rows: dict[str, dict[str, object]] = {}
    unmatched: list[list[object]] = []
    for address in configured:
        found = by_address.get(address.strip().lower())
        entry = rows.setdefault(
            found[0] if found else address.strip().lower(), _row(address, found)
        )
        _add_reason(entry, CONFIGURED)
        if found is None or not found[1]:
            problem = NOT_IN_TENANT if found is None else DISABLED
            unmatched.append([None, None, address, [CONFIGURED], problem])
    users = salesforce_users.drop_duplicates("Id").set_index("Id")
    for user_id, reasons in people.items():
        if user_id not in users.index:
            continue
        user = users.loc[user_id]
        candidates = [_lower(user.get("Email")), _lower(user.get("Username"))]
        found = next((by_address[c] for c in candidates if c and c in by_address), None)
        if found is None or not found[1]:
            problem = NOT_IN_TENANT if found is None else DISABLED
            unmatched.append(
                [user_id, user.get("Name"), user.get("Email"), sorted(reasons), problem]
            )
            continue
        mailbox = found[0]
        entry = rows.setdefault(mailbox, _row(mailbox, found))
        entry["salesforce_user_id"] = entry["salesforce_user_id"] or user_id
        for reason in sorted(reasons):
            _add_reason(entry, reason)
    mailboxes = pd.DataFrame.from_records(list(rows.values()), columns=MAILBOX_COLUMNS)
    return MailboxScope(
        mailboxes.sort_values("mailbox", ignore_index=True),
        pd.DataFrame(unmatched, columns=UNMATCHED_COLUMNS),
    )


def _people_on_key_accounts(key_accounts: pd.DataFrame, team: pd.DataFrame) -> dict[str, set[str]]:
    """Salesforce user id -> why they are in scope (owner, team member or both)."""
    people: dict[str, set[str]] = {}
    for owner in key_accounts["owner_id"].dropna():
        people.setdefault(str(owner), set()).add(OWNER)
    if not team.empty:
        require_columns(team, "team_members", TEAM_COLUMNS)
        keys = set(key_accounts["account_id"].dropna().astype(str))
        on_key = team[team["AccountId"].astype(str).isin(keys)]
        for member in on_key["UserId"].dropna():
            people.setdefault(str(member), set()).add(TEAM_MEMBER)
    return people


def _tenant_index(tenant_users: pd.DataFrame) -> dict[str, tuple[str, bool, str]]:
    """Lower-cased mail and UPN -> (mailbox UPN, enabled, tenant user id)."""
    index: dict[str, tuple[str, bool, str]] = {}
    for user in tenant_users.to_dict("records"):
        upn = _lower(user.get("user_principal_name"))
        if not upn:
            continue
        entry = (upn, bool(user.get("account_enabled")), str(user["id"]))
        for address in (upn, _lower(user.get("mail"))):
            if address:
                index.setdefault(address, entry)
    return index


def _row(mailbox: str, found: tuple[str, bool, str] | None) -> dict[str, object]:
    return {
        "mailbox": found[0] if found else mailbox.strip().lower(),
        "tenant_user_id": found[2] if found else None,
        "salesforce_user_id": None,
        "reasons": [],
    }


def _add_reason(entry: dict[str, object], reason: str) -> None:
    reasons = entry["reasons"]
    assert isinstance(reasons, list)
    if reason not in reasons:
        reasons.append(reason)


def _lower(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip().lower()
    return text or None
