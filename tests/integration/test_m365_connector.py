"""The Microsoft 365 connector against the sandbox: O365 and msal over TLS."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import pytest
from openpyxl import Workbook
from pydantic import SecretStr

from config.settings import Settings
from connectors.errors import ConnectorConfigError
from connectors.m365 import (
    Attachment,
    GraphClient,
    TodoTask,
    create_task,
    default_list_id,
    linked_tasks,
    read_messages,
    send_mail,
    upload_file,
)
from tests.integration.m365_helpers import first_kam

pytestmark = pytest.mark.integration


def test_reads_a_kams_inbox_incrementally(graph: GraphClient, sandbox_settings: Settings) -> None:
    kam = first_kam(sandbox_settings)
    batches = list(read_messages(graph, kam, "inbox", None, timedelta(days=365)))
    messages = [row for batch in batches for row in batch.messages.to_dict("records")]
    assert messages, "every KAM has client mail in the seed"
    received = [row["received_at"] for row in messages]
    assert received == sorted(received)
    assert all(row["mailbox"] == kam and row["folder"] == "inbox" for row in messages)
    assert all(isinstance(row["recipients"], list) for row in messages)
    again = list(read_messages(graph, kam, "inbox", batches[-1].watermark, timedelta(days=365)))
    assert sum(len(batch.messages) for batch in again) < len(messages)


def test_task_with_salesforce_link_is_found_again_by_external_id(
    graph: GraphClient, sandbox_settings: Settings
) -> None:
    kam = first_kam(sandbox_settings)
    list_id = default_list_id(graph, kam)
    task = TodoTask(
        title="Renewal notice: contract 00000101",
        due_date=date.today() + timedelta(days=3),
        external_id="800Kz0000000000001AAA",
        link_url="https://example.my.salesforce.com/lightning/r/Contract/800Kz0000000000001AAA/view",
        link_name="Open in Salesforce",
        body="Prepare the renewal offer.",
        importance="high",
    )
    task_id = create_task(graph, kam, list_id, task)
    found = linked_tasks(graph, kam, list_id)
    row = found[found["external_id"] == task.external_id].iloc[0]
    assert row["id"] == task_id
    assert row["title"] == task.title
    assert row["due_date"] == task.due_date.isoformat()


def test_upload_replaces_the_file_in_a_created_folder(
    graph: GraphClient, sandbox_settings: Settings
) -> None:
    user = sandbox_settings.reports.drive_user
    first = upload_file(graph, user, "Connector Tests/Reports", "report.txt", b"first version")
    second = upload_file(graph, user, "Connector Tests/Reports", "report.txt", b"second!")
    assert second.item_id == first.item_id
    assert second.size == len(b"second!")
    assert second.path == "Connector Tests/Reports/report.txt"
    assert second.web_url.startswith("https://")


def test_sent_mail_lands_in_sent_items_and_colleague_inbox(
    graph: GraphClient, sandbox_settings: Settings
) -> None:
    sender, colleague = sandbox_settings.m365.mailboxes[:2]
    workbook = Workbook()
    buffer = BytesIO()
    workbook.save(buffer)
    subject = "Connector test digest 4711"
    send_mail(
        graph, sender, [colleague], subject, "<p>Hello</p>",
        attachments=[Attachment("digest.xlsx", buffer.getvalue())],
    )  # fmt: skip
    horizon = timedelta(days=1)
    sent = [b.messages for b in read_messages(graph, sender, "sentitems", None, horizon)]
    inbox = [b.messages for b in read_messages(graph, colleague, "inbox", None, horizon)]
    assert any(subject in frame["subject"].tolist() for frame in sent)
    received = [
        row for frame in inbox for row in frame.to_dict("records") if row["subject"] == subject
    ]
    assert received and received[0]["sender"] == sender.lower()
    assert received[0]["has_attachments"]


def test_wrong_tenant_secret_names_the_keys(sandbox_settings: Settings) -> None:
    bad = sandbox_settings.m365.model_copy(update={"client_secret": SecretStr("wrong")})
    with pytest.raises(ConnectorConfigError, match="client_secret"):
        GraphClient(bad)
