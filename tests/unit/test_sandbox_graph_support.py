"""Shared builders for the Graph stand-in tests: a small tenant and clients for it.

Not a test module itself; the `test_sandbox_graph_*` modules import from it.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    # Starlette 1.x prefers httpx2 for its test client; the pinned environment has httpx.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from sandbox.graph import create_app, load_seed
from sandbox.ids import graph_guid
from sandbox.seed.model import GraphSeed
from sandbox.state import DocStore

TENANT_ID = graph_guid("tenant", "contoso")
TENANT_DOMAIN = "contoso.onmicrosoft.com"
CLIENT_ID = graph_guid("app", "kamsync")
CLIENT_SECRET = "s3cr3t~value"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"

ALICE = graph_guid("user", "alice")
BOB = graph_guid("user", "bob")
CAROL = graph_guid("user", "carol")


def _user(user_id: str, first: str, last: str, title: str) -> dict[str, Any]:
    address = f"{first.lower()}@{TENANT_DOMAIN}"
    return {
        "id": user_id,
        "userPrincipalName": address,
        "mail": address,
        "displayName": f"{first} {last}",
        "givenName": first,
        "surname": last,
        "jobTitle": title,
        "accountEnabled": True,
    }


def _address(name: str, address: str) -> dict[str, Any]:
    return {"emailAddress": {"name": name, "address": address}}


def _inbox_message(number: int) -> dict[str, Any]:
    """Inbox mail for Alice: one a day in January 2026, every third from a client."""
    sender = "dana@fabrikam.com" if number % 3 == 0 else f"bob@{TENANT_DOMAIN}"
    return {
        "subject": f"Renewal question {number}",
        "receivedDateTime": f"2026-01-{number:02d}T09:00:00Z",
        "sentDateTime": f"2026-01-{number:02d}T08:59:00Z",
        "body": {"contentType": "html", "content": f"<p>Hello <b>Alice</b>, question {number}</p>"},
        "from": _address("Sender", sender),
        "toRecipients": [_address("Alice Adams", f"alice@{TENANT_DOMAIN}")],
        "isRead": number % 2 == 0,
        "conversationId": f"conv-{number % 4}",
        "internetMessageId": f"<msg-{number}@fabrikam.com>",
        "parentFolderId": "inbox",
    }


def _sent_message() -> dict[str, Any]:
    return {
        "subject": "Quote for Fabrikam",
        "receivedDateTime": "2026-01-20T10:00:00Z",
        "sentDateTime": "2026-01-20T10:00:00Z",
        "body": {"contentType": "text", "content": "Please find the quote attached."},
        "from": _address("Alice Adams", f"alice@{TENANT_DOMAIN}"),
        "toRecipients": [_address("Dana", "dana@fabrikam.com")],
        "parentFolderId": "sentitems",
    }


def _event(number: int, day: int, hour: int) -> dict[str, Any]:
    return {
        "id": graph_guid("event", str(number)),
        "subject": f"Account review {number}",
        "start": {"dateTime": f"2026-02-{day:02d}T{hour:02d}:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": f"2026-02-{day:02d}T{hour + 1:02d}:00:00.0000000", "timeZone": "UTC"},
        "organizer": _address("Alice Adams", f"alice@{TENANT_DOMAIN}"),
        "attendees": [{**_address("Dana", "dana@fabrikam.com"), "type": "required"}],
        "iCalUId": f"ical-{number}",
    }


def demo_seed() -> GraphSeed:
    """Three users; Alice has 15 inbox messages, one sent, three events, one extra list."""
    return GraphSeed(
        tenant_domain=TENANT_DOMAIN,
        users=[
            _user(ALICE, "Alice", "Adams", "Key Account Manager"),
            _user(BOB, "Bob", "Brown", "Account Executive"),
            _user(CAROL, "Carol", "Clark", "Sales Director"),
        ],
        messages={ALICE: [_inbox_message(n) for n in range(1, 16)] + [_sent_message()]},
        events={ALICE: [_event(1, 3, 9), _event(2, 5, 14), _event(3, 10, 11)]},
        todo_lists={ALICE: [{"displayName": "Renewals", "wellknownListName": "none"}]},
    )


def seeded_app(tmp_path: Path, **options: Any) -> tuple[Starlette, DocStore]:
    """The stand-in over a fresh store holding `demo_seed()`."""
    store = DocStore(tmp_path / "graph.sqlite")
    load_seed(store, demo_seed())
    app = create_app(
        store, tenant_id=TENANT_ID, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **options
    )
    return app, store


def fetch_token(client: TestClient, scope: str = GRAPH_SCOPE) -> str:
    response = client.post(
        f"/{TENANT_ID}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scope": scope,
        },
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def authorized_client(app: Starlette) -> TestClient:
    """A test client that already carries a bearer token from the stand-in's authority."""
    client = TestClient(app)
    client.headers["Authorization"] = f"Bearer {fetch_token(client)}"
    return client
