"""Accounts carry ERP numbers and key accounts their teams; the large preset keeps its rates."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest

from sandbox.ids import salesforce_id
from sandbox.seed import Seed, generate
from sandbox.seed.presets import preset_named
from sandbox.seed.records import IdMint
from tests.unit.test_seed_support import LARGE_RATES, TESTED_PRESETS, seed_of

TODAY = dt.date(2026, 11, 27)
ERP_NUMBER = "ERP-"


def seed(preset: str) -> Seed:
    return seed_of(preset, TODAY)


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_every_customer_has_its_own_erp_number_and_prospects_none(preset: str) -> None:
    accounts = seed(preset).salesforce["Account"]
    numbers = [account["External_Id__c"] for account in accounts if account["External_Id__c"]]
    assert len(set(numbers)) == len(numbers)
    for account in accounts:
        number = account["External_Id__c"]
        if account["Type"] == "Prospect":
            assert number is None
        else:
            assert number.startswith(ERP_NUMBER) and len(number) == len(ERP_NUMBER) + 6
            assert number.removeprefix(ERP_NUMBER).isdigit()
    by_age = sorted((a["CreatedDate"], a["Id"], a["External_Id__c"]) for a in accounts)
    in_erp_order = [number for _, _, number in by_age if number]
    assert in_erp_order == sorted(in_erp_order), "older customers have lower numbers"


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_key_accounts_have_teams_of_salesforce_users_led_by_their_kam(preset: str) -> None:
    salesforce = seed(preset).salesforce
    users = {user["Id"]: user for user in salesforce["User"]}
    accounts = {account["Id"]: account for account in salesforce["Account"]}
    teams: dict[str, list[dict]] = defaultdict(list)
    for member in salesforce["AccountTeamMember"]:
        teams[member["AccountId"]].append(member)
    flagged = {a for a, account in accounts.items() if account["Key_Account__c"]}
    assert set(teams) == flagged
    assert flagged <= set(seed(preset).truth.key_account_ids)
    for account_id, team in teams.items():
        assert len({member["UserId"] for member in team}) == len(team)
        assert all(users[member["UserId"]]["IsActive"] for member in team)
        assert all(member["AccountAccessLevel"] in ("Read", "Edit") for member in team)
        leads = [member for member in team if member["TeamMemberRole"] == "Account Manager"]
        assert [(m["UserId"], m["AccountAccessLevel"]) for m in leads] == [
            (accounts[account_id]["OwnerId"], "Edit")
        ]
        assert users[leads[0]["UserId"]]["Title"] == "Key Account Manager"
        assert any(member["TeamMemberRole"] == "Sales Rep" for member in team)
    titles = Counter(users[member["UserId"]]["Title"] for member in salesforce["AccountTeamMember"])
    assert titles["Customer Success Manager"] > 0 and titles["Solutions Engineer"] > 0


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_team_members_do_not_change_the_kams(preset: str) -> None:
    sizes = TESTED_PRESETS[preset]
    assert len(seed(preset).kam_emails) == sizes.kams
    titles = Counter(user["Title"] for user in seed(preset).salesforce["User"])
    assert titles["Key Account Manager"] == sizes.kams
    assert titles["Customer Success Manager"] == sizes.success_managers
    assert titles["Solutions Engineer"] == sizes.solutions_engineers


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_activities_wait_for_kamsync_to_set_their_keys(preset: str) -> None:
    for sobject in ("Task", "Event"):
        assert all(record["Kamsync_Key__c"] is None for record in seed(preset).salesforce[sobject])


def test_large_rates_give_the_documented_records_per_account() -> None:
    """Per account, large documents ~3 contacts, 5 deals, 2 cases, 1 contract, 10 activities."""
    salesforce = seed(LARGE_RATES.name).salesforce
    per_account = {
        sobject: len(records) / LARGE_RATES.accounts for sobject, records in salesforce.items()
    }
    assert 2.7 <= per_account["Contact"] <= 3.6
    assert 4.5 <= per_account["Opportunity"] <= 6.0
    assert 1.6 <= per_account["Case"] <= 2.4
    assert 0.8 <= per_account["Contract"] <= 1.2
    assert 8.0 <= per_account["Task"] + per_account["Event"] <= 12.0
    mailboxes = seed(LARGE_RATES.name).graph.messages
    assert 45 <= len(mailboxes) <= 55


def test_a_scaled_preset_keeps_rates_and_staff() -> None:
    large = preset_named("large")
    scaled = large.scaled(500)
    assert (scaled.name, scaled.accounts) == ("large-500", 500)
    assert (scaled.kams, scaled.reps, scaled.task_scale) == (large.kams, large.reps, 3.8)
    assert scaled.strategic_accounts >= 2


def test_a_custom_preset_is_generated_under_its_own_name() -> None:
    custom = preset_named("tiny").scaled(12)
    made = generate(custom, TODAY)
    assert made.preset == "tiny-12"
    assert len(made.salesforce["Account"]) == 12


def test_minted_ids_are_the_sandbox_ids_in_sequence() -> None:
    mint = IdMint()
    for sobject in ("Account", "OpportunityLineItem", "Task"):
        minted = [mint.next(sobject) for _ in range(62 * 62 + 70)]
        assert minted == [salesforce_id(sobject, n) for n in range(1, len(minted) + 1)]
