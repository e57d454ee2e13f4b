"""Attribution of mail and meetings to accounts, on hand-made mirror frames."""

from __future__ import annotations

from typing import Any

import pandas as pd

from transforms.attribution import (
    ATTRIBUTION_COLUMNS,
    EXCLUSION_COLUMNS,
    RULES,
    Attribution,
    AttributionSettings,
    attribute,
)
from transforms.unmatched import UNMATCHED_COLUMNS

US = "northwind.example"
KAM = f"kim@{US}"
BOSS = f"boss@{US}"
ACCOUNTS: list[dict[str, Any]] = [
    {"Id": "A1", "Name": "Acme", "Website": "https://www.acme.example/", "ParentId": None},
    {"Id": "A2", "Name": "Beta", "Website": "beta.example", "ParentId": None},
    {"Id": "A3", "Name": "Acme Labs", "Website": "acmelabs.example", "ParentId": "A1"},
    {"Id": "A4", "Name": "Distri", "Website": "distri.example", "ParentId": None},
]
CONTACTS: list[dict[str, Any]] = [
    {"Id": "C1", "AccountId": "A1", "Email": "ann@acme.example", "FirstName": "Ann"},
    {"Id": "C2", "AccountId": "A1", "Email": "bo@acme-de.example", "FirstName": "Bo"},
    {"Id": "C3", "AccountId": "A2", "Email": "cy@beta.example", "FirstName": "Cy"},
    {"Id": "C4", "AccountId": "A4", "Email": "dee@distri.example", "FirstName": "Dee"},
    {"Id": "C5", "AccountId": "A2", "Email": "eve@gmail.com", "FirstName": "Eve"},
    {"Id": "C6", "AccountId": "A2", "Email": None, "FirstName": "Kristy", "LastName": "Hart"},
]


def mail(
    number: int,
    sender: str,
    *recipients: str,
    mailbox: str = KAM,
    sent: str = "2026-11-02T10:00:00Z",
    conversation: str | None = None,
) -> dict[str, Any]:
    return {
        "id": f"m{number}-{mailbox}",
        "mailbox": mailbox,
        "folder": "sentitems" if sender == mailbox else "inbox",
        "internet_message_id": f"<{number}@mail>",
        "conversation_id": conversation or f"conv{number}",
        "subject": f"mail {number}",
        "sender": sender,
        "recipients": list(recipients),
        "received_at": sent,
        "sent_at": sent,
    }


def meeting(uid: str, organizer: str, *attendees: str, mailbox: str = KAM) -> dict[str, Any]:
    return {
        "id": f"e-{uid}-{mailbox}",
        "mailbox": mailbox,
        "ical_uid": uid,
        "subject": "meeting",
        "organizer": organizer,
        "attendees": list(attendees),
        "start": "2026-11-03T09:00:00Z",
        "is_cancelled": False,
    }


def run(
    mails: list[dict[str, Any]],
    meetings: list[dict[str, Any]] = (),  # type: ignore[assignment]
    *,
    contacts: list[dict[str, Any]] = CONTACTS,
    accounts: list[dict[str, Any]] = ACCOUNTS,
    roles: list[dict[str, Any]] = (),  # type: ignore[assignment]
    opportunities: list[dict[str, Any]] = (),  # type: ignore[assignment]
    settings: AttributionSettings = AttributionSettings(),  # noqa: B008
) -> Attribution:
    users = pd.DataFrame([{"Id": "U1", "Email": KAM}, {"Id": "U2", "Email": BOSS}])
    return attribute(
        pd.DataFrame(mails, columns=list(mail(0, KAM))),
        pd.DataFrame(list(meetings), columns=list(meeting("x", KAM))),
        pd.DataFrame(accounts),
        pd.DataFrame(contacts),
        pd.DataFrame(list(roles), columns=["OpportunityId", "ContactId", "Role"]),
        pd.DataFrame(list(opportunities), columns=["Id", "AccountId", "IsClosed"]),
        users,
        settings,
        mailboxes=[KAM],
    )


def pairs(result: Attribution) -> set[tuple[str, str, str]]:
    items = result.items
    keys = items["internet_message_id"].where(items["source"] == "mail", items["ical_uid"])
    return set(zip(keys, items["account_id"], items["rule"], strict=True))


def test_mail_from_a_contact_goes_to_its_account_once_however_many_mailboxes_hold_it() -> None:
    result = run(
        [
            mail(1, "ann@acme.example", KAM, BOSS),
            mail(1, "ann@acme.example", KAM, BOSS, mailbox=BOSS),
        ]
    )
    assert pairs(result) == {("<1@mail>", "A1", "contact")}
    row = result.items.iloc[0]
    assert row["confidence"] == RULES["contact"]
    assert row["direction"] == "inbound"
    assert row["client_addresses"] == ["ann@acme.example"]
    assert row["mailbox"] == BOSS  # neither copy is the sender's: first mailbox alphabetically
    assert "C1" in row["evidence"]
    assert row["occurred_at"] == pd.Timestamp("2026-11-02T10:00:00Z")
    assert tuple(result.items.columns) == ATTRIBUTION_COLUMNS


