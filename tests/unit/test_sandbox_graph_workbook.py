"""Excel workbook API over a drive file: sessions, worksheets, used range, tables, rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.table import Table

from sandbox.seed import generate
from sandbox.seed.goals import GOALS_PATH
from sandbox.seed.truth import trailing_revenue
from tests.unit.test_sandbox_graph_support import (
    TENANT_DOMAIN,
    TestClient,
    authorized_client,
    seeded_app,
)

DRIVE = f"/v1.0/users/alice@{TENANT_DOMAIN}/drive"
BOOK = f"{DRIVE}/root:/KAM/Goals.xlsx:/workbook"
HEADER = ["Account", "Period", "Revenue Goal", "Due"]


def _xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Goals"
    sheet.append(HEADER)
    sheet.append(["Fabrikam", "2026-Q4", 120000, date(2026, 12, 31)])
    sheet.append(["Contoso", "2026-Q4", None, date(2026, 11, 30)])
    sheet.add_table(Table(displayName="Goals", ref="A1:D3"))
    book.create_sheet("Notes")
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app, store = seeded_app(tmp_path)
    with authorized_client(app) as test_client:
        test_client.put(f"{DRIVE}/root:/KAM/Goals.xlsx:/content", content=_xlsx())
        yield test_client
    store.close()


def _session(client: TestClient, persist: bool) -> dict[str, str]:
    created = client.post(f"{BOOK}/createSession", json={"persistChanges": persist})
    assert created.status_code == 201
    assert created.json()["persistChanges"] is persist
    return {"workbook-session-id": created.json()["id"]}


def test_worksheets_and_used_range(client: TestClient) -> None:
    sheets = client.get(f"{BOOK}/worksheets").json()["value"]
    used = client.get(f"{BOOK}/worksheets('Goals')/usedRange").json()
    by_id = client.get(f"{BOOK}/worksheets/{sheets[0]['id']}/usedRange").json()

    assert [(s["name"], s["position"]) for s in sheets] == [("Goals", 0), ("Notes", 1)]
    assert used["address"] == "Goals!A1:D3"
    assert (used["rowCount"], used["columnCount"]) == (3, 4)
    assert used["values"][1] == ["Fabrikam", "2026-Q4", 120000, 46387]  # 2026-12-31 serial
    assert used["values"][2][2] == ""
    assert used["text"][1][3] == "12/31/2026"
    assert by_id["address"] == used["address"]


def test_tables_columns_and_rows(client: TestClient) -> None:
    listed = client.get(f"{BOOK}/tables").json()["value"]
    table = client.get(f"{BOOK}/tables/Goals").json()
    by_id = client.get(f"{BOOK}/tables('{table['id']}')").json()
    columns = client.get(f"{BOOK}/tables/Goals/columns").json()["value"]
    rows = client.get(f"{BOOK}/tables/Goals/rows").json()
    page = client.get(f"{BOOK}/tables/Goals/rows?$top=1&$skip=1").json()["value"]

    assert [t["name"] for t in listed] == ["Goals"] and table["showHeaders"] is True
    assert by_id["name"] == "Goals"
    assert [c["name"] for c in columns] == HEADER
    assert columns[0]["values"] == [["Account"], ["Fabrikam"], ["Contoso"]]
    assert rows["@odata.context"].endswith("/rows")
    assert [r["index"] for r in rows["value"]] == [0, 1]
    assert rows["value"][0]["values"] == [["Fabrikam", "2026-Q4", 120000, 46387]]
    assert [r["values"][0][0] for r in page] == ["Contoso"]


def test_function_forms_and_table_parts(client: TestClient) -> None:
    values_only = client.get(f"{BOOK}/worksheets('Goals')/usedRange(valuesOnly=true)")
    invalid = client.get(f"{BOOK}/worksheets('Goals')/usedRange(onlyValues=true)")
    header = client.get(f"{BOOK}/tables('Goals')/headerRowRange").json()
    body = client.get(f"{BOOK}/tables/Goals/dataBodyRange").json()
    totals = client.get(f"{BOOK}/tables/Goals/totalRowRange")

    assert values_only.json()["address"] == "Goals!A1:D3"
    assert invalid.status_code == 400
    assert (header["address"], header["values"]) == ("Goals!A1:D1", [HEADER])
    assert body["address"] == "Goals!A2:D3" and body["rowCount"] == 2
    assert totals.status_code == 404


def test_item_addressed_by_id(client: TestClient) -> None:
    item = client.get(f"{DRIVE}/root:/KAM/Goals.xlsx").json()

    rows = client.get(f"{DRIVE}/items/{item['id']}/workbook/tables/Goals/rows").json()

    assert len(rows["value"]) == 2


def _added(client: TestClient, headers: dict[str, str]) -> Any:
    row = [["Northwind", "2026-Q4", 5000, 46387]]
    return client.post(f"{BOOK}/tables/Goals/rows", json={"values": row}, headers=headers)


def test_non_persistent_session_keeps_changes_to_itself(client: TestClient) -> None:
    headers = _session(client, persist=False)
    before = client.get(f"{DRIVE}/root:/KAM/Goals.xlsx").json()

    added = _added(client, headers)
    inside = client.get(f"{BOOK}/tables/Goals/rows", headers=headers).json()["value"]
    outside = client.get(f"{BOOK}/tables/Goals/rows").json()["value"]
    closed = client.post(f"{BOOK}/closeSession", headers=headers)
    after_close = client.get(f"{BOOK}/tables/Goals/rows", headers=headers)

    assert added.status_code == 201 and added.json()["index"] == 2
    assert len(inside) == 3 and len(outside) == 2
    assert client.get(f"{DRIVE}/root:/KAM/Goals.xlsx").json()["cTag"] == before["cTag"]
    assert closed.status_code == 204
    assert after_close.status_code == 404
    assert after_close.json()["error"]["innerError"]["code"] == "invalidSessionReCreatable"


@pytest.mark.parametrize("persist", [True, None], ids=["persistent", "sessionless"])
def test_persisted_rows_land_in_the_file(client: TestClient, persist: bool | None) -> None:
    headers = _session(client, persist=True) if persist else {}

    _added(client, headers)
    item = client.get(f"{DRIVE}/root:/KAM/Goals.xlsx").json()
    content = client.get(item["@microsoft.graph.downloadUrl"], headers={"Authorization": ""})
    sheet = load_workbook(BytesIO(content.content))["Goals"]

    assert sheet.tables["Goals"].ref == "A1:D4"
    assert sheet["A4"].value == "Northwind"


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/tables/Missing/rows", 404, "ItemNotFound"),
        ("/worksheets/Missing/usedRange", 404, "ItemNotFound"),
    ],
)
def test_workbook_errors(client: TestClient, path: str, status: int, code: str) -> None:
    response = client.get(f"{BOOK}{path}")

    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_missing_file_and_wrong_row_width(client: TestClient) -> None:
    missing = client.get(f"{DRIVE}/root:/KAM/None.xlsx:/workbook/tables")
    bad = client.post(f"{BOOK}/tables/Goals/rows", json={"values": [["too", "short"]]})
    not_a_book = client.put(f"{DRIVE}/root:/KAM/notes.xlsx:/content", content=b"plain text")
    unreadable = client.get(f"{DRIVE}/root:/KAM/notes.xlsx:/workbook/worksheets")

    assert missing.status_code == 404 and missing.json()["error"]["code"] == "itemNotFound"
    assert bad.status_code == 400
    assert not_a_book.status_code == 201
    assert unreadable.status_code == 400


def test_seeded_goals_workbooks_are_realistic() -> None:
    today = date(2026, 11, 27)
    company = generate("tiny", today)
    accounts = {a["Id"]: a for a in company.salesforce["Account"]}
    revenue = trailing_revenue(company.salesforce["Opportunity"], today)
    kam_ids = {u["mail"]: u["id"] for u in company.graph.users}

    rows = []
    for email in company.kam_emails:
        ((path, content),) = company.graph.files[kam_ids[email]]
        sheet = load_workbook(BytesIO(content))["Goals"]
        assert path == GOALS_PATH and sheet.tables["Goals"].ref.startswith("A1:F")
        rows += [row for row in sheet.iter_rows(min_row=2, values_only=True)]

    goals = [row[3] for row in rows]
    assert None in goals and "tbd" in goals
    assert any(row[1] is None and row[0].endswith("(old name)") for row in rows)
    ratios = [
        row[3] / revenue[row[1]]
        for row in rows
        if isinstance(row[3], float | int) and row[1] in revenue and row[2] == str(today.year)
    ]
    assert ratios and all(0.6 < ratio < 1.5 for ratio in ratios)
    assert all(accounts[row[1]]["Name"] == row[0] for row in rows if row[1])
