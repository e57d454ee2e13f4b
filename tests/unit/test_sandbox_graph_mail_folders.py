"""The mail folder tree: create, list, rename, move, delete; copying messages."""

from __future__ import annotations

import pytest

from tests.unit.test_sandbox_graph_support import (
    TENANT_DOMAIN,
    TestClient,
)

ALICE = f"/v1.0/users/alice@{TENANT_DOMAIN}"


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


def test_folder_tree(client: TestClient) -> None:
    top = client.post(f"{ALICE}/mailFolders", json={"displayName": "Clients"})
    child = client.post(
        f"{ALICE}/mailFolders/{top.json()['id']}/childFolders", json={"displayName": "Contoso"}
    )
    clash = client.post(f"{ALICE}/mailFolders", json={"displayName": "clients"})
    unknown = client.post(f"{ALICE}/mailFolders", json={"displayName": "X", "color": "red"})
    tops = client.get(f"{ALICE}/mailFolders").json()["value"]
    children = client.get(f"{ALICE}/mailFolders/{top.json()['id']}/childFolders").json()
    by_name = client.get(f"{ALICE}/mailFolders?$filter=displayName eq 'Clients'").json()["value"]

    assert top.status_code == child.status_code == 201
    assert child.json()["parentFolderId"] == top.json()["id"]
    assert (clash.status_code, clash.json()["error"]["code"]) == (409, "ErrorFolderExists")
    assert unknown.status_code == 400
    assert "Contoso" not in {folder["displayName"] for folder in tops}
    assert [f["displayName"] for f in children["value"]] == ["Contoso"]
    assert children["@odata.context"].endswith("/childFolders")
    assert [(f["id"], f["childFolderCount"]) for f in by_name] == [(top.json()["id"], 1)]


def test_rename_move_and_delete(client: TestClient) -> None:
    top = client.post(f"{ALICE}/mailFolders", json={"displayName": "Archive 2025"}).json()
    renamed = client.patch(f"{ALICE}/mailFolders/{top['id']}", json={"displayName": "Old"})
    moved = client.post(f"{ALICE}/mailFolders/{top['id']}/move", json={"destinationId": "inbox"})
    inbox_children = client.get(f"{ALICE}/mailFolders/inbox/childFolders").json()["value"]
    deleted = client.delete(f"{ALICE}/mailFolders/{top['id']}")
    trash = client.get(f"{ALICE}/mailFolders/deleteditems/childFolders").json()["value"]
    well_known = client.delete(f"{ALICE}/mailFolders/inbox")

    assert renamed.json()["displayName"] == "Old"
    assert moved.status_code == 201 and moved.json()["id"] == top["id"]
    assert [f["id"] for f in inbox_children] == [top["id"]]
    assert deleted.status_code == 204 and [f["id"] for f in trash] == [top["id"]]
    assert well_known.status_code == 400


def test_copy_keeps_the_original_and_its_attachments(client: TestClient) -> None:
    draft = client.post(f"{ALICE}/messages", json={"subject": "Terms"}).json()
    attachment = {
        "@odata.type": "#microsoft.graph.fileAttachment",
        "name": "terms.txt",
        "contentBytes": "dGVybXM=",
    }
    client.post(f"{ALICE}/messages/{draft['id']}/attachments", json=attachment)
    folder = client.post(f"{ALICE}/mailFolders", json={"displayName": "Legal"}).json()

    copy = client.post(
        f"{ALICE}/messages/{draft['id']}/copy", json={"destinationId": folder["id"]}
    ).json()
    client.delete(f"{ALICE}/messages/{draft['id']}")

    assert copy["id"] != draft["id"] and copy["parentFolderId"] == folder["id"]
    assert copy["hasAttachments"] is True
    listed = client.get(f"{ALICE}/mailFolders/{folder['id']}/messages").json()["value"]
    assert [m["id"] for m in listed] == [copy["id"]]
    names = client.get(f"{ALICE}/messages/{copy['id']}/attachments").json()["value"]
    assert [a["name"] for a in names] == ["terms.txt"]
