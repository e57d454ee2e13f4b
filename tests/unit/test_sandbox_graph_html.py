"""The read-only HTML view: mailboxes, folders, latest mail, events, To Do, OneDrive, escaped."""

from __future__ import annotations

import pytest

from tests.unit.test_sandbox_graph_support import ALICE, TENANT_DOMAIN, TestClient

USER = f"/v1.0/users/alice@{TENANT_DOMAIN}"


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


def test_the_index_lists_every_mailbox_without_auth(client: TestClient) -> None:
    page = TestClient(client.app).get("/_sandbox/")  # type: ignore[arg-type]
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f"alice@{TENANT_DOMAIN}" in page.text and f"bob@{TENANT_DOMAIN}" in page.text
    assert f"/_sandbox/users/{ALICE}" in page.text


def test_a_mailbox_page_shows_what_kamsync_wrote(client: TestClient) -> None:
    lists = client.get(f"{USER}/todo/lists").json()["value"]
    default = next(doc for doc in lists if doc["wellknownListName"] == "defaultList")
    task = {
        "title": "Renew <Fabrikam> & co",
        "dueDateTime": {"dateTime": "2026-12-01T00:00:00", "timeZone": "UTC"},
        "linkedResources": [
            {"applicationName": "kamsync", "externalId": "006X", "displayName": "Open in CRM",
             "webUrl": "https://crm.example/006X?a=1&b=2"}
        ],
    }  # fmt: skip
    assert client.post(f"{USER}/todo/lists/{default['id']}/tasks", json=task).status_code == 201
    put = client.put(f"{USER}/drive/root:/KAM/Report.xlsx:/content", content=b"x" * 42)
    assert put.status_code in (200, 201)

    page = client.get(f"/_sandbox/users/{ALICE}").text

    assert "Renew &lt;Fabrikam&gt; &amp; co" in page and "<Fabrikam>" not in page
    assert "2026-12-01" in page and "notStarted" in page
    assert "href='https://crm.example/006X?a=1&amp;b=2'" in page
    assert "/KAM/Report.xlsx" in page and ">42<" in page
    assert "Inbox" in page and "Sent Items" in page
    assert "Renewal question 15" in page  # the newest seeded message


def test_an_unknown_mailbox_is_404(client: TestClient) -> None:
    assert client.get("/_sandbox/users/nobody@nowhere.test").status_code == 404
