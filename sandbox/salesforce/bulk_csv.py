"""Bulk API 2.0 query results as CSV, written the way Salesforce writes them: a
header row of field paths (`Account.Name` for parent fields) on every result
set, every value quoted (RFC 4180, quotes doubled), nulls as empty unquoted
cells, datetimes as `2026-11-27T03:40:16.000Z`, booleans as true/false, in the
job's column delimiter and line ending.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.salesforce import schema
from sandbox.salesforce.soql_dates import utc_text
from sandbox.salesforce.soql_fields import RecordLinks, ResolvedPath
from sandbox.state import Doc

COLUMN_DELIMITERS = {
    "BACKQUOTE": "`",
    "CARET": "^",
    "COMMA": ",",
    "PIPE": "|",
    "SEMICOLON": ";",
    "TAB": "\t",
}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}


def quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _number_text(value: int | float) -> str:
    """Plain decimal notation, never an exponent (1.5E7 would not load back)."""
    if isinstance(value, float) and "e" in repr(value):
        return format(value, "f").rstrip("0").rstrip(".") or "0"
    return repr(value)


def cell_writer(field_type: str) -> Callable[[Any], str]:
    """How a value of the field's type is written in a cell."""
    if field_type == schema.DATETIME:
        return lambda value: "" if value is None else quoted(utc_text(value)[:23] + "Z")

    def write(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return quoted("true" if value else "false")
        if isinstance(value, int | float):
            return quoted(_number_text(value))
        return quoted(str(value))

    return write


@dataclass(frozen=True)
class CsvLayout:
    """The columns of a query's CSV results and the job's delimiter and line ending."""

    headers: list[str]
    cells: list[tuple[Callable[[Doc], Any], Callable[[Any], str]]]
    delimiter: str
    line_ending: str

    def render(self, records: list[Doc]) -> str:
        """One result set: the header row, then one row per record."""
        delimiter = self.delimiter
        lines = [delimiter.join(quoted(header) for header in self.headers)]
        cells = self.cells
        lines.extend(
            delimiter.join([write(read(record)) for read, write in cells]) for record in records
        )
        return self.line_ending.join(lines) + self.line_ending


def csv_layout(
    columns: list[ResolvedPath], links: RecordLinks, column_delimiter: str, line_ending: str
) -> CsvLayout:
    """The layout for a query's selected paths, in select order."""
    return CsvLayout(
        [path.dotted() for path in columns],
        [(links.getter(path), cell_writer(path.field.type)) for path in columns],
        COLUMN_DELIMITERS[column_delimiter],
        LINE_ENDINGS[line_ending],
    )
