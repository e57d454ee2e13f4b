"""OneDrive: folders, small uploads, path addressing, downloads, errors."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.test_sandbox_graph_support import TENANT_DOMAIN, TestClient

DRIVE = f"/v1.0/users/alice@{TENANT_DOMAIN}/drive"
WORKBOOK = b"PK\x03\x04 pretend this is an xlsx"


@pytest.fixture
def client(graph_client: TestClient) -> TestClient:
    return graph_client


def _folder(client: TestClient, parent: str, name: str, **extra: Any) -> Any:
    return client.post(f"{DRIVE}/{parent}/children", json={"name": name, "folder": {}} | extra)


def test_drive_and_empty_root(client: TestClient) -> None:
    drive = client.get(DRIVE).json()
    root = client.get(f"{DRIVE}/root").json()
    children = client.get(f"{DRIVE}/root/children").json()

    assert drive["driveType"] == "business"
    assert drive["owner"]["user"]["email"] == f"alice@{TENANT_DOMAIN}"
    assert root["root"] == {} and root["folder"] == {"childCount": 0}
    assert root["parentReference"] == {"driveType": "business", "driveId": drive["id"]}
    assert children["value"] == []


def test_create_folder_then_conflicts(client: TestClient) -> None:
    created = _folder(client, "root", "Reports")
    clash = _folder(client, "root", "reports")
    renamed = _folder(client, "root", "Reports", **{"@microsoft.graph.conflictBehavior": "rename"})

    assert created.status_code == 201
    assert created.json()["parentReference"]["path"] == "/drive/root:"
    assert clash.status_code == 409
    assert clash.json()["error"]["code"] == "nameAlreadyExists"
    assert renamed.json()["name"] == "Reports 1"


def test_replacing_a_folder_empties_it(client: TestClient) -> None:
    folder = _folder(client, "root", "Reports").json()
    client.put(f"{DRIVE}/items/{folder['id']}:/old.csv:/content", content=b"a,b\n")

    again = _folder(client, "root", "Reports", **{"@microsoft.graph.conflictBehavior": "replace"})

    assert again.status_code == 201
    assert again.json()["folder"]["childCount"] == 0
    assert client.get(f"{DRIVE}/root:/Reports/old.csv").status_code == 404


def test_upload_into_a_folder_then_replace(client: TestClient) -> None:
    folder = _folder(client, "root", "Reports").json()
    url = f"{DRIVE}/items/{folder['id']}:/pipeline%20Q1.xlsx:/content"

    created = client.put(url, content=WORKBOOK)
    replaced = client.put(url, content=WORKBOOK + b"!")

    item = created.json()
    assert created.status_code == 201 and replaced.status_code == 200
    assert item["name"] == "pipeline Q1.xlsx"
    assert item["size"] == len(WORKBOOK)
    assert item["file"]["mimeType"].endswith("spreadsheetml.sheet")
    assert item["parentReference"]["path"] == "/drive/root:/Reports"
    assert item["parentReference"]["id"] == folder["id"]
    assert item["webUrl"].endswith("/Documents/Reports/pipeline%20Q1.xlsx")
    assert replaced.json()["id"] == item["id"]
    assert replaced.json()["eTag"] != item["eTag"]


def test_path_upload_creates_missing_folders(client: TestClient) -> None:
    response = client.put(f"{DRIVE}/root:/Reports/2026/Q1/summary.csv:/content", content=b"x\n")
    listing = client.get(f"{DRIVE}/root:/Reports/2026:/children").json()
    by_path = client.get(f"{DRIVE}/root:/Reports/2026/Q1/summary.csv:").json()

    assert response.status_code == 201
    assert response.json()["parentReference"]["path"] == "/drive/root:/Reports/2026/Q1"
    assert [item["name"] for item in listing["value"]] == ["Q1"]
    assert by_path["id"] == response.json()["id"]


def test_content_redirects_to_a_download_link_without_bearer(client: TestClient) -> None:
    item = client.put(f"{DRIVE}/root:/Reports/pipeline.xlsx:/content", content=WORKBOOK).json()

    redirect = client.get(f"{DRIVE}/items/{item['id']}/content", follow_redirects=False)
    link = redirect.headers["location"]
    anonymous = client.get(link, headers={"Authorization": ""})
    tampered = client.get(link.replace("tempauth=", "tempauth=x"), headers={"Authorization": ""})

    assert redirect.status_code == 302
    announced = item["@microsoft.graph.downloadUrl"]
    assert link.split("&tempauth=")[0] == announced.split("&tempauth=")[0]
    assert anonymous.content == WORKBOOK
    assert tampered.status_code == 401


def test_drive_is_addressable_by_id(client: TestClient) -> None:
    drive_id = client.get(DRIVE).json()["id"]
    client.put(f"{DRIVE}/root:/notes.txt:/content", content=b"hello")

    by_id = client.get(f"/v1.0/drives/{drive_id}/root:/notes.txt").json()
    via_user = client.get(f"/v1.0/users/alice@{TENANT_DOMAIN}/drives/{drive_id}/root/children")

    assert by_id["name"] == "notes.txt"
    assert [item["name"] for item in via_user.json()["value"]] == ["notes.txt"]


def test_children_page_with_skiptoken(client: TestClient) -> None:
    for number in range(3):
        client.put(f"{DRIVE}/root:/file{number}.txt:/content", content=b"x")

    first = client.get(f"{DRIVE}/root/children?$top=2").json()
    second = client.get(first["@odata.nextLink"]).json()

    assert [item["name"] for item in first["value"]] == ["file0.txt", "file1.txt"]
    assert "$skiptoken=" in first["@odata.nextLink"]
    assert [item["name"] for item in second["value"]] == ["file2.txt"]


def test_delete_removes_a_folder_and_its_contents(client: TestClient) -> None:
    client.put(f"{DRIVE}/root:/Reports/a.txt:/content", content=b"a")
    folder = client.get(f"{DRIVE}/root:/Reports").json()

    assert client.delete(f"{DRIVE}/items/{folder['id']}").status_code == 204
    assert client.get(f"{DRIVE}/root:/Reports/a.txt").status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/items/01NOSUCHITEM", 404, "itemNotFound"),
        ("GET", "/root:/Missing/file.txt", 404, "itemNotFound"),
        ("PUT", "/root:/bad:name.txt:/content", 400, "invalidRequest"),
        ("PUT", "/root:/big.bin:/content", 413, "invalidRequest"),
    ],
)
def test_drive_errors(client: TestClient, method: str, path: str, status: int, code: str) -> None:
    content = b"0" * (4 * 1024 * 1024 + 1) if "big" in path else b"x"
    response = client.request(method, f"{DRIVE}{path}", content=content)

    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_drive_of_unknown_user(client: TestClient) -> None:
    response = client.get(f"/v1.0/users/nobody@{TENANT_DOMAIN}/drive/root")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "Request_ResourceNotFound"
