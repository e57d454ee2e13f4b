"""The sandbox's delivery endpoints over HTTPS, read back the way an O365 user would."""

from __future__ import annotations

import pytest
import requests
from O365 import Account

from config.settings import Settings
from tests.integration.test_o365_contract_support import kam, unique

pytestmark = pytest.mark.integration


def _control(settings: Settings, name: str) -> str:
    return f"{str(settings.m365.graph_url).rstrip('/')}/_sandbox/graph/{name}"


def test_inbound_external_mail_reads_back_with_o365(
    account: Account, sandbox_settings: Settings
) -> None:
    subject = unique("Complaint about invoice")
    mail = {
        "to": kam(sandbox_settings),
        "from": {"address": "ivy@globex.example", "name": "Ivy Park"},
        "subject": subject,
        "body": "Invoice 88 charges twice.",
    }
    made = requests.post(_control(sandbox_settings, "inbound-mail"), json=mail, timeout=30)
    reply = mail | {"subject": f"RE: {subject}", "inReplyTo": made.json()["internetMessageId"]}
    requests.post(_control(sandbox_settings, "inbound-mail"), json=reply, timeout=30)

    inbox = account.mailbox(resource=kam(sandbox_settings)).inbox_folder()
    (received,) = list(inbox.get_messages(query=inbox.new_query().equals("subject", subject)))
    query = inbox.new_query().equals("subject", f"RE: {subject}")
    (threaded,) = list(inbox.get_messages(query=query))

    assert made.status_code == 201, made.text
    assert received.object_id == made.json()["id"]
    assert received.sender.address == "ivy@globex.example"
    assert received.is_read is False
    assert received.body == "Invoice 88 charges twice."
    assert threaded.conversation_id == received.conversation_id