def test_the_senders_own_copy_is_kept_and_outbound_mail_is_marked_so() -> None:
    result = run([mail(1, KAM, "cy@beta.example", mailbox=BOSS), mail(1, KAM, "cy@beta.example")])
    row = result.items.iloc[0]
    assert (row["mailbox"], row["item_id"], row["direction"]) == (KAM, f"m1-{KAM}", "outbound")


def test_the_strongest_rule_wins_when_contact_and_domain_both_match() -> None:
    result = run([mail(1, "ann@acme.example", KAM, "zed@acme.example")])
    assert pairs(result) == {("<1@mail>", "A1", "contact")}
    assert sorted(result.items.iloc[0]["client_addresses"]) == [
        "ann@acme.example",
        "zed@acme.example",
    ]


def test_unknown_person_on_the_accounts_website_domain_matches_by_domain() -> None:
    result = run([mail(1, "new.buyer@acme.example", KAM)])
    assert pairs(result) == {("<1@mail>", "A1", "domain")}


def test_a_branch_domain_only_the_accounts_contacts_use_is_learnt() -> None:
    result = run([mail(1, "someone@acme-de.example", KAM)])
    assert pairs(result) == {("<1@mail>", "A1", "contact_domain")}


def test_a_subsidiarys_domain_also_counts_for_the_parent() -> None:
    result = run([mail(1, "lab@acmelabs.example", KAM)])
    assert pairs(result) == {
        ("<1@mail>", "A3", "domain"),
        ("<1@mail>", "A1", "subsidiary_domain"),
    }


def test_extra_domains_come_from_configuration_and_a_custom_field() -> None:
    accounts = [{**ACCOUNTS[1], "Domains__c": "beta-shop.example, @beta.io"}, ACCOUNTS[0]]
    settings = AttributionSettings(extra_domains={"A1": ("acme.io",)}, domain_field="Domains__c")
    result = run(
        [mail(1, "x@acme.io", KAM), mail(2, "y@beta-shop.example", KAM), mail(3, "z@beta.io", KAM)],
        accounts=accounts,
        settings=settings,
    )
    assert pairs(result) == {
        ("<1@mail>", "A1", "extra_domain"),
        ("<2@mail>", "A2", "extra_domain"),
        ("<3@mail>", "A2", "extra_domain"),
    }


def test_free_mail_and_shared_domains_never_match_by_domain() -> None:
    accounts = [*ACCOUNTS, {"Id": "A9", "Website": "gmail.com"}, {"Id": "A8", "Website": "p.io"}]
    contacts = [*CONTACTS, {"Id": "C9", "AccountId": "A4", "Email": "desk@portal.example"}]
    result = run(
        [
            mail(1, "stranger@gmail.com", KAM),
            mail(2, "other@portal.example", KAM),
            mail(3, "x@p.io", KAM),
        ],
        accounts=accounts,
        contacts=contacts,
        settings=AttributionSettings(shared_domains=frozenset({"portal.example", "p.io"})),
    )
    assert result.items.empty


def test_a_free_mail_address_in_the_crm_still_matches_as_a_contact() -> None:
    result = run([mail(1, "eve@gmail.com", KAM)])
    assert pairs(result) == {("<1@mail>", "A2", "contact")}


def test_a_private_address_spelt_as_one_contacts_name_matches_that_contact() -> None:
    result = run([mail(1, "kristy.hart77@outlook.com", KAM)])
    assert pairs(result) == {("<1@mail>", "A2", "contact_name")}
    assert result.items.iloc[0]["confidence"] < RULES["contact"]


def test_an_address_at_two_accounts_follows_the_new_contacts_creation_date() -> None:
    contacts = [
        {"Id": "C1", "AccountId": "A1", "Email": "jo@mail.example", "CreatedDate": "2024-01-01"},
        {
            "Id": "C7",
            "AccountId": "A2",
            "Email": "jo@mail.example",
            "CreatedDate": "2026-10-15T08:00:00.000+0000",
        },
    ]
    result = run(
        [
            mail(1, "jo@mail.example", KAM, sent="2026-10-01T10:00:00Z"),
            mail(2, "jo@mail.example", KAM, sent="2026-11-01T10:00:00Z"),
        ],
        contacts=contacts,
    )
    assert pairs(result) == {("<1@mail>", "A1", "contact"), ("<2@mail>", "A2", "contact")}


def test_open_opportunity_contact_roles_attribute_to_the_deals_account() -> None:
    result = run(
        [mail(1, "dee@distri.example", KAM)],
        roles=[{"OpportunityId": "O1", "ContactId": "C4", "Role": "Influencer"}],
        opportunities=[{"Id": "O1", "AccountId": "A2", "IsClosed": False}],
    )
    assert pairs(result) == {("<1@mail>", "A4", "contact"), ("<1@mail>", "A2", "contact_role")}


