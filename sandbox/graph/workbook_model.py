"""An .xlsx file seen as Excel Online's workbook API sees it (openpyxl underneath).

Cell values come back as the API returns them: numbers as numbers, dates and
times as Excel serial numbers (days since 1899-12-30), booleans as booleans,
empty cells as "". `text` holds what Excel would display (dates as m/d/yyyy).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from io import BytesIO
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.table import Table
from openpyxl.worksheet.worksheet import Worksheet

from sandbox.graph.errors import GraphError

Cell = str | int | float | bool


def not_found(what: str) -> GraphError:
    """Excel's 404 for a worksheet, table or column the workbook does not have."""
    return GraphError(
        404,
        "ItemNotFound",
        f"The requested resource doesn't exist. ({what})",
        inner_code="notFoundUncategorized",
    )


def open_workbook(content: bytes) -> Workbook:
    try:
        return load_workbook(BytesIO(content))
    except Exception:  # openpyxl raises many types for a file that is not a workbook
        raise GraphError(
            400,
            "badRequest",
            "The file is not a workbook Excel can open.",
            inner_code="unsupportedWorkbook",
        ) from None


def save_workbook(book: Workbook) -> bytes:
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sheet_id(position: int) -> str:
    return "{" + f"00000000-{position + 1:04d}-0000-0000-000000000000" + "}"


def _unquote(key: str) -> str:
    """`Goals`, `'Goals'` and `('Goals')` all name Goals (Graph accepts the key forms)."""
    key = key.strip()
    if key.startswith("(") and key.endswith(")"):
        key = key[1:-1]
    return key.strip("'")


def find_sheet(book: Workbook, key: str) -> tuple[int, Worksheet]:
    wanted = _unquote(key).lower()
    for position, sheet in enumerate(book.worksheets):
        if wanted in (sheet.title.lower(), sheet_id(position).lower()):
            return position, sheet
    raise not_found(f"worksheet {_unquote(key)}")


def tables(book: Workbook) -> list[tuple[Worksheet, Table]]:
    """Every table of the workbook, sheet by sheet."""
    return [(sheet, table) for sheet in book.worksheets for table in sheet.tables.values()]


def table_id(table: Table) -> str:
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_OID, f"table/{table.name}")).upper() + "}"


def find_table(book: Workbook, key: str) -> tuple[Worksheet, Table]:
    wanted = _unquote(key).lower()
    for sheet, table in tables(book):
        if wanted in (table.name.lower(), table_id(table).lower(), str(table.id)):
            return sheet, table
    raise not_found(f"table {_unquote(key)}")


def cell_value(value: object) -> Cell:
    if value is None:
        return ""
    if isinstance(value, datetime | date | time):
        serial = to_excel(value)
        return int(serial) if float(serial).is_integer() else float(serial)
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime) and value.time() == time(0):
        return f"{value.month}/{value.day}/{value.year}"
    if isinstance(value, date) and not isinstance(value, datetime):
        return f"{value.month}/{value.day}/{value.year}"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


@dataclass(frozen=True)
class Block:
    """A rectangle of cells: its address and raw values (row-major)."""

    sheet: str
    first_row: int
    first_column: int
    cells: list[list[object]]

    @property
    def address(self) -> str:
        rows, columns = len(self.cells), len(self.cells[0]) if self.cells else 0
        last = f"{get_column_letter(self.first_column + max(columns, 1) - 1)}"
        last += str(self.first_row + max(rows, 1) - 1)
        start = f"{get_column_letter(self.first_column)}{self.first_row}"
        quoted = f"'{self.sheet}'" if " " in self.sheet else self.sheet
        return f"{quoted}!{start}:{last}" if start != last else f"{quoted}!{start}"

    def values(self) -> list[list[Cell]]:
        return [[cell_value(value) for value in row] for row in self.cells]

    def text(self) -> list[list[str]]:
        return [[cell_text(value) for value in row] for row in self.cells]


def block(sheet: Worksheet, ref: str) -> Block:
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    rows = sheet.iter_rows(
        min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col, values_only=True
    )
    return Block(sheet.title, int(min_row), int(min_col), [list(row) for row in rows])


def used_block(sheet: Worksheet) -> Block:
    """The used range: from A1's corner of the data to its last used cell, as Excel reports."""
    if sheet.max_row == 1 and sheet.max_column == 1 and sheet.cell(1, 1).value is None:
        return Block(sheet.title, 1, 1, [[None]])
    ref = (
        f"{get_column_letter(sheet.min_column)}{sheet.min_row}:"
        f"{get_column_letter(sheet.max_column)}{sheet.max_row}"
    )
    return block(sheet, ref)


def range_json(part: Block) -> dict[str, Any]:
    values = part.values()
    rows, columns = len(values), len(values[0]) if values else 0
    formats = [["General" for _ in row] for row in values]
    types = [[_value_type(value) for value in row] for row in values]
    return {
        "@odata.type": "#microsoft.graph.workbookRange",
        "address": part.address,
        "addressLocal": part.address,
        "cellCount": rows * columns,
        "columnCount": columns,
        "columnHidden": False,
        "columnIndex": part.first_column - 1,
        "formulas": values,
        "formulasLocal": values,
        "formulasR1C1": values,
        "hidden": False,
        "numberFormat": formats,
        "rowCount": rows,
        "rowHidden": False,
        "rowIndex": part.first_row - 1,
        "text": part.text(),
        "valueTypes": types,
        "values": values,
    }


def _value_type(value: Cell) -> str:
    if value == "":
        return "Empty"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int | float):
        return "Double"
    return "String"


def table_rows(sheet: Worksheet, table: Table) -> Block:
    """The data rows of a table (header and totals rows left out)."""
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    first = int(min_row) + int(table.headerRowCount or 0)
    last = int(max_row) - int(table.totalsRowCount or 0)
    if last < first:
        return Block(sheet.title, first, int(min_col), [])
    ref = f"{get_column_letter(int(min_col))}{first}:{get_column_letter(int(max_col))}{last}"
    return block(sheet, ref)


def header_names(sheet: Worksheet, table: Table) -> list[str]:
    min_col, min_row, max_col, _ = range_boundaries(table.ref)
    row = next(
        sheet.iter_rows(
            min_row=min_row, max_row=min_row, min_col=min_col, max_col=max_col, values_only=True
        )
    )
    return [str(value) if value is not None else f"Column{n + 1}" for n, value in enumerate(row)]


def append_rows(sheet: Worksheet, table: Table, rows: list[list[object]], index: int | None) -> int:
    """Insert `rows` at data row `index` (None: at the end); returns the first new row's index."""
    min_col, min_row, max_col, _ = range_boundaries(table.ref)
    width = int(max_col) - int(min_col) + 1
    if any(not isinstance(row, list) or len(row) != width for row in rows) or not rows:
        raise GraphError(
            400,
            "InvalidArgument",
            "The argument is invalid or missing or has an incorrect format.",
            inner_code="badRequestUncategorized",
        )
    existing = table_rows(sheet, table).cells
    at = len(existing) if index is None else max(0, min(int(index), len(existing)))
    merged = existing[:at] + rows + existing[at:]
    first = int(min_row) + int(table.headerRowCount or 0)
    for offset, row in enumerate(merged):
        for column, value in enumerate(row):
            sheet.cell(first + offset, int(min_col) + column, value=value)
    last_row = first + len(merged) - 1
    table.ref = (
        f"{get_column_letter(int(min_col))}{min_row}:{get_column_letter(int(max_col))}{last_row}"
    )
    if table.autoFilter is not None:
        table.autoFilter.ref = table.ref
    return at
