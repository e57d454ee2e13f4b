"""The building blocks of the account-intelligence sheets: a worst-first main table with
its shading, a count table with its chart, a titled side table, and the formats they share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from transforms.excel_tables import (
    CellKind,
    TableColumn,
    column_width,
    highlight_flagged_rows,
    write_cell,
)
from transforms.intelligence_tables import category_counts
from transforms.workbook_sheets import field_index

NOTHING_TO_REPORT = "Nothing to report"

# Green, amber and red as Excel's own "good / neutral / bad" cell styles colour them.
RED = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}
AMBER = {"bg_color": "#FFEB9C", "font_color": "#9C5700"}
_BAR_COLOURS = {
    "green": "#63BE7B", "on track": "#63BE7B", "met": "#8EA9DB",
    "amber": "#FFC000", "at risk": "#FFC000", "slipping": "#FFC000",
    "red": "#F8696B", "breached": "#F8696B", "cold": "#F8696B",
}  # fmt: skip
# Beside a main table: a count table two columns wide, its chart below it, filling both.
COUNT_COLUMN_WIDTH = 26
CHART_SIZE = {"width": 370, "height": 260}
ONE_DECIMAL = "0.0"
#: Rows per table: enough for any key-account list, a bound on long tails (data quality,
#: unknown correspondents) that would make the report slow to write and to open.
MAX_TABLE_ROWS = 10_000


_DECIMAL_FIELDS = frozenset(
    {
        "first_response_sla_hours", "first_response_hours_used", "resolution_sla_hours",
        "resolution_hours_used", "business_hours_waiting", "reply_sla_hours",
        "team_median_load", "load_ratio",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Sheets:
    """What every intelligence sheet shares: formats, and how many rows a table may show."""

    cells: dict[CellKind, Format]
    decimal: Format
    red: Format
    amber: Format
    title: Format
    max_rows: int

    def for_field(self, field: str) -> Mapping[CellKind, Format]:
        return {**self.cells, "integer": self.decimal} if field in _DECIMAL_FIELDS else self.cells


@dataclass(frozen=True)
class Counts:
    """A count table beside a main table, charted: how many rows per band or state."""

    title: str
    label: str
    field: str
    order: tuple[str, ...]
    name: str


def main_table(
    sheet: Worksheet,
    sheets: Sheets,
    rows: pd.DataFrame,
    columns: Sequence[TableColumn],
    *,
    name: str,
    red: tuple[str, str] | None,
    amber: tuple[str, str] | None,
    empty: str,
) -> int:
    """The sheet's table at A1 with a frozen header, red rows (the table's flag column) and
    amber rows shaded, or "Nothing to report" when there are no rows. Returns its last column."""
    sheet.freeze_panes(1, 0)
    if rows.empty:
        sheet.write_string(0, 0, f"{NOTHING_TO_REPORT}: {empty}", sheets.title)
        sheet.set_column(0, 0, 60)
        return 0
    shown = table_at(sheet, rows, columns, name=name, row=0, col=0, sheets=sheets)
    flags = [column for column in columns if column.kind == "flag"]
    if flags:
        highlight_flagged_rows(sheet, flag_column=field_index(columns, flags[0].field),
                               column_count=len(columns), row_count=shown,
                               highlight=sheets.red)  # fmt: skip
    if red is not None and not flags:
        shade_where(sheet, sheets.red, columns, shown, *red)
    if amber is not None:
        shade_where(sheet, sheets.amber, columns, shown, *amber)
    return len(columns) - 1


def shade_where(
    sheet: Worksheet,
    highlight: Format,
    columns: Sequence[TableColumn],
    rows: int,
    field: str,
    value: str,
) -> None:
    """Shade the main table's rows whose `field` holds `value` ("amber", "slipping", ...)."""
    letter = xl_col_to_name(field_index(columns, field))
    shade(sheet, first_row=1, rows=rows, first_col=0, last_col=len(columns) - 1,
           test=f'${letter}2="{value}"', highlight=highlight)  # fmt: skip