def test_closed_opportunities_do_not_attribute() -> None:
    result = run(
        [mail(1, "dee@distri.example", KAM)],
        roles=[{"OpportunityId": "O1", "ContactId": "C4", "Role": "Influencer"}],
        opportunities=[{"Id": "O1", "AccountId": "A2", "IsClosed": True}],
    )
    assert pairs(result) == {("<1@mail>", "A4", "contact")}


def test_a_reply_from_an_unknown_address_follows_its_thread() -> None:
    result = run(
        [
            mail(1, "ann@acme.example", KAM, conversation="T"),
            mail(2, KAM, "annprivate@yahoo.com", conversation="T", sent="2026-11-03T10:00:00Z"),
        ]
    )
    assert pairs(result) == {("<1@mail>", "A1", "contact"), ("<2@mail>", "A1", "thread")}


def test_internal_mail_and_robots_are_excluded_with_a_reason() -> None:
    result = run(
        [
            mail(1, BOSS, KAM),
            mail(2, "no-reply@travel.example", KAM),
            mail(3, "bounce-123@lists.example", KAM),
        ]
    )
    assert result.items.empty
    reasons = dict(
        zip(result.exclusions["internet_message_id"], result.exclusions["reason"], strict=True)
    )
    assert reasons == {
        "<1@mail>": "internal only",
        "<2@mail>": "newsletter or no-reply",
        "<3@mail>": "newsletter or no-reply",
    }
    assert tuple(result.exclusions.columns) == EXCLUSION_COLUMNS


def test_an_unanswered_sender_mailing_many_mailboxes_is_bulk_mail() -> None:
    boxes = [KAM, BOSS, f"cat@{US}"]
    result = run([mail(n, "news@digest.example", box, mailbox=box) for n, box in enumerate(boxes)])
    assert set(result.exclusions["reason"]) == {"newsletter or no-reply"}
    assert len(result.exclusions) == 3


def test_a_contact_is_never_bulk_mail() -> None:
    boxes = [KAM, BOSS, f"cat@{US}"]
    result = run([mail(n, "cy@beta.example", box, mailbox=box) for n, box in enumerate(boxes)])
    assert result.exclusions.empty
    assert len(result.items) == 3


def test_meetings_are_one_row_per_ical_uid_with_the_organizers_copy() -> None:
    result = run(
        [],
        [
            meeting("U1", KAM, BOSS, "cy@beta.example", mailbox=BOSS),
            meeting("U1", KAM, BOSS, "cy@beta.example"),
            meeting("U2", KAM, BOSS),
        ],
    )
    assert pairs(result) == {("U1", "A2", "contact")}
    row = result.items.iloc[0]
    assert (row["mailbox"], row["direction"], row["source"]) == (KAM, "meeting", "event")
    assert list(result.exclusions["ical_uid"]) == ["U2"]


def test_empty_mirror_gives_empty_frames_with_the_contract_columns() -> None:
    result = run([], contacts=[{"Id": "C1", "AccountId": "A1", "Email": None}])
    assert tuple(result.items.columns) == ATTRIBUTION_COLUMNS
    assert tuple(result.exclusions.columns) == EXCLUSION_COLUMNS
    assert tuple(result.unmatched.columns) == UNMATCHED_COLUMNS
    assert result.items.empty and result.exclusions.empty and result.unmatched.empty


def test_messy_values_do_not_break_attribution() -> None:
    messy = mail(1, "  Ann@ACME.example ", KAM)
    messy["recipients"] = None
    odd = mail(2, None, KAM)  # type: ignore[arg-type]
    odd["internet_message_id"] = None
    result = run([messy, odd], contacts=[*CONTACTS, {"Id": "C8", "AccountId": None, "Email": 3}])
    assert pairs(result) == {("<1@mail>", "A1", "contact")}
    assert set(result.exclusions["reason"]) == {"internal only"}


def test_a_domain_two_unrelated_accounts_claim_matches_neither_by_domain() -> None:
    """A duplicate account on the client's website must not pull the client's mail too;
    a subsidiary on its parent's website still counts for both."""
    accounts = [
        *ACCOUNTS,
        {"Id": "A9", "Name": "ACME Corp", "Website": "http://acme.example/", "ParentId": None},
        {"Id": "A5", "Name": "Beta Services", "Website": "beta.example", "ParentId": "A2"},
    ]
    result = run(
        [
            mail(1, "ann@acme.example", KAM),  # Ann is a contact of A1
            mail(2, "zed@acme.example", KAM),  # nobody's contact
            mail(3, "zed@beta.example", KAM),
        ],
        accounts=accounts,
    )

    found = pairs(result)
    assert ("<1@mail>", "A1", "contact") in found
    assert not {pair for pair in found if pair[1] == "A9"}
    assert not {pair for pair in found if pair[0] == "<2@mail>"}
    assert {("<3@mail>", "A2", "domain"), ("<3@mail>", "A5", "domain")} <= found
