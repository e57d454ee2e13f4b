"""Everything in the seed points at something that exists, in both services."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from sandbox.salesforce.schema import REFERENCE, fields_of
from sandbox.seed import TENANT_DOMAIN, Seed
from sandbox.seed.names import FREE_MAIL_DOMAINS
from tests.unit.test_seed_support import TESTED_PRESETS, seed_of

TODAY = dt.date(2026, 11, 27)


def seed(preset: str) -> Seed:
    return seed_of(preset, TODAY)


def duplicate_account_ids(seed: Seed) -> set[str]:
    """The planted duplicate Accounts (second id of each "duplicate account" situation)."""
    return {item["ids"][1] for item in seed.truth.situations if item["kind"] == "duplicate account"}


def records_by_id(seed: Seed) -> dict[str, tuple[str, dict]]:
    return {
        record["Id"]: (sobject, record)
        for sobject, records in seed.salesforce.items()
        for record in records
    }


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_every_reference_points_at_a_record_of_an_allowed_object(preset: str) -> None:
    known = records_by_id(seed(preset))
    for sobject, records in seed(preset).salesforce.items():
        references = {
            name: field.reference_to
            for name, field in fields_of(sobject).items()
            if field.type == REFERENCE
        }
        for record in records:
            for name, targets in references.items():
                if record[name] is not None:
                    target_object, _ = known[record[name]]
                    assert target_object in targets, (sobject, name, record[name])


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_external_ids_are_unique_per_object(preset: str) -> None:
    for sobject, records in seed(preset).salesforce.items():
        for name, field in fields_of(sobject).items():
            if field.external_id:
                values = [record[name] for record in records if record[name] is not None]
                assert len(set(values)) == len(values), (sobject, name)


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_children_agree_with_their_account(preset: str) -> None:
    known = records_by_id(seed(preset))
    for sobject in ("Contact", "Opportunity", "Contract", "Task", "Case"):
        for record in seed(preset).salesforce[sobject]:
            _, account = known[record["AccountId"]]
            assert record["OwnerId"] == account["OwnerId"], (sobject, record["Id"])
    for sobject in ("Task", "Event", "Case"):
        for record in seed(preset).salesforce[sobject]:
            who = record.get("WhoId") or record["ContactId"]
            assert known[who][1]["AccountId"] == record["AccountId"], (sobject, record["Id"])
            what = record.get("WhatId")
            if what is not None:
                what_object, target = known[what]
                account_id = target["Id"] if what_object == "Account" else target["AccountId"]
                assert account_id == record["AccountId"], (sobject, record["Id"])


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_names_numbers_and_domains_are_unique_and_fictional(preset: str) -> None:
    salesforce = seed(preset).salesforce
    accounts = salesforce["Account"]
    assert len({a["Name"] for a in accounts}) == len(accounts)
    # the planted duplicate accounts share their original's website, spelt differently
    planted = duplicate_account_ids(seed(preset))
    websites = [a["Website"] for a in accounts if a["Id"] not in planted]
    assert planted and len(set(websites)) == len(websites)
    assert all(website.startswith("https://www.") for website in websites)
    assert all(a["Website"].rstrip("/").endswith(".example") for a in accounts)
    for sobject in ("User", "Contact"):
        for person in salesforce[sobject]:
            assert person["Name"] == f"{person['FirstName']} {person['LastName']}"
            domain = person["Email"].split("@")[1]
            assert domain.endswith(".example") or domain in FREE_MAIL_DOMAINS
    case_numbers = [case["CaseNumber"] for case in salesforce["Case"]]
    assert case_numbers[0] == "00001001" and len(set(case_numbers)) == len(case_numbers)
    numbers = [contract["ContractNumber"] for contract in salesforce["Contract"]]
    assert numbers[0] == "00000100" and len(set(numbers)) == len(numbers)


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_most_contacts_write_from_their_company_domain(preset: str) -> None:
    planted = duplicate_account_ids(seed(preset))
    websites = {
        a["Id"]: a["Website"].removeprefix("https://www.")
        for a in seed(preset).salesforce["Account"]
        if a["Id"] not in planted
    }
    domains = seed(preset).truth.account_domains
    assert all(domains[account][0] == website for account, website in websites.items())
    contacts = seed(preset).salesforce["Contact"]
    on_website = [c for c in contacts if c["Email"].endswith("@" + websites[c["AccountId"]])]
    on_domain = [c for c in contacts if c["Email"].split("@")[1] in domains[c["AccountId"]]]
    free_mail = [c for c in contacts if c["Email"].split("@")[1] in FREE_MAIL_DOMAINS]
    assert len(on_domain) + len(free_mail) == len(contacts)
    assert len(free_mail) < len(contacts) * 0.1
    assert len(contacts) * 0.8 < len(on_website) < len(on_domain)


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_salesforce_users_and_graph_users_are_the_same_people(preset: str) -> None:
    graph_users = {user["mail"]: user for user in seed(preset).graph.users}
    assert all(user["userPrincipalName"] == mail for mail, user in graph_users.items())
    sf_users = seed(preset).salesforce["User"]
    assert {user["Email"] for user in sf_users} < graph_users.keys()
    kams = [user["Email"] for user in sf_users if user["Title"] == "Key Account Manager"]
    assert seed(preset).kam_emails == kams
    assert all(graph_users[email]["jobTitle"] == "Key Account Manager" for email in kams)
    head = {user["Id"] for user in sf_users if user["Title"] == "Head of Key Accounts"}
    assert {user["ManagerId"] for user in sf_users if user["Email"] in kams} == head


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_messages_sit_in_the_mailboxes_of_their_sender_and_recipients(preset: str) -> None:
    graph = seed(preset).graph
    mail_of = {user["id"]: user["mail"] for user in graph.users}
    copies: dict[str, list[dict]] = defaultdict(list)
    for user_id, messages in graph.messages.items():
        for message in messages:
            sender = message["from"]["emailAddress"]["address"]
            recipients = {r["emailAddress"]["address"] for r in message["toRecipients"]}
            recipients |= {r["emailAddress"]["address"] for r in message["ccRecipients"]}
            if message["parentFolderId"] == "sentitems":
                assert sender == mail_of[user_id]
            else:
                assert message["parentFolderId"] == "inbox"
                assert mail_of[user_id] in recipients
            internal = {a for a in recipients | {sender} if a.endswith("@" + TENANT_DOMAIN)}
            assert internal <= set(mail_of.values())
            copies[message["internetMessageId"]].append(message)
    ids = [m["id"] for messages in graph.messages.values() for m in messages]
    assert len(ids) == len(set(ids))
    for internet_message_id, same_email in copies.items():
        assert internet_message_id.startswith("<") and internet_message_id.endswith(">")
        assert len({(m["subject"], m["sentDateTime"]) for m in same_email}) == 1


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_each_email_is_in_the_mailbox_of_every_internal_participant(preset: str) -> None:
    graph = seed(preset).graph
    mail_of = {user["id"]: user["mail"] for user in graph.users}
    holders: dict[str, set[tuple[str, str]]] = defaultdict(set)
    participants: dict[str, set[tuple[str, str]]] = {}
    for user_id, messages in graph.messages.items():
        for message in messages:
            sender = message["from"]["emailAddress"]["address"]
            readers = {r["emailAddress"]["address"] for r in message["toRecipients"]}
            readers |= {r["emailAddress"]["address"] for r in message["ccRecipients"]}
            expected = {(a, "inbox") for a in readers - {sender} if a in mail_of.values()}
            if sender in mail_of.values():
                expected.add((sender, "sentitems"))
            participants[message["internetMessageId"]] = expected
            holders[message["internetMessageId"]].add((mail_of[user_id], message["parentFolderId"]))
    assert holders == participants
    assert any(len(copies) >= 3 for copies in holders.values())


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_replies_stay_in_their_conversation(preset: str) -> None:
    subjects: dict[str, set[str]] = defaultdict(set)
    for messages in seed(preset).graph.messages.values():
        for message in messages:
            subjects[message["conversationId"]].add(message["subject"].removeprefix("RE: "))
    assert all(len(topic) == 1 for topic in subjects.values())
    assert any(
        m["subject"].startswith("RE: ") for ms in seed(preset).graph.messages.values() for m in ms
    )


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_ground_truth_covers_every_message_and_meeting(preset: str) -> None:
    graph, truth = seed(preset).graph, seed(preset).truth
    account_ids = {a["Id"] for a in seed(preset).salesforce["Account"]}
    message_ids = {m["internetMessageId"] for ms in graph.messages.values() for m in ms}
    assert message_ids == truth.message_accounts.keys()
    ical_uids = {e["iCalUId"] for es in graph.events.values() for e in es}
    assert ical_uids == truth.event_accounts.keys()
    about = set(truth.message_accounts.values()) | set(truth.event_accounts.values())
    assert None in about and about - {None} <= account_ids


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_meetings_are_organised_by_an_employee_and_copied_to_internal_guests(preset: str) -> None:
    graph = seed(preset).graph
    mail_of = {user["id"]: user["mail"] for user in graph.users}
    calendars: dict[str, set[str]] = defaultdict(set)
    participants: dict[str, set[str]] = {}
    for user_id, events in graph.events.items():
        for event in events:
            organizer = event["organizer"]["emailAddress"]["address"]
            guests = {a["emailAddress"]["address"] for a in event["attendees"]}
            assert (organizer == mail_of[user_id]) is event["isOrganizer"]
            declined = {
                a["emailAddress"]["address"]
                for a in event["attendees"]
                if a["status"]["response"] == "declined"
            }
            kept = {organizer} | (guests & set(mail_of.values())) - declined
            calendars[event["iCalUId"]].add(mail_of[user_id])
            participants.setdefault(event["iCalUId"], set()).update(kept)
    assert calendars == participants
    assert any(e["isCancelled"] for es in graph.events.values() for e in es)


@pytest.mark.parametrize("preset", TESTED_PRESETS)
def test_every_user_has_an_empty_default_task_list(preset: str) -> None:
    graph = seed(preset).graph
    assert graph.todo_lists.keys() == {user["id"] for user in graph.users}
    for lists in graph.todo_lists.values():
        (default,) = lists
        assert default["displayName"] == "Tasks"
        assert default["wellknownListName"] == "defaultList"
        assert default["isOwner"] is True and default["isShared"] is False
