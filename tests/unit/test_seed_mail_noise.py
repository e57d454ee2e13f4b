"""The seeded mailboxes hold the mix a real company's do, and the truth says what is whose."""

from __future__ import annotations

import base64
import datetime as dt
from collections import Counter
from typing import Any

import pytest

from sandbox.seed import TENANT_DOMAIN, Seed
from sandbox.seed.names import FREE_MAIL_DOMAINS
from tests.unit.test_seed_support import seed_of

TODAY = dt.date(2026, 11, 27)


def seed(preset: str = "demo") -> Seed:
    return seed_of(preset, TODAY)


def emails(preset: str = "demo") -> dict[str, dict[str, Any]]:
    """internetMessageId -> one copy of each email in the tenant."""
    return {
        message["internetMessageId"]: message
        for messages in seed(preset).graph.messages.values()
        for message in messages
    }


def sender(message: dict[str, Any]) -> str:
    return str(message["from"]["emailAddress"]["address"])


def domain(address: str) -> str:
    return address.split("@")[1]


def headers(message: dict[str, Any]) -> dict[str, str]:
    return {h["name"]: h["value"] for h in message.get("internetMessageHeaders", [])}


def kind(message: dict[str, Any], about: str | None, shared: set[str]) -> str:
    """What a reader would call the email."""
    names = headers(message)
    recipients = {r["emailAddress"]["address"] for r in message["toRecipients"]}
    if "List-Unsubscribe" in names:
        return "newsletter"
    if names.get("Auto-Submitted") == "auto-generated":
        return "notification"
    if recipients & shared or sender(message) in shared:
        return "shared mailbox"
    if {domain(address) for address in recipients | {sender(message)}} != {TENANT_DOMAIN}:
        return "client" if about is not None else "stranger"
    return "internal"


def test_demo_mail_mix_looks_like_a_real_company() -> None:
    truth, shared = seed().truth.message_accounts, set(seed().truth.shared_mailboxes)
    kinds = Counter(kind(m, truth[i], shared) for i, m in emails().items())
    total = sum(kinds.values())
    share = {name: count / total for name, count in kinds.items()}
    assert 0.45 < share["client"] < 0.75
    assert 0.03 < share["shared mailbox"] < 0.2
    assert 0.04 < share["internal"] < 0.2
    assert 0.08 < share["newsletter"] + share["notification"] < 0.3
    assert 0.02 < share["stranger"] < 0.1


@pytest.mark.parametrize("preset", ["tiny", "demo"])
def test_free_mail_senders_are_clients_now_and_then_and_mostly_strangers(preset: str) -> None:
    truth = seed(preset).truth.message_accounts
    free = [i for i, m in emails(preset).items() if domain(sender(m)) in FREE_MAIL_DOMAINS]
    about_clients = [i for i in free if truth[i] is not None]
    assert {domain(sender(emails(preset)[i])) for i in free} <= set(FREE_MAIL_DOMAINS)
    assert 0 < len(about_clients) < len(free) * 0.5


def test_bulk_mail_carries_unsubscribe_or_auto_submitted_headers_and_no_client() -> None:
    truth = seed().truth.message_accounts
    bulk = [(i, m) for i, m in emails().items() if m["inferenceClassification"] == "other"]
    assert bulk
    for message_id, message in bulk:
        names = headers(message)
        assert truth[message_id] is None
        if "List-Unsubscribe" in names:
            assert names["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            assert (
                "<mailto:" in names["List-Unsubscribe"] and "<https://" in names["List-Unsubscribe"]
            )
        else:
            assert names["Auto-Submitted"] == "auto-generated"
            assert sender(message).split("@")[0] in (
                "no-reply",
                "noreply",
                "do-not-reply",
                "notifications",
            )
    plain = [m for m in emails().values() if m["inferenceClassification"] == "focused"]
    assert not any("internetMessageHeaders" in m for m in plain)


