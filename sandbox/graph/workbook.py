"""The Excel workbook API over .xlsx files in a drive: `.../items/{id}/workbook/...`
or `.../root:/{path}:/workbook/...`.

Read: worksheets, a worksheet's usedRange, tables (all or per worksheet), a
table's range, columns and rows (`$top`/`$skip`); write: add table rows.
Sessions (`createSession`, `closeSession`) live in workbook_sessions.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.table import Table
from openpyxl.worksheet.worksheet import Worksheet
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.graph.errors import GraphError
from sandbox.graph.http import context_url, graph_json, read_json
from sandbox.graph.workbook_model import (
    append_rows,
    block,
    find_sheet,
    find_table,
    header_names,
    range_json,
    sheet_id,
    table_id,
    table_rows,
    tables,
    used_block,
)
from sandbox.graph.workbook_sessions import (
    Opened,
    close_session,
    create_session,
    open_addressed,
    save_changes,
)


def _sheet_json(opened: Opened, position: int, sheet: Worksheet) -> dict[str, Any]:
    key = sheet_id(position)
    return {
        "@odata.id": f"{opened.base}/worksheets(%27{key}%27)",
        "id": key,
        "name": sheet.title,
        "position": position,
        "visibility": "Visible" if sheet.sheet_state == "visible" else "Hidden",
    }


def _table_json(opened: Opened, table: Table) -> dict[str, Any]:
    key = table_id(table)
    style = table.tableStyleInfo
    return {
        "@odata.id": f"{opened.base}/tables(%27{key}%27)",
        "id": key,
        "name": table.name,
        "legacyId": str(table.id),
        "showHeaders": bool(table.headerRowCount),
        "showTotals": bool(table.totalsRowCount),
        "style": style.name if style is not None and style.name else "TableStyleMedium2",
        "highlightFirstColumn": bool(style.showFirstColumn) if style is not None else False,
        "highlightLastColumn": bool(style.showLastColumn) if style is not None else False,
        "showBandedRows": bool(style.showRowStripes) if style is not None else True,
        "showBandedColumns": bool(style.showColumnStripes) if style is not None else False,
        "showFilterButton": table.autoFilter is not None,
    }


def _listing(opened: Opened, suffix: str, values: list[dict[str, Any]]) -> Response:
    return graph_json({"@odata.context": f"{opened.base}/{suffix}", "value": values})


async def list_worksheets(request: Request) -> Response:
    opened = open_addressed(request)
    sheets = [_sheet_json(opened, n, sheet) for n, sheet in enumerate(opened.book.worksheets)]
    return _listing(opened, "worksheets", sheets)


async def get_worksheet(request: Request) -> Response:
    opened = open_addressed(request)
    position, sheet = find_sheet(opened.book, request.path_params["sheet"])
    context = {"@odata.context": f"{opened.base}/worksheets/$entity"}
    return graph_json(context | _sheet_json(opened, position, sheet))


async def used_range(request: Request) -> Response:
    """`usedRange` or the function form `usedRange(valuesOnly=true|false)`.

    The stand-in's cells carry no formatting of their own, so both answers agree.
    """
    options = request.path_params.get("options")
    if options is not None and options.replace(" ", "") not in (
        "valuesOnly=true",
        "valuesOnly=false",
        "",
    ):
        raise GraphError(400, "badRequest", f"Invalid function parameters: '{options}'.")
    opened = open_addressed(request)
    _, sheet = find_sheet(opened.book, request.path_params["sheet"])
    context = {"@odata.context": f"{opened.base}/worksheets/usedRange"}
    return graph_json(context | range_json(used_block(sheet)))


async def list_tables(request: Request) -> Response:
    opened = open_addressed(request)
    found = tables(opened.book)
    if "sheet" in request.path_params:
        _, sheet = find_sheet(opened.book, request.path_params["sheet"])
        found = [(owner, table) for owner, table in found if owner is sheet]
    return _listing(opened, "tables", [_table_json(opened, table) for _, table in found])


async def get_table(request: Request) -> Response:
    opened = open_addressed(request)
    _, table = find_table(opened.book, request.path_params["table"])
    context = {"@odata.context": f"{opened.base}/tables/$entity"}
    return graph_json(context | _table_json(opened, table))


async def list_columns(request: Request) -> Response:
    opened = open_addressed(request)
    sheet, table = find_table(opened.book, request.path_params["table"])
    rows = table_rows(sheet, table).values()
    columns = [
        {
            "@odata.id": f"{opened.base}/tables(%27{table_id(table)}%27)/columns(%27{n + 1}%27)",
            "id": str(n + 1),
            "index": n,
            "name": name,
            "values": [[name], *([row[n]] for row in rows)],
        }
        for n, name in enumerate(header_names(sheet, table))
    ]
    return _listing(opened, f"tables('{table_id(table)}')/columns", columns)


def _window(request: Request, total: int) -> range:
    try:
        skip = int(request.query_params.get("$skip", "0"))
        top = int(request.query_params.get("$top", str(total)))
    except ValueError:
        raise GraphError(400, "badRequest", "$top and $skip must be integers.") from None
    return range(max(skip, 0), min(max(skip, 0) + max(top, 0), total))


async def table_range(request: Request) -> Response:
    """The table's whole range, header and totals included."""
    opened = open_addressed(request)
    sheet, table = find_table(opened.book, request.path_params["table"])
    context = {"@odata.context": context_url(request, "microsoft.graph.workbookRange")}
    return graph_json(context | range_json(block(sheet, table.ref)))


