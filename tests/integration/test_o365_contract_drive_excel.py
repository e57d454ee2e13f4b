"""Contract: O365's OneDrive and Excel APIs against the Graph stand-in."""

from __future__ import annotations

import os
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from O365 import Account
from O365.drive import Drive, File, Folder
from O365.excel import WorkBook
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.table import Table
from requests import HTTPError

from config.settings import Settings
from tests.integration.test_o365_contract_support import kam, unique

pytestmark = pytest.mark.integration

GOALS_COLUMNS = 6


@pytest.fixture
def drive(account: Account, sandbox_settings: Settings) -> Drive:
    found = account.storage(resource=kam(sandbox_settings)).get_default_drive()
    assert found is not None
    return found


@pytest.fixture
def own_folder(drive: Drive) -> Iterator[Folder]:
    """A folder of this test's own at the drive root, deleted afterwards."""
    folder = drive.get_root_folder().create_child_folder(unique("Contract tests"))
    assert folder is not None
    yield folder
    folder.delete()


def test_small_and_large_uploads_round_trip(
    drive: Drive, own_folder: Folder, tmp_path: Path
) -> None:
    small = tmp_path / "brief.txt"
    small.write_bytes(b"Fabrikam renewal brief\n" * 10)
    large = tmp_path / "deck.bin"
    large.write_bytes(os.urandom(4 * 1024 * 1024 + 123_457))  # above O365's 4 MB simple limit

    uploaded_small = own_folder.upload_file(small)
    uploaded_large = own_folder.upload_file(large)  # an upload session, in 5 MB chunks

    assert uploaded_small is not None and uploaded_large is not None
    assert uploaded_large.size == large.stat().st_size
    listed = {item.name: item for item in own_folder.get_items()}
    assert set(listed) == {"brief.txt", "deck.bin"}
    by_path = drive.get_item_by_path(f"/{own_folder.name}/deck.bin")
    assert by_path.object_id == uploaded_large.object_id
    assert by_path.is_file and not by_path.is_folder
    assert by_path.parent_path == f"/drive/root:/{own_folder.name}"
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    for item in listed.values():
        assert item.download(to_path=downloads)
    assert (downloads / "brief.txt").read_bytes() == small.read_bytes()
    assert (downloads / "deck.bin").read_bytes() == large.read_bytes()

    assert listed["brief.txt"].delete()
    assert [item.name for item in own_folder.get_items()] == ["deck.bin"]


def test_nested_folders_and_replacing_a_file(
    drive: Drive, own_folder: Folder, tmp_path: Path
) -> None:
    nested = own_folder.create_child_folder("2026").create_child_folder("Q4")
    report = tmp_path / "report.csv"
    report.write_text("account,amount\nContoso,1200\n")
    first = nested.upload_file(report)
    report.write_text("account,amount\nContoso,1500\nFabrikam,900\n")
    second = nested.upload_file(report)

    found = drive.get_item_by_path(f"/{own_folder.name}/2026/Q4/report.csv")
    content = BytesIO()
    assert found.download(output=content)
    assert second.object_id == first.object_id == found.object_id
    assert content.getvalue() == report.read_bytes()
    assert [folder.name for folder in own_folder.get_child_folders()] == ["2026"]


def test_rename_and_move_keep_the_item(drive: Drive, own_folder: Folder, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("call notes")
    item = own_folder.upload_file(notes)
    archive = own_folder.create_child_folder("Archive")
    clash = own_folder.upload_file(notes, item_name="clash.txt")

    assert item.update(name="call-notes.txt") and item.name == "call-notes.txt"
    with pytest.raises(HTTPError) as taken:
        clash.update(name="CALL-NOTES.txt")
    assert item.move(archive)

    moved = drive.get_item_by_path(f"/{own_folder.name}/Archive/call-notes.txt")
    content = BytesIO()
    assert moved.download(output=content)
    assert moved.object_id == item.object_id and content.getvalue() == b"call notes"
    assert taken.value.response.status_code == 409
    assert taken.value.response.json()["error"]["code"] == "nameAlreadyExists"
    assert {i.name for i in own_folder.get_items()} == {"Archive", "clash.txt"}


def test_seeded_goals_workbook_reads_with_and_without_session(drive: Drive) -> None:
    goals = drive.get_item_by_path("/KAM/Goals.xlsx")
    assert isinstance(goals, File)
    for use_session in (True, False):
        workbook = WorkBook(goals, use_session=use_session, persist=False)
        sheets = [sheet.name for sheet in workbook.get_worksheets()]
        tables = workbook.get_tables()
        rows = list(tables[0].get_rows())
        used = workbook.get_worksheet("Goals").get_used_range()
        header = tables[0].get_header_row_range()
        if use_session:
            assert workbook.session.close_session()

        assert "Goals" in sheets
        assert [table.name for table in tables] == ["Goals"]
        assert rows and all(len(row.values[0]) == GOALS_COLUMNS for row in rows)
        assert used.row_count == len(rows) + 1  # header row
        assert used.values[0] == header.values[0]
        assert header.address == "Goals!A1:F1"


def test_uploaded_workbook_table_rows(drive: Drive, own_folder: Folder, tmp_path: Path) -> None:
    path = tmp_path / "targets.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Targets"
    rows = [["Account", "Target"], ["Contoso", 1200], ["Fabrikam", 900], ["Tailspin", 450]]
    for row in rows:
        sheet.append(row)
    sheet.add_table(Table(displayName="Targets", ref="A1:B4"))
    book.save(path)
    uploaded = own_folder.upload_file(path)
    assert isinstance(uploaded, File)

    workbook = WorkBook(uploaded, use_session=True, persist=True)
    table = workbook.get_table("Targets")
    read = [row.values[0] for row in table.get_rows()]
    added = table.add_rows([["Northwind", 300]])
    workbook.session.close_session()

    assert read == rows[1:]
    assert added is not None
    downloaded = BytesIO()
    assert drive.get_item_by_path(f"/{own_folder.name}/targets.xlsx").download(output=downloaded)
    saved = load_workbook(downloaded)["Targets"]
    assert [cell.value for cell in saved["A"]] == [
        "Account",
        "Contoso",
        "Fabrikam",
        "Tailspin",
        "Northwind",
    ]
