"""Contract: O365's mailbox API, as its users write it, against the Graph stand-in."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from O365 import Account
from O365.mailbox import MailBox
from O365.utils.utils import Pagination, Query

from config.settings import Settings
from tests.integration.test_o365_contract_support import (
    colleague,
    graph_root,
    kam,
    raw_graph,
    unique,
)

pytestmark = pytest.mark.integration


def _inbox_count(account: Account, settings: Settings, upn: str) -> int:
    with raw_graph(account) as session:
        url = f"{graph_root(settings)}/users/{upn}/mailFolders/inbox/messages"
        body = session.get(url, params={"$top": "999", "$select": "id"}).json()
    return len(body["value"])


def test_inbox_is_read_across_pages(account: Account, sandbox_settings: Settings) -> None:
    upn = kam(sandbox_settings)
    expected = _inbox_count(account, sandbox_settings, upn)
    pages = account.mailbox(resource=upn).inbox_folder().get_messages(limit=None, batch=10)
    messages = list(pages)
    assert isinstance(pages, Pagination), "more than one page: O365 follows @odata.nextLink"
    assert expected > 10
    assert len(messages) == expected
    assert len({message.object_id for message in messages}) == expected


def test_query_builder_filter_and_order(account: Account, sandbox_settings: Settings) -> None:
    mailbox = account.mailbox(resource=kam(sandbox_settings))
    everything = list(mailbox.inbox_folder().get_messages(limit=None))
    received = sorted(message.received for message in everything)
    since = received[len(received) // 2]
    builder = mailbox.new_query()
    query = builder.greater_equal("receivedDateTime", since) & builder.orderby(
        ("receivedDateTime", False)
    )
    legacy = Query(protocol=mailbox.protocol).on_attribute("receivedDateTime")
    legacy = legacy.greater_equal(since).order_by("receivedDateTime", ascending=True)

    newest_first = list(mailbox.inbox_folder().get_messages(limit=None, query=query))
    oldest_first = list(mailbox.inbox_folder().get_messages(limit=None, query=legacy))

    wanted = sorted((m for m in everything if m.received >= since), key=lambda m: m.received)
    assert [m.received for m in newest_first] == [m.received for m in reversed(wanted)]
    assert [m.received for m in oldest_first] == [m.received for m in wanted]


def test_message_with_attachment_is_delivered_and_kept_in_sent_items(
    account: Account, sandbox_settings: Settings, tmp_path: Path
) -> None:
    sender, recipient = kam(sandbox_settings), colleague(sandbox_settings)
    subject = unique("Contract review")
    notes = tmp_path / "notes.txt"
    notes.write_text("Renewal terms: 3 years, 2 % uplift.")
    message = account.mailbox(resource=sender).new_message()
    message.to.add(recipient)
    message.cc.add(sender)
    message.subject = subject
    message.body = "<p>Notes attached.</p>"
    message.attachments.add(str(notes))
    assert message.send()

    inbox = account.mailbox(resource=recipient).inbox_folder()
    query = inbox.new_query().equals("subject", subject)
    delivered = list(inbox.get_messages(query=query, download_attachments=True))
    sent_box = account.mailbox(resource=sender).sent_folder()
    sent = list(sent_box.get_messages(query=sent_box.new_query().equals("subject", subject)))

    assert len(delivered) == 1 and len(sent) == 1
    received = delivered[0]
    assert received.sender.address == sender
    assert [r.address for r in received.to] == [recipient]
    assert [r.address for r in received.cc] == [sender]
    assert received.has_attachments and not received.is_read
    assert [a.name for a in received.attachments] == ["notes.txt"]
    saved_to = tmp_path / "saved"
    saved_to.mkdir()
    assert received.attachments[0].save(str(saved_to))
    assert (saved_to / "notes.txt").read_text() == notes.read_text()


def test_draft_is_saved_then_sent(account: Account, sandbox_settings: Settings) -> None:
    sender, recipient = kam(sandbox_settings), colleague(sandbox_settings)
    mailbox: MailBox = account.mailbox(resource=sender)
    subject = unique("Draft agenda")
    draft = mailbox.new_message()
    draft.to.add(recipient)
    draft.subject = subject
    draft.body = "QBR agenda, first cut."
    assert draft.save_draft()
    drafts = mailbox.drafts_folder()
    kept = drafts.get_message(object_id=draft.object_id)
    assert kept is not None and kept.is_draft and kept.subject == subject

    assert draft.send()

    query = drafts.new_query().equals("subject", subject)
    assert list(drafts.get_messages(query=query)) == []
    sent = list(mailbox.sent_folder().get_messages(query=query))
    inbox = account.mailbox(resource=recipient).inbox_folder()
    delivered = list(inbox.get_messages(query=query))
    assert [m.subject for m in sent] == [subject] and not sent[0].is_draft
    assert [m.subject for m in delivered] == [subject]


def test_messages_before_a_date(account: Account, sandbox_settings: Settings) -> None:
    mailbox = account.mailbox(resource=kam(sandbox_settings))
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    query = mailbox.new_query().less("receivedDateTime", cutoff)
    older = list(mailbox.inbox_folder().get_messages(limit=None, batch=20, query=query))
    assert older and all(message.received < cutoff for message in older)


def test_reply_all_and_forward_stay_in_the_thread(
    account: Account, sandbox_settings: Settings, tmp_path: Path
) -> None:
    first, second = kam(sandbox_settings), colleague(sandbox_settings)
    subject = unique("Volume question")
    sheet = tmp_path / "volumes.csv"
    sheet.write_text("sku,units\nA-100,40\n")
    question = account.mailbox(resource=first).new_message()
    question.to.add(second)
    question.subject = subject
    question.body = "<p>Can you confirm the volumes?</p>"
    question.attachments.add(str(sheet))
    assert question.send()
    inbox = account.mailbox(resource=second).inbox_folder()
    (received,) = list(inbox.get_messages(query=inbox.new_query().equals("subject", subject)))

    reply = received.reply(to_all=True)
    assert reply is not None and reply.is_draft
    reply.body = "Confirmed: 40 units."
    assert reply.send()
    forward = received.forward()
    assert forward is not None and forward.has_attachments
    forward.to.add(first)
    assert forward.send()

    kam_inbox = account.mailbox(resource=first).inbox_folder()
    answers = {m.subject: m for m in kam_inbox.get_messages(limit=None, download_attachments=True)}
    replied, forwarded = answers[f"RE: {subject}"], answers[f"FW: {subject}"]
    assert [r.address for r in replied.to] == [first]
    assert "Confirmed: 40 units." in replied.body and "confirm the volumes" in replied.body
    assert replied.conversation_id == received.conversation_id == forwarded.conversation_id
    assert [a.name for a in forwarded.attachments] == ["volumes.csv"]