def _table_part(table: Table, part: str) -> str:
    """The address of a table's header row, data body or totals row (`A1:D1` form)."""
    min_col, min_row, max_col, max_row = (int(n) for n in range_boundaries(table.ref))
    header, totals = int(table.headerRowCount or 0), int(table.totalsRowCount or 0)
    first, last = {
        "headerRowRange": (min_row, min_row + header - 1),
        "dataBodyRange": (min_row + header, max_row - totals),
        "totalRowRange": (max_row - totals + 1, max_row),
    }[part]
    if last < first:
        raise GraphError(404, "itemNotFound", f"The table has no {part[:-5]}.")
    return f"{get_column_letter(min_col)}{first}:{get_column_letter(max_col)}{last}"


async def table_part_range(request: Request) -> Response:
    """`headerRowRange`, `dataBodyRange` or `totalRowRange` of a table."""
    opened = open_addressed(request)
    sheet, table = find_table(opened.book, request.path_params["table"])
    ref = _table_part(table, request.url.path.rsplit("/", 1)[-1])
    context = {"@odata.context": context_url(request, "microsoft.graph.workbookRange")}
    return graph_json(context | range_json(block(sheet, ref)))


async def list_rows(request: Request) -> Response:
    opened = open_addressed(request)
    sheet, table = find_table(opened.book, request.path_params["table"])
    values = table_rows(sheet, table).values()
    key = table_id(table)
    rows = [
        {
            "@odata.id": f"{opened.base}/tables(%27{key}%27)/rows/itemAt(index={n})",
            "index": n,
            "values": [values[n]],
        }
        for n in _window(request, len(values))
    ]
    return _listing(opened, f"tables('{key}')/rows", rows)


async def add_rows(request: Request) -> Response:
    """POST rows (or rows/add): `{"index": null|n, "values": [[...], ...]}` -> 201 first row."""
    opened = open_addressed(request)
    sheet, table = find_table(opened.book, request.path_params["table"])
    body = await read_json(request)
    rows = body.get("values")
    if not isinstance(rows, list):
        raise GraphError(400, "badRequest", "The values property is required.")
    index = body.get("index")
    at = append_rows(sheet, table, rows, index if isinstance(index, int) else None)
    save_changes(request, opened)
    min_col, _, max_col, _ = range_boundaries(table.ref)
    added = table_rows(sheet, table).values()[at]
    payload = {
        "@odata.context": context_url(request, "workbookTableRow"),
        "@odata.id": f"{opened.base}/tables(%27{table_id(table)}%27)/rows/itemAt(index={at})",
        "index": at,
        "values": [added[: int(max_col) - int(min_col) + 1]],
    }
    return graph_json(payload, status=201)


Handler = Callable[[Request], Awaitable[Response]]
_TABLE_PARTS = ("headerRowRange", "dataBodyRange", "totalRowRange")


def _routes_for(base: str) -> list[Route]:
    def route(path: str, handler: Handler, method: str = "GET") -> Route:
        return Route(base + "/workbook" + path, handler, methods=[method])

    table_forms = ("/tables/{table}", "/tables({table})")
    sheet_forms = ("/worksheets/{sheet}", "/worksheets({sheet})")
    routes = [
        route("/createSession", create_session, "POST"),
        route("/closeSession", close_session, "POST"),
        route("/worksheets", list_worksheets),
        route("/tables", list_tables),
    ]
    for sheet in sheet_forms:
        routes += [
            route(sheet + "/usedRange", used_range),
            route(sheet + "/usedRange({options})", used_range),
            route(sheet + "/tables", list_tables),
            route(sheet, get_worksheet),
        ]
    for table in table_forms:
        routes += [
            route(table + "/columns", list_columns),
            route(table + "/range", table_range),
            *(route(f"{table}/{part}", table_part_range) for part in _TABLE_PARTS),
            route(table + "/rows", list_rows),
            route(table + "/rows", add_rows, "POST"),
            route(table + "/rows/add", add_rows, "POST"),
            route(table, get_table),
        ]
    return routes


def workbook_routes() -> list[Route]:
    """Routes for every drive prefix; they go before the drive's `root:/{path}` routes."""
    prefixes = (
        "/v1.0/users/{user}/drive",
        "/v1.0/users/{user}/drives/{drive}",
        "/v1.0/drives/{drive}",
    )
    routes: list[Route] = []
    for prefix in prefixes:
        routes += _routes_for(prefix + "/items/{item}")
        routes += _routes_for(prefix + "/root:/{path:path}:")
    return routes