def test_internal_only_threads_exist_and_some_name_a_client() -> None:
    truth = seed().truth.message_accounts
    internal = [
        i
        for i, m in emails().items()
        if {domain(sender(m))} | {domain(r["emailAddress"]["address"]) for r in m["toRecipients"]}
        == {TENANT_DOMAIN}
    ]
    about = Counter(truth[i] is not None for i in internal)
    assert about[False] > about[True] > 0


def test_shared_mailboxes_are_disabled_users_receiving_client_mail() -> None:
    graph, truth = seed().graph, seed().truth
    assert truth.shared_mailboxes == [
        f"{local}@{TENANT_DOMAIN}" for local in ("sales", "support", "accounts-receivable")
    ]
    users = {user["mail"]: user for user in graph.users}
    for address in truth.shared_mailboxes:
        box = users[address]
        assert box["accountEnabled"] is False and box["jobTitle"] is None
        inbox = [m for m in graph.messages[box["id"]] if m["parentFolderId"] == "inbox"]
        from_clients = [m for m in inbox if domain(sender(m)) != TENANT_DOMAIN]
        assert len(from_clients) >= 10
        assert all(truth.message_accounts[m["internetMessageId"]] for m in from_clients)


def test_client_accounts_on_several_domains_are_in_the_truth_and_in_the_mail() -> None:
    truth = seed().truth
    multi = {account: d for account, d in truth.account_domains.items() if len(d) > 1}
    assert 0.02 < len(multi) / len(truth.account_domains) < 0.2
    owner_of = {domain: account for account, ds in truth.account_domains.items() for domain in ds}
    assert len(owner_of) == sum(len(ds) for ds in truth.account_domains.values())
    second = {d for ds in multi.values() for d in ds[1:]}
    written = [(i, m) for i, m in emails().items() if domain(sender(m)) in second]
    assert written
    assert all(truth.message_accounts[i] == owner_of[domain(sender(m))] for i, m in written)
    contacts = seed().salesforce["Contact"]
    assert any(domain(c["Email"]) in second for c in contacts)


def test_moved_contacts_write_from_the_old_company_before_and_the_new_one_after() -> None:
    truth, contacts = seed().truth, seed().salesforce["Contact"]
    assert len(truth.moved_contacts) >= 3
    by_email = {c["Email"]: c for c in contacts}
    updated = 0
    for move in truth.moved_contacts:
        moved_on = move["moved_on"]
        sent = [
            (i, m)
            for i, m in emails().items()
            if sender(m) in (move["old_email"], move["new_email"])
        ]
        for message_id, message in sent:
            day = message["sentDateTime"][:10]
            if sender(message) == move["old_email"]:
                assert (
                    day < moved_on and truth.message_accounts[message_id] == move["old_account_id"]
                )
            else:
                assert (
                    day > moved_on and truth.message_accounts[message_id] == move["new_account_id"]
                )
        assert {sender(m) for _, m in sent} == {move["old_email"], move["new_email"]}
        assert by_email[move["old_email"]]["AccountId"] == move["old_account_id"]
        if move["new_contact_id"] is None:
            assert move["new_email"] not in by_email
        else:
            updated += 1
            new = by_email[move["new_email"]]
            assert (new["Id"], new["AccountId"]) == (move["new_contact_id"], move["new_account_id"])
    assert 0 < updated < len(truth.moved_contacts)


def test_messages_with_attachments_have_their_files_in_the_same_mailbox() -> None:
    graph = seed().graph
    with_files = 0
    for user_id, messages in graph.messages.items():
        files = {doc["id"]: doc for doc in graph.attachments.get(user_id, [])}
        for message in messages:
            ids = message.get("_attachmentIds", [])
            assert message["hasAttachments"] is bool(ids)
            for attachment_id in ids:
                doc = files.pop(attachment_id)
                content = base64.b64decode(doc["contentBytes"])
                assert len(content) == doc["size"] > 0
                if doc["contentType"] == "application/pdf":
                    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
                    assert doc["name"].endswith(".pdf")
            with_files += bool(ids)
        assert not files, "attachments no message lists"
    total = sum(len(messages) for messages in graph.messages.values())
    assert 0.05 < with_files / total < 0.4