def shade(
    sheet: Worksheet,
    *,
    first_row: int,
    rows: int,
    first_col: int,
    last_col: int,
    test: str,
    highlight: Format,
) -> None:
    """Shade rows of a table where `test` (written for its first data row) holds."""
    last_row = first_row + max(rows, 1) - 1
    rule = {"type": "formula", "criteria": f"={test}", "format": highlight}
    sheet.conditional_format(first_row, first_col, last_row, last_col, rule)


def count_area(
    workbook: Workbook,
    sheet: Worksheet,
    sheets: Sheets,
    rows: pd.DataFrame,
    counts: Counts,
    *,
    first_col: int,
) -> int:
    """A titled count table at `first_col` with a column chart below; returns its last column."""
    if rows.empty:
        return first_col - 2  # no area: the next one starts where this one would have
    col = first_col
    sheet.set_column(col, col + 1, COUNT_COLUMN_WIDTH)
    tally = category_counts(rows[counts.field], counts.order)
    sheet.write_string(0, col, counts.title, sheets.title)
    table = (TableColumn(counts.label, "label"), TableColumn("Count", "count", "integer"))
    table_at(sheet, tally, table, name=counts.name, row=1, col=col, sheets=sheets, summary=True)
    chart = workbook.add_chart({"type": "column"})
    if chart is None:  # add_chart returns None only for an unknown chart type
        raise RuntimeError("XlsxWriter refused to create a column chart")
    last = 1 + len(tally)
    chart.add_series(
        {
            "name": counts.title,
            "categories": [sheet.name, 2, col, last, col],
            "values": [sheet.name, 2, col + 1, last, col + 1],
            "points": [{"fill": {"color": _BAR_COLOURS.get(label, "#A5A5A5")}}
                       for label in tally["label"]],
            "data_labels": {"value": True},
        }
    )  # fmt: skip
    chart.set_title({"name": counts.title})
    chart.set_legend({"none": True})
    chart.set_y_axis({"num_format": "#,##0", "min": 0})
    chart.set_size(CHART_SIZE)
    sheet.insert_chart(last + 2, col, chart)
    return col + 1


def table_at(
    sheet: Worksheet,
    frame: pd.DataFrame,
    columns: Sequence[TableColumn],
    *,
    name: str,
    row: int,
    col: int,
    sheets: Sheets,
    summary: bool = False,
) -> int:
    """The first `max_rows` rows of `frame` as the Excel table `name`, its header at (row, col);
    cells typed like `transforms.excel_tables.write_table` (never a formula), hours with one
    decimal. Returns the rows shown; a line under the table counts those left out. A `summary`
    table (counts) is never cut and keeps the widths its area set."""
    shown = frame if summary else frame.head(sheets.max_rows)
    for column_offset, column in enumerate(columns):
        cell_formats = dict(sheets.for_field(column.field))
        values = shown[column.field].tolist()
        if column.kind == "text":
            values = [_listed(value) for value in values]
        for row_offset, value in enumerate(values, start=1):
            write_cell(sheet, row + row_offset, col + column_offset, value, column.kind,
                       cell_formats)  # fmt: skip
        if not summary:
            width = column_width(shown, column)
            sheet.set_column(col + column_offset, col + column_offset, width)
    sheet.add_table(
        row,
        col,
        row + max(len(shown), 1),
        col + len(columns) - 1,
        {
            "name": name,
            "style": "Table Style Medium 2",
            "columns": [{"header": column.header} for column in columns],
        },
    )
    if len(frame) > len(shown):
        note = f"Showing the worst {len(shown):,} of {len(frame):,} rows."
        sheet.write_string(row + len(shown) + 2, col, note, sheets.title)
    return len(shown)


def _listed(value: Any) -> Any:
    """Lists (roles, mailboxes, addresses) shown as comma-separated text."""
    if isinstance(value, list | tuple | set | np.ndarray):
        return ", ".join(str(item) for item in value)
    return value
