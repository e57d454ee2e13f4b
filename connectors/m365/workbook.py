"""Excel workbooks in OneDrive through the workbook API: a KAM's goals table.

Reads open a non-persistent session (so nothing kamsync does can change the
KAM's file), page through the table rows with `$top`/`$skip`, and always
close the session. Values arrive as Excel gives them (dates as serial
numbers); `read_table` returns them as strings/numbers with the header names
as columns, plus `sheet_row`, the row number a person sees in Excel.
"""

from __future__ import annotations

import contextlib
from urllib.parse import quote

import pandas as pd

from connectors.errors import ConnectorError
from connectors.m365.client import GraphClient, GraphError

PAGE_ROWS = 500
SESSION_HEADER = "workbook-session-id"


class WorkbookNotFound(ConnectorError):
    """The workbook or table is not there: a KAM who keeps no goals file (a warning)."""


def read_table(
    client: GraphClient, user: str, path: str, table: str, date_columns: tuple[str, ...] = ()
) -> pd.DataFrame:
    """All rows of `table` in the workbook at `path` in `user`'s OneDrive.

    Columns are the table's header names plus `sheet_row` (1-based row in the
    worksheet); `date_columns` holding Excel serials become dates (NaT when
    not a number). Raises `WorkbookNotFound` naming the mailbox, path and table.
    """
    book = f"{client.user_path(user)}/drive/root:/{quote(path.strip('/'))}:/workbook"
    where = f"table {table!r} in {path} of {user}"
    try:
        # A second non-persistent session made by a repeat changes nothing and expires.
        session = client.post(
            f"{book}/createSession", {"persistChanges": False}, idempotent=True
        ).json()
    except GraphError as exc:
        raise _missing(exc, where) from None
    headers = {SESSION_HEADER: str(session["id"])}
    try:
        frame = _rows(client, book, table, headers, where)
    finally:
        # A failed close is harmless: the session expires on its own.
        with contextlib.suppress(ConnectorError):
            client.request("POST", f"{book}/closeSession", idempotent=True, headers=headers)
    for name in date_columns:
        if name in frame.columns:
            frame[name] = excel_dates(frame[name])
    return frame


def excel_dates(values: pd.Series) -> pd.Series:
    """Excel serial numbers (days since 1899-12-30) as dates; anything else NaT."""
    serials = pd.to_numeric(values.where(values != ""), errors="coerce")
    return pd.to_datetime(serials, unit="D", origin="1899-12-30").dt.date


def _rows(
    client: GraphClient, book: str, table: str, headers: dict[str, str], where: str
) -> pd.DataFrame:
    table_url = f"{book}/tables/{quote(table)}"
    try:
        described = client.get(f"{table_url}/range", {"$select": "rowIndex"}, headers=headers)
        columns = client.get(f"{table_url}/columns", {"$select": "name,index"}, headers=headers)
        values: list[list[object]] = []
        while True:
            params = {"$top": PAGE_ROWS, "$skip": len(values)}
            page = client.get(f"{table_url}/rows", params, headers=headers).get("value", [])
            values += [row["values"][0] for row in page]
            if len(page) < PAGE_ROWS:
                break
    except GraphError as exc:
        raise _missing(exc, where) from None
    names = [str(column["name"]) for column in sorted(columns["value"], key=_index)]
    frame = pd.DataFrame(values, columns=names) if values else pd.DataFrame(columns=names)
    first_data_row = int(described.get("rowIndex", 0)) + 2  # 0-based header row, then data
    frame["sheet_row"] = range(first_data_row, first_data_row + len(frame))
    return frame


def _index(column: dict[str, object]) -> int:
    return int(str(column.get("index", 0)))


def _missing(exc: GraphError, where: str) -> ConnectorError:
    if exc.status == 404:
        return WorkbookNotFound(f"OneDrive has no {where}")
    return exc
