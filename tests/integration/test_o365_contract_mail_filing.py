"""Contract: filing mail with O365 (folders, moves, copies, deletes), mailbox settings
and MIME export, against the Graph stand-in."""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import default
from pathlib import Path

import pytest
from O365 import Account
from O365.mailbox import AutoReplyStatus, MailBox
from requests import HTTPError

from config.settings import Settings
from tests.integration.test_o365_contract_support import (
    colleague,
    kam,
    unique,
)

pytestmark = pytest.mark.integration


def test_read_move_and_delete(account: Account, sandbox_settings: Settings) -> None:
    sender, recipient = kam(sandbox_settings), colleague(sandbox_settings)
    subject = unique("Move me")
    message = account.mailbox(resource=sender).new_message()
    message.to.add(recipient)
    message.subject = subject
    message.body = "File this."
    assert message.send(save_to_sent_folder=False)
    mailbox = account.mailbox(resource=recipient)
    inbox = mailbox.inbox_folder()
    query = inbox.new_query().equals("subject", subject)
    (received,) = list(inbox.get_messages(query=query))

    assert received.mark_as_read()
    again = mailbox.get_message(object_id=received.object_id)
    assert again is not None and again.is_read
    folder_names = {folder.name for folder in mailbox.get_folders()}
    assert {"Inbox", "Sent Items", "Drafts", "Deleted Items"} <= folder_names

    inbox_id = received.object_id
    archive = mailbox.get_folder(folder_name="Deleted Items")
    assert received.move(archive)
    assert list(inbox.get_messages(query=query)) == []
    (moved,) = list(archive.get_messages(query=query))
    assert moved.object_id == received.object_id != inbox_id, "a moved item gets a new id"
    assert moved.delete()
    with pytest.raises(HTTPError) as gone:
        mailbox.get_message(object_id=moved.object_id)
    assert gone.value.response.status_code == 404
    assert gone.value.response.json()["error"]["code"] == "ErrorItemNotFound"
    sent_box = account.mailbox(resource=sender).sent_folder()
    assert list(sent_box.get_messages(query=query)) == [], "save_to_sent_folder=False"


def test_folder_tree_and_copies(account: Account, sandbox_settings: Settings) -> None:
    owner = kam(sandbox_settings)
    mailbox: MailBox = account.mailbox(resource=owner)
    clients = mailbox.create_child_folder(unique("Clients"))
    contoso = clients.create_child_folder("Contoso")
    subject = unique("File a copy")
    message = mailbox.new_message()
    message.to.add(owner)
    message.subject = subject
    assert message.send(save_to_sent_folder=False)
    query = mailbox.new_query().equals("subject", subject)
    (original,) = list(mailbox.inbox_folder().get_messages(query=query))

    copy = original.copy(contoso)
    with pytest.raises(HTTPError) as taken:
        clients.create_child_folder("contoso")
    assert clients.update_folder_name(clients.name + " (renamed)")
    found = mailbox.get_folder(folder_name=clients.name)

    assert found is not None and found.folder_id == clients.folder_id
    assert [folder.name for folder in found.get_folders()] == ["Contoso"]
    assert found.child_folders_count == 1 and contoso.parent_id == clients.folder_id
    assert copy is not None and copy.object_id != original.object_id
    assert [m.object_id for m in contoso.get_messages()] == [copy.object_id]
    assert [m.object_id for m in mailbox.inbox_folder().get_messages(query=query)] == [
        original.object_id
    ]
    assert taken.value.response.status_code == 409
    assert taken.value.response.json()["error"]["code"] == "ErrorFolderExists"

    clients_id = clients.folder_id
    assert clients.delete()
    assert mailbox.get_folder(folder_name=clients.name) is None
    trashed = mailbox.deleted_folder().get_folder(folder_name=clients.name)
    assert trashed is not None and trashed.folder_id == clients_id
    assert [m.subject for m in contoso.get_messages()] == [subject], "moved, not lost"


def test_mailbox_settings(account: Account, sandbox_settings: Settings) -> None:
    mailbox = account.mailbox(resource=colleague(sandbox_settings))
    settings = mailbox.get_settings()
    assert settings.timezone == "UTC"
    assert settings.workinghours["daysOfWeek"][0] == "monday"

    settings.automaticrepliessettings.status = AutoReplyStatus.ALWAYSENABLED
    settings.automaticrepliessettings.internal_reply_message = "Back on Monday."
    assert settings.save()

    again = account.mailbox(resource=colleague(sandbox_settings)).get_settings()
    assert again.automaticrepliessettings.status == AutoReplyStatus.ALWAYSENABLED
    assert again.automaticrepliessettings.internal_reply_message == "Back on Monday."
    settings.automaticrepliessettings.status = AutoReplyStatus.DISABLED
    assert settings.save()


def test_eml_export_and_unique_body(
    account: Account, sandbox_settings: Settings, tmp_path: Path
) -> None:
    sender, recipient = kam(sandbox_settings), colleague(sandbox_settings)
    subject = unique("Signed order")
    order = tmp_path / "order.txt"
    order.write_text("PO 4711")
    message = account.mailbox(resource=sender).new_message()
    message.to.add(recipient)
    message.subject = subject
    message.body = "<p>Order attached.</p>"
    message.attachments.add(str(order))
    assert message.send()
    mailbox = account.mailbox(resource=recipient)
    query = mailbox.new_query().equals("subject", subject)
    (received,) = list(mailbox.inbox_folder().get_messages(query=query))

    assert received.save_as_eml(to_path=tmp_path / "order-mail")
    parsed = BytesParser(policy=default).parsebytes((tmp_path / "order-mail.eml").read_bytes())
    selected = mailbox.get_message(
        received.object_id, query=mailbox.new_query().select("uniqueBody")
    )

    assert parsed["Subject"] == subject and sender in parsed["From"]
    assert parsed["Message-ID"] == received.internet_message_id
    attached = [part for part in parsed.iter_attachments()]
    assert [(part.get_filename(), part.get_payload(decode=True)) for part in attached] == [
        ("order.txt", b"PO 4711")
    ]
    assert selected is not None and "Order attached." in selected.unique_body
