"""Shared helpers for the Salesforce stand-in tests: a small org served through
starlette's TestClient with a fixed clock, and record builders. No tests here."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from starlette.exceptions import StarletteDeprecationWarning

from sandbox.ids import salesforce_id
from sandbox.salesforce import create_app, load_seed
from sandbox.state import DocStore

with warnings.catch_warnings():
    # starlette 1.x prefers httpx2 for its TestClient; httpx works the same for these tests.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

CLIENT_ID = "kamsync-sandbox-app"
CLIENT_SECRET = "s3cret-for-tests"
BASE_URL = "https://127.0.0.1:8443"
API = "/services/data/v59.0"
#: A Thursday; relative date literals in the tests are reckoned from it.
NOW = datetime(2026, 5, 14, 12, 0, tzinfo=UTC)


def record(sobject: str, number: int, **fields: Any) -> dict[str, Any]:
    """A stored record as the seed writes it: id, bookkeeping fields, then `fields`."""
    return {
        "Id": salesforce_id(sobject, number),
        "IsDeleted": False,
        "CreatedDate": "2026-01-05T09:00:00.000+0000",
        "LastModifiedDate": "2026-01-05T09:00:00.000+0000",
        "SystemModstamp": "2026-01-05T09:00:00.000+0000",
        **fields,
    }


def user(number: int, first: str, last: str, **fields: Any) -> dict[str, Any]:
    email = f"{first.lower()}.{last.lower()}@example.com"
    return record(
        "User",
        number,
        FirstName=first,
        LastName=last,
        Name=f"{first} {last}",
        Email=email,
        Username=email,
        IsActive=True,
        **fields,
    )


@dataclass
class Clock:
    """A settable "now" for the app under test."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Org:
    """One sandbox org behind a TestClient, logged in."""

    store: DocStore
    client: TestClient
    clock: Clock
    headers: dict[str, str] = field(default_factory=dict)

    def query(
        self, soql: str, *, all_rows: bool = False, batch_size: int | None = None
    ) -> httpx.Response:
        headers = dict(self.headers)
        if batch_size is not None:
            headers["Sforce-Query-Options"] = f"batchSize={batch_size}"
        resource = "queryAll" if all_rows else "query"
        return self.client.get(f"{API}/{resource}/", params={"q": soql}, headers=headers)

    def records(self, soql: str, **options: Any) -> list[dict[str, Any]]:
        response = self.query(soql, **options)
        assert response.status_code == 200, response.text
        return list(response.json()["records"])

    def error(self, soql: str) -> dict[str, Any]:
        """The single error object of a refused query (status 400)."""
        response = self.query(soql)
        assert response.status_code == 400, response.text
        [error] = response.json()
        return dict(error)


def login(client: TestClient) -> dict[str, str]:
    response = client.post(
        "/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def make_org(tmp_path: Path, records: dict[str, list[dict[str, Any]]], **app_options: Any) -> Org:
    """A fresh org seeded with `records`, served by `create_app`, with a token."""
    store = DocStore(tmp_path / "salesforce.db")
    load_seed(store, records)
    clock = Clock()
    app = create_app(
        store, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, clock=clock, **app_options
    )
    client = TestClient(app, base_url=BASE_URL)
    return Org(store, client, clock, login(client))


def stored(org: Org, sobject: str, record_id: str) -> dict[str, Any]:
    """A record as the store holds it (it must exist)."""
    found = org.store.get(sobject, record_id)
    assert found is not None, f"{sobject} {record_id} is not stored"
    return found
