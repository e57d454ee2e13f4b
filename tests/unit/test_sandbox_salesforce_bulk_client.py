"""simple-salesforce's Bulk API 2.0 client (`sf.bulk2.<Object>`) against the stand-in
over HTTPS: query, query_all and download page with locators and maxRecords; a
failed job and a refused query raise the client's errors. The server runs under
uvicorn in a thread with a trustme CA trusted through REQUESTS_CA_BUNDLE."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.bulk2 import SFBulk2Handler, SFBulk2Type
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceOperationError

from sandbox.salesforce import create_app, load_seed
from sandbox.state import DocStore
from tests.tls_server import serve_over_tls
from tests.unit.test_sandbox_salesforce_helpers import CLIENT_ID, CLIENT_SECRET, record, user

ACCOUNTS = 450


@pytest.fixture
def sf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Salesforce]:
    store = DocStore(tmp_path / "salesforce.db")
    accounts = [record("Account", n, Name=f"Account {n:04d}") for n in range(1, ACCOUNTS + 1)]
    accounts.append(record("Account", ACCOUNTS + 1, Name="Deleted Co", IsDeleted=True))
    load_seed(store, {"User": [user(1, "Ida", "Integration")], "Account": accounts})
    app = create_app(store, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    with serve_over_tls(app, tmp_path) as server:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_bundle))
        token = requests.post(
            f"{server.url}/services/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            },
            timeout=10,
        ).json()["access_token"]
        client = Salesforce(instance_url=server.url, session_id=token)
        yield client
        client.session.close()
    store.close()


def accounts(sf: Salesforce) -> SFBulk2Type:
    """The client's Bulk 2.0 handle on Account (`sf.bulk2.Account`)."""
    return cast(SFBulk2Handler, sf.bulk2).Account


def names(result_sets: Any) -> list[list[str]]:
    return [[row["Name"] for row in csv.DictReader(io.StringIO(text))] for text in result_sets]


def test_query_pages_with_max_records(sf: Salesforce) -> None:
    pages = names(accounts(sf).query("SELECT Id, Name FROM Account", max_records=200, wait=0))
    assert [len(page) for page in pages] == [200, 200, 50]
    everything = sorted(name for page in pages for name in page)
    assert everything == [f"Account {n:04d}" for n in range(1, ACCOUNTS + 1)]


def test_query_all_includes_deleted_records(sf: Salesforce) -> None:
    soql = "SELECT Name FROM Account WHERE Name LIKE 'Deleted%'"
    assert names(accounts(sf).query_all(soql, wait=0)) == [["Deleted Co"]]
    assert names(accounts(sf).query(soql, wait=0)) == [[]]


def test_download_writes_one_file_per_result_set(sf: Salesforce, tmp_path: Path) -> None:
    folder = tmp_path / "download"
    folder.mkdir()
    sets = accounts(sf).download(
        "SELECT Id, Name FROM Account ORDER BY Name", str(folder), max_records=300, wait=0
    )
    assert [result["number_of_records"] for result in sets] == [300, 150]
    first = Path(sets[0]["file"]).read_text()
    assert first.splitlines()[0] == '"Id","Name"'
    assert names([first])[0][0] == "Account 0001"


def test_a_failed_job_raises_the_clients_operation_error(sf: Salesforce) -> None:
    armed = requests.post(
        f"https://{sf.sf_instance}/_sandbox/salesforce/faults",
        json={"kind": "bulk_job_failure", "object": "Account", "message": "Retried too often"},
        timeout=10,
    )
    assert armed.status_code == 201
    with pytest.raises(SalesforceOperationError, match="Retried too often"):
        list(accounts(sf).query("SELECT Id FROM Account", wait=0))


def test_a_compound_field_is_refused_as_a_malformed_request(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest, match="compound data"):
        list(accounts(sf).query("SELECT BillingAddress FROM Account", wait=0))
