"""Excel tables from DataFrames, each cell typed so CRM text never becomes a formula."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from transforms.text import strip_control

CellKind = Literal["text", "money", "percent", "integer", "date", "datetime", "flag"]

NUMBER_FORMATS: dict[CellKind, str] = {
    "money": "#,##0",
    "percent": "0.0%",
    "integer": "0",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
_MIN_WIDTHS: dict[CellKind, int] = {"money": 14, "percent": 9, "date": 11, "datetime": 16}
_MAX_WIDTH = 50
#: Excel's 1900 date system cannot show earlier dates (##### or #VALUE!): they go in as text.
EXCEL_FIRST_DAY = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class TableColumn:
    """One table column: its header in the user's words, the frame field and how to show it."""

    header: str
    field: str
    kind: CellKind = "text"


def cell_formats(workbook: Workbook) -> dict[CellKind, Format]:
    """One number format per cell kind that needs one."""
    return {
        kind: workbook.add_format({"num_format": code}) for kind, code in NUMBER_FORMATS.items()
    }


def write_table(
    worksheet: Worksheet,
    frame: pd.DataFrame,
    columns: Sequence[TableColumn],
    *,
    name: str,
    formats: dict[CellKind, Format],
) -> None:
    """Write `frame` as the Excel table `name` at A1, with widths and a frozen header row.

    Excel tables need a data row, so an empty frame yields one blank row under the header.
    """
    for row_number, record in enumerate(frame.to_dict("records"), start=1):
        for col_number, column in enumerate(columns):
            value = record[column.field]
            write_cell(worksheet, row_number, col_number, value, column.kind, formats)
    last_row = max(len(frame), 1)
    worksheet.add_table(
        0,
        0,
        last_row,
        len(columns) - 1,
        {
            "name": name,
            "style": "Table Style Medium 2",
            "columns": [{"header": column.header} for column in columns],
        },
    )
    worksheet.freeze_panes(1, 0)
    for col_number, column in enumerate(columns):
        worksheet.set_column(col_number, col_number, column_width(frame, column))


def write_cell(
    worksheet: Worksheet,
    row: int,
    col: int,
    value: Any,
    kind: CellKind,
    formats: dict[CellKind, Format],
) -> None:
    """Write one value with the writer its kind calls for; missing values become blank cells,
    text is always a string without control characters (never a formula), and dates Excel
    cannot show are written as ISO text."""
    cell_format = formats.get(kind)
    if _is_missing(value):
        worksheet.write_blank(row, col, None, cell_format)
    elif kind == "text":
        worksheet.write_string(row, col, strip_control(str(value)), cell_format)
    elif kind == "flag":
        worksheet.write_boolean(row, col, bool(value), cell_format)
    elif kind in ("date", "datetime") and not excel_can_show(value):
        worksheet.write_string(row, col, _iso(value))
    elif kind in ("date", "datetime"):
        worksheet.write_datetime(row, col, excel_datetime(value), cell_format)
    else:
        worksheet.write_number(row, col, float(value), cell_format)


def excel_datetime(value: dt.date | dt.datetime | pd.Timestamp) -> dt.date | dt.datetime:
    """Excel has no time zones: aware datetimes are shown in UTC, dates stay dates."""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def excel_can_show(value: dt.date | dt.datetime | pd.Timestamp) -> bool:
    """True for dates from 1900-01-01 on (Excel's 1900 date system)."""
    day = value.date() if isinstance(value, dt.datetime) else value
    return bool(day >= EXCEL_FIRST_DAY)


def _iso(value: dt.date | dt.datetime | pd.Timestamp) -> str:
    shown = excel_datetime(value)
    return shown.isoformat(sep=" ") if isinstance(shown, dt.datetime) else shown.isoformat()


def column_width(frame: pd.DataFrame, column: TableColumn) -> int:
    """Wide enough for the header and the longest text, within sensible bounds."""
    widest = len(column.header) + 3  # room for the table's filter button
    if column.kind == "text":
        widest = max([widest, *(len(str(value)) for value in frame[column.field].dropna())])
    return min(max(widest, _MIN_WIDTHS.get(column.kind, 0)), _MAX_WIDTH)


def highlight_flagged_rows(
    worksheet: Worksheet,
    *,
    flag_column: int,
    column_count: int,
    row_count: int,
    highlight: Format,
) -> None:
    """Shade every table row whose flag column is TRUE (overdue deadlines, for instance)."""
    flag_letter = xl_col_to_name(flag_column)
    worksheet.conditional_format(
        1,
        0,
        max(row_count, 1),
        column_count - 1,
        {"type": "formula", "criteria": f"=${flag_letter}2=TRUE", "format": highlight},
    )


def _is_missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))
