"""OneDrive upload sessions: ranges in order, status, cancel, conflicts, restarts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sandbox.graph import create_app
from sandbox.graph.upload_sessions import FRAGMENT_QUANTUM
from sandbox.state import DocStore
from tests.unit.test_sandbox_graph_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    TENANT_DOMAIN,
    TENANT_ID,
    TestClient,
    authorized_client,
    seeded_app,
)

DRIVE = f"/v1.0/users/alice@{TENANT_DOMAIN}/drive"
CONTENT = bytes(range(256)) * (FRAGMENT_QUANTUM * 3 // 256) + b"tail"


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


def _session(client: TestClient, path: str, behaviour: str | None = None) -> Any:
    body = {"item": {"@microsoft.graph.conflictBehavior": behaviour}} if behaviour else {}
    return client.post(f"{DRIVE}/root:/{path}:/createUploadSession", json=body)


def _put(client: TestClient, url: str, first: int, chunk: bytes, total: int) -> Any:
    headers = {
        "Authorization": "",
        "Content-Range": f"bytes {first}-{first + len(chunk) - 1}/{total}",
    }
    return client.put(url, content=chunk, headers=headers)


def _upload(client: TestClient, url: str, content: bytes, size: int = FRAGMENT_QUANTUM) -> Any:
    response = None
    for first in range(0, len(content), size):
        response = _put(client, url, first, content[first : first + size], len(content))
    return response


def test_session_uploads_in_ranges_then_commits(client: TestClient) -> None:
    created = _session(client, "Reports/big.bin")
    url = created.json()["uploadUrl"]

    first = _put(client, url, 0, CONTENT[:FRAGMENT_QUANTUM], len(CONTENT))
    status = client.get(url, headers={"Authorization": ""})
    last = _upload_rest(client, url, FRAGMENT_QUANTUM)
    download = client.get(
        last.json()["@microsoft.graph.downloadUrl"], headers={"Authorization": ""}
    )

    assert created.status_code == 200
    assert created.json()["nextExpectedRanges"] == ["0-"]
    assert url.split("?")[0].endswith("/uploadSession") and "/v1.0/" not in url
    assert first.status_code == 202
    assert first.json()["nextExpectedRanges"] == [f"{FRAGMENT_QUANTUM}-{len(CONTENT) - 1}"]
    assert status.json()["nextExpectedRanges"] == first.json()["nextExpectedRanges"]
    assert last.status_code == 201
    assert last.json()["size"] == len(CONTENT)
    assert last.json()["parentReference"]["path"] == "/drive/root:/Reports"
    assert download.content == CONTENT


def _upload_rest(client: TestClient, url: str, start: int) -> Any:
    response = None
    for first in range(start, len(CONTENT), FRAGMENT_QUANTUM):
        response = _put(client, url, first, CONTENT[first : first + FRAGMENT_QUANTUM], len(CONTENT))
    return response


def test_overlap_gap_and_bad_sizes_are_refused(client: TestClient) -> None:
    url = _session(client, "ranges.bin").json()["uploadUrl"]
    _put(client, url, 0, CONTENT[:FRAGMENT_QUANTUM], len(CONTENT))

    overlap = _put(client, url, 0, CONTENT[:FRAGMENT_QUANTUM], len(CONTENT))
    gap = _put(client, url, 2 * FRAGMENT_QUANTUM, CONTENT[:FRAGMENT_QUANTUM], len(CONTENT))
    odd = _put(client, url, FRAGMENT_QUANTUM, CONTENT[:1000], len(CONTENT))
    lying = client.put(
        url,
        content=b"abc",
        headers={"Authorization": "", "Content-Range": f"bytes {FRAGMENT_QUANTUM}-9/12"},
    )

    assert overlap.status_code == 416
    assert overlap.json()["error"]["code"] == "invalidRange"
    assert overlap.json()["error"]["innerError"]["code"] == "fragmentOverlap"
    assert gap.status_code == 416
    assert odd.status_code == 400
    assert lying.status_code == 400


def test_bearer_on_upload_url_is_refused(client: TestClient) -> None:
    url = _session(client, "bearer.bin").json()["uploadUrl"]

    response = client.put(url, content=b"x", headers={"Content-Range": "bytes 0-0/1"})
    tampered = _put(client, url.replace("tempauth=", "tempauth=0"), 0, b"x", 1)

    assert response.status_code == 401
    assert tampered.status_code == 401


def test_cancel_then_use_is_404(client: TestClient) -> None:
    url = _session(client, "cancelled.bin").json()["uploadUrl"]

    cancelled = client.delete(url, headers={"Authorization": ""})
    later = _put(client, url, 0, b"x", 1)

    assert cancelled.status_code == 204
    assert later.status_code == 404
    assert client.get(f"{DRIVE}/root:/cancelled.bin").status_code == 404


def test_conflict_behaviours(client: TestClient) -> None:
    client.put(f"{DRIVE}/root:/Reports/r.bin:/content", content=b"old")

    fail = _session(client, "Reports/r.bin", "fail")
    renamed = _upload(client, _session(client, "Reports/r.bin", "rename").json()["uploadUrl"], b"n")
    replaced = _upload(client, _session(client, "Reports/r.bin").json()["uploadUrl"], b"new")
    names = [i["name"] for i in client.get(f"{DRIVE}/root:/Reports:/children").json()["value"]]

    assert fail.status_code == 409
    assert fail.json()["error"]["code"] == "nameAlreadyExists"
    assert renamed.status_code == 201 and renamed.json()["name"] == "r 1.bin"
    assert replaced.status_code == 200 and replaced.json()["size"] == 3
    assert sorted(names) == ["r 1.bin", "r.bin"]


def test_conflict_arising_during_the_session_fails_at_commit(client: TestClient) -> None:
    url = _session(client, "late.bin", "fail").json()["uploadUrl"]
    client.put(f"{DRIVE}/root:/late.bin:/content", content=b"first")

    response = _put(client, url, 0, b"second", 6)

    assert response.status_code == 409
    assert client.get(f"{DRIVE}/root:/late.bin").json()["size"] == 5


def test_session_survives_a_restart(tmp_path: Path) -> None:
    app, store = seeded_app(tmp_path)
    with authorized_client(app) as client:
        url = _session(client, "restart.bin").json()["uploadUrl"]
        _put(client, url, 0, CONTENT[:FRAGMENT_QUANTUM], len(CONTENT))
    store.close()

    store = DocStore(tmp_path / "graph.sqlite")
    again = create_app(store, tenant_id=TENANT_ID, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    with authorized_client(again) as client:
        status = client.get(url, headers={"Authorization": ""}).json()
        done = _upload_rest(client, url, FRAGMENT_QUANTUM)
        stored = client.get(
            done.json()["@microsoft.graph.downloadUrl"], headers={"Authorization": ""}
        )
    store.close()

    assert status["nextExpectedRanges"][0].startswith(f"{FRAGMENT_QUANTUM}-")
    assert stored.content == CONTENT


def test_update_existing_item_by_id_and_tags(client: TestClient) -> None:
    item = client.put(f"{DRIVE}/root:/tags.bin:/content", content=b"one").json()
    url = client.post(f"{DRIVE}/items/{item['id']}/createUploadSession", json={}).json()[
        "uploadUrl"
    ]

    updated = _upload(client, url, b"two!")
    stale = client.put(
        f"{DRIVE}/root:/tags.bin:/content", content=b"3", headers={"If-Match": item["eTag"]}
    )
    fresh = client.put(
        f"{DRIVE}/root:/tags.bin:/content",
        content=b"3",
        headers={"If-Match": updated.json()["eTag"]},
    )

    assert updated.status_code == 200 and updated.json()["id"] == item["id"]
    assert updated.json()["cTag"] != item["cTag"] and updated.json()["eTag"] != item["eTag"]
    assert stale.status_code == 412
    assert fresh.status_code == 200
