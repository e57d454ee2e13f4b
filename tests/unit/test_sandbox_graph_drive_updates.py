"""OneDrive renames and moves: PATCH of name and parentReference."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.test_sandbox_graph_support import (
    TENANT_DOMAIN,
    TestClient,
)

DRIVE = f"/v1.0/users/alice@{TENANT_DOMAIN}/drive"


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


def _file(client: TestClient, path: str, content: bytes = b"numbers") -> Any:
    return client.put(f"{DRIVE}/root:/{path}:/content", content=content).json()


def test_rename_and_move_keep_id_content_and_ctag(client: TestClient) -> None:
    item = _file(client, "Inbox/report.csv")
    archive = client.post(f"{DRIVE}/root/children", json={"name": "Archive", "folder": {}}).json()

    renamed = client.patch(f"{DRIVE}/items/{item['id']}", json={"name": "q3.csv"}).json()
    moved = client.patch(
        f"{DRIVE}/root:/Inbox/q3.csv", json={"parentReference": {"path": "/drive/root:/Archive"}}
    )
    content = client.get(f"{DRIVE}/root:/Archive/q3.csv:/content", follow_redirects=True)

    assert renamed["id"] == item["id"] and renamed["name"] == "q3.csv"
    assert renamed["eTag"] != item["eTag"] and renamed["cTag"] == item["cTag"]
    assert moved.status_code == 200
    assert moved.json()["parentReference"]["id"] == archive["id"]
    assert content.content == b"numbers"


def test_name_clashes_and_invalid_moves(client: TestClient) -> None:
    first, second = _file(client, "Docs/a.txt"), _file(client, "Docs/b.txt")
    docs = client.get(f"{DRIVE}/root:/Docs").json()
    inner = client.post(f"{DRIVE}/items/{docs['id']}/children", json={"name": "In", "folder": {}})

    clash = client.patch(f"{DRIVE}/items/{second['id']}", json={"name": "A.txt"})
    renamed = client.patch(
        f"{DRIVE}/items/{second['id']}",
        json={"name": "a.txt", "@microsoft.graph.conflictBehavior": "rename"},
    )
    into_itself = client.patch(
        f"{DRIVE}/items/{docs['id']}", json={"parentReference": {"id": inner.json()["id"]}}
    )
    stale = client.patch(
        f"{DRIVE}/items/{first['id']}", json={"name": "c.txt"}, headers={"If-Match": '"old"'}
    )
    root = client.patch(f"{DRIVE}/items/root", json={"name": "x"})
    unknown = client.patch(f"{DRIVE}/items/{first['id']}", json={"size": 1})

    assert (clash.status_code, clash.json()["error"]["code"]) == (409, "nameAlreadyExists")
    assert renamed.json()["name"] == "a 1.txt"
    assert into_itself.status_code == 400
    assert stale.status_code == 412
    assert root.status_code == 403
    assert unknown.status_code == 400
