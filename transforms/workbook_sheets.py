"""Sheet and chart pieces of the report workbook: printable sheets, bar charts over a table."""

from __future__ import annotations

from collections.abc import Sequence

from xlsxwriter.chart import Chart
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from transforms.excel_tables import TableColumn


def printable_sheet(workbook: Workbook, name: str) -> Worksheet:
    """A new sheet that prints (or turns into PDF) landscape, one page wide."""
    sheet = workbook.add_worksheet(name)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    return sheet


def field_index(columns: Sequence[TableColumn], field: str) -> int:
    """The position of `field` among a table's columns."""
    return next(index for index, column in enumerate(columns) if column.field == field)


def table_bar_chart(
    workbook: Workbook,
    sheet_name: str,
    columns: Sequence[TableColumn],
    *,
    label: str,
    series: Sequence[tuple[str, str]],
    rows: int,
    title: str,
) -> Chart:
    """A bar chart over the first `rows` rows of the table at A1 of `sheet_name`.

    Categories come from the `label` column, one series per (field, name) of `series`;
    the first row is on top (a bar chart's category axis, reversed) and values have
    thousands separators. Legend, size and place are the caller's.
    """
    chart = workbook.add_chart({"type": "bar"})
    if chart is None:  # add_chart returns None only for an unknown chart type
        raise RuntimeError("XlsxWriter refused to create a bar chart")
    label_col = field_index(columns, label)
    for field, name in series:
        column = field_index(columns, field)
        chart.add_series(
            {
                "name": name,
                "categories": [sheet_name, 1, label_col, rows, label_col],
                "values": [sheet_name, 1, column, rows, column],
            }
        )
    chart.set_title({"name": title})
    chart.set_y_axis({"reverse": True})
    chart.set_x_axis({"num_format": "#,##0"})
    return chart
