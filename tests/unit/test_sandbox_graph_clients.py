"""The real client libraries against the stand-in over TLS: msal, requests, O365.

The server runs in a thread on 127.0.0.1 with a certificate from a throwaway
CA; REQUESTS_CA_BUNDLE holds the system roots plus that CA, as kamsync's
sandbox runner arranges it.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msal
import pytest
import requests
from O365 import Account
from O365.connection import Connection, MSGraphProtocol
from O365.utils.token import MemoryTokenBackend

from tests.tls_server import serve_over_tls
from tests.unit.test_sandbox_graph_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    TENANT_DOMAIN,
    TENANT_ID,
    seeded_app,
)

ALICE = f"alice@{TENANT_DOMAIN}"
BOB = f"bob@{TENANT_DOMAIN}"


@dataclass
class TlsSandbox:
    """A running HTTPS stand-in, and the client connections to close before it stops."""

    url: str
    closers: list[Callable[[], None]] = field(default_factory=list)

    def msal_app(self, secret: str = CLIENT_SECRET) -> msal.ConfidentialClientApplication:
        app = msal.ConfidentialClientApplication(
            CLIENT_ID,
            client_credential=secret,
            authority=f"{self.url}/{TENANT_ID}",
            instance_discovery=False,
            validate_authority=False,
        )
        self.closers.append(app.http_client.close)
        return app

    def o365_account(self) -> Account:
        account = _o365_account(self.url)
        self.closers.append(lambda: _close_o365(account))
        return account


def _close_o365(account: Account) -> None:
    connection = account.con
    for session in (connection.session, connection.naive_session):
        if session is not None:
            session.close()
    if connection._msal_client is not None:
        connection._msal_client.http_client.close()


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TlsSandbox]:
    """A freshly seeded stand-in on HTTPS, trusted through REQUESTS_CA_BUNDLE."""
    app, store = seeded_app(tmp_path)
    with serve_over_tls(app, tmp_path) as server:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_bundle))
        running = TlsSandbox(server.url)
        yield running
        for close in running.closers:
            close()
    store.close()


def test_msal_token_then_graph_calls_with_requests(sandbox: TlsSandbox) -> None:
    base_url = sandbox.url
    scopes = [f"{base_url}/.default"]
    result = sandbox.msal_app().acquire_token_for_client(scopes=scopes)
    refused = sandbox.msal_app("wrong").acquire_token_for_client(scopes=scopes)

    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {result['access_token']}"
        users = session.get(f"{base_url}/v1.0/users?$top=2").json()
        rest = session.get(users["@odata.nextLink"]).json()
        inbox = session.get(f"{base_url}/v1.0/users/{ALICE}/mailFolders/inbox/messages").json()

    assert result["token_type"] == "Bearer" and result["expires_in"] == 3599
    assert refused["error"] == "invalid_client" and refused["error_codes"] == [7000215]
    assert users["@odata.nextLink"].startswith(f"{base_url}/v1.0/users?")
    assert len(users["value"]) + len(rest["value"]) == 3
    assert inbox["@odata.nextLink"].startswith(base_url)


def _o365_account(base_url: str) -> Account:
    """An O365 account wired to the sandbox the way kamsync's connector does it."""

    class SandboxProtocol(MSGraphProtocol):
        _protocol_url = f"{base_url}/"
        _oauth_scope_prefix = f"{base_url}/"

    class SandboxConnection(Connection):
        _msal_client: Any

        @property
        def msal_client(self) -> Any:
            if self._msal_client is None:
                self._msal_client = msal.ConfidentialClientApplication(
                    self.auth[0],
                    client_credential=self.auth[1],
                    authority=f"{base_url}/{self.tenant_id}",
                    token_cache=self.token_backend,
                    instance_discovery=False,
                    validate_authority=False,
                )
            return self._msal_client

    class SandboxAccount(Account):
        connection_constructor = SandboxConnection

    return SandboxAccount(
        (CLIENT_ID, CLIENT_SECRET),
        auth_flow_type="credentials",
        tenant_id=TENANT_ID,
        protocol=SandboxProtocol(),
        token_backend=MemoryTokenBackend(),
        requests_delay=0,
    )


def test_o365_reads_and_sends_mail(sandbox: TlsSandbox, tmp_path: Path) -> None:
    account = sandbox.o365_account()
    assert account.authenticate()
    mailbox = account.mailbox(resource=ALICE)

    since = dt.datetime(2026, 1, 13, tzinfo=dt.UTC)
    recent = mailbox.inbox_folder().get_messages(
        limit=None, query=mailbox.new_query().greater_equal("receivedDateTime", since)
    )
    message = mailbox.new_message()
    message.to.add(BOB)
    message.subject = "Renewal brief"
    message.body = "<p>Fabrikam renews on 1 March.</p>"
    attachment = tmp_path / "brief.txt"
    attachment.write_text("brief")
    message.attachments.add(str(attachment))
    assert message.send()
    delivered = list(
        account.mailbox(resource=BOB).inbox_folder().get_messages(download_attachments=True)
    )

    assert [m.subject for m in recent] == [f"Renewal question {n}" for n in (15, 14, 13)]
    assert [(m.subject, [a.name for a in m.attachments]) for m in delivered] == [
        ("Renewal brief", ["brief.txt"])
    ]


def test_o365_creates_a_todo_task(sandbox: TlsSandbox) -> None:
    account = sandbox.o365_account()
    assert account.authenticate()
    folder = account.tasks(resource=ALICE).get_default_folder()

    task = folder.new_task("Prepare Fabrikam QBR")
    task.due = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    assert task.save()
    task.mark_completed()
    assert task.save()
    stored = folder.get_task(task.task_id)

    assert folder.is_default
    assert stored.subject == "Prepare Fabrikam QBR"
    assert stored.is_completed
    assert stored.due == task.due


def test_o365_uploads_and_downloads_a_file(sandbox: TlsSandbox, tmp_path: Path) -> None:
    account = sandbox.o365_account()
    assert account.authenticate()
    drive = account.storage(resource=ALICE).get_default_drive()
    workbook = tmp_path / "pipeline.xlsx"
    workbook.write_bytes(b"PK\x03\x04 workbook")

    reports = drive.get_root_folder().create_child_folder("Reports")
    uploaded = reports.upload_file(str(workbook))
    found = drive.get_item_by_path("/Reports/pipeline.xlsx")
    downloaded = io.BytesIO()
    assert found.download(output=downloaded)

    assert uploaded.size == len(workbook.read_bytes())
    assert found.object_id == uploaded.object_id
    assert found.parent_path == "/drive/root:/Reports"
    assert downloaded.getvalue() == workbook.read_bytes()
