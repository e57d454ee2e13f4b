"""simple-salesforce's Bulk API 2.0 client (`sf.bulk2.<Object>`) against the stand-in
over HTTPS: query, query_all and download page with locators and maxRecords; a
failed job and a refused query raise the client's errors. The server runs under
uvicorn in a thread with a trustme CA trusted through REQUESTS_CA_BUNDLE."""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
import requests
import trustme
import uvicorn
from simple_salesforce import Salesforce
from simple_salesforce.bulk2 import SFBulk2Handler, SFBulk2Type
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceOperationError

from sandbox.salesforce import create_app, load_seed
from sandbox.state import DocStore
from tests.unit.test_sandbox_salesforce_helpers import CLIENT_ID, CLIENT_SECRET, record, user

SYSTEM_ROOTS = Path("/etc/ssl/certs/ca-certificates.crt")
ACCOUNTS = 450


def _tls_files(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A certificate for 127.0.0.1 from a fresh CA: (cert chain, key, CA bundle)."""
    ca = trustme.CA()
    certificate = ca.issue_cert("127.0.0.1")
    cert_file, key_file, bundle = (tmp_path / name for name in ("cert.pem", "key.pem", "ca.pem"))
    certificate.private_key_pem.write_to_path(str(key_file))
    for blob in certificate.cert_chain_pems:
        blob.write_to_path(str(cert_file), append=True)
    bundle.write_bytes(SYSTEM_ROOTS.read_bytes() + b"\n" + ca.cert_pem.bytes())
    return cert_file, key_file, bundle


@pytest.fixture
def sf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Salesforce]:
    store = DocStore(tmp_path / "salesforce.db")
    accounts = [record("Account", n, Name=f"Account {n:04d}") for n in range(1, ACCOUNTS + 1)]
    accounts.append(record("Account", ACCOUNTS + 1, Name="Deleted Co", IsDeleted=True))
    load_seed(store, {"User": [user(1, "Ida", "Integration")], "Account": accounts})
    cert_file, key_file, bundle = _tls_files(tmp_path)
    app = create_app(store, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        ssl_certfile=str(cert_file),
        ssl_keyfile=str(key_file),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    url = f"https://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    token = requests.post(
        f"{url}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
        timeout=10,
    ).json()["access_token"]
    client = Salesforce(instance_url=url, session_id=token)
    yield client
    client.session.close()
    server.should_exit = True
    thread.join(timeout=10)
    assert not thread.is_alive(), "uvicorn did not stop"
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
