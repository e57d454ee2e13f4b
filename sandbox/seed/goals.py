"""Each KAM's goals workbook, `KAM/Goals.xlsx` in their OneDrive.

Sheet "Goals" holds an Excel table "Goals" (header in row 1) with the columns
Account, Account Id, Period, Revenue Goal, Renewal Goal, Notes: one row per
key account the KAM owns, for the current calendar year ("2026") and, for
some, the current quarter ("2026-Q4"). Goals sit near the account's trailing
revenue (70–140 %), so attainment varies. A few rows carry what a real KAM
leaves behind: an empty goal, text in the goal cell ("tbd"), an account that
was renamed since (old name, no id) and a row for an account that is gone.
"""

from __future__ import annotations

import random
import re
from datetime import date, datetime
from io import BytesIO
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.worksheet.table import Table, TableStyleInfo

from sandbox.seed.model import Record
from sandbox.seed.people import Staff
from sandbox.seed.truth import key_account_ids, trailing_revenue

GOALS_PATH = "KAM/Goals.xlsx"
GOALS_TABLE = "Goals"
COLUMNS = ["Account", "Account Id", "Period", "Revenue Goal", "Renewal Goal", "Notes"]
Row = list[object]


def goals_workbooks(
    staff: Staff, salesforce: dict[str, list[Record]], today: date, rng: random.Random
) -> dict[str, list[tuple[str, bytes]]]:
    """Graph user id -> [(GOALS_PATH, xlsx bytes)] for every KAM with key accounts."""
    accounts = salesforce["Account"]
    opportunities = salesforce["Opportunity"]
    key = set(key_account_ids(accounts, opportunities, today))
    revenue = trailing_revenue(opportunities, today)
    files: dict[str, list[tuple[str, bytes]]] = {}
    for kam in staff.kams:
        owned = [a for a in accounts if a["OwnerId"] == kam.user_id and a["Id"] in key]
        if owned:
            rows = _rows(sorted(owned, key=lambda a: a["Name"]), revenue, today, rng)
            files[kam.graph_id] = [(GOALS_PATH, workbook_bytes(rows, today))]
    return files


def _rows(
    accounts: list[Record], revenue: dict[str, float], today: date, rng: random.Random
) -> list[Row]:
    year, quarter = str(today.year), f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    rows: list[Row] = []
    for account in accounts:
        base = revenue.get(account["Id"], 0.0) or 50_000.0
        goal = round(base * rng.uniform(0.7, 1.4), -3)
        renewals = rng.choice([None, 1, 1, 2, 3])
        rows.append([account["Name"], account["Id"], year, goal, renewals, ""])
        if rng.random() < 0.3:
            quarter_goal = round(goal / 4 * rng.uniform(0.8, 1.3), -3)
            rows.append([account["Name"], account["Id"], quarter, quarter_goal, None, "Q push"])
    _spoil(rows, rng)
    return rows


def _spoil(rows: list[Row], rng: random.Random) -> None:
    """The untidy cells a real goals sheet has, each on a different row."""
    picked = rng.sample(range(len(rows)), min(3, len(rows)))
    if len(picked) >= 2:
        rows[picked[0]][3], rows[picked[0]][5] = None, "goal to be agreed"
        rows[picked[1]][3], rows[picked[1]][5] = "tbd", "waiting for budget"
    if picked:
        renamed = list(rows[picked[-1]])
        renamed[0], renamed[1] = f"{renamed[0]} (old name)", ""
        renamed[5] = "renamed last year"
        rows.append(renamed)
        rows.append(["Acquired Client Ltd", "", rows[0][2], 40_000.0, None, "acquired, closed"])


def workbook_bytes(rows: list[Row], today: date) -> bytes:
    """The workbook: sheet "Goals", table "Goals" over the header and `rows`.

    Byte for byte the same for the same rows and day (the seed is reproducible).
    """
    book = Workbook()
    stamp = datetime(today.year, today.month, today.day)
    book.properties.created = book.properties.modified = stamp
    sheet = book.active
    assert sheet is not None
    sheet.title = "Goals"
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append(row)
    for column, width in zip("ABCDEF", (34, 20, 10, 14, 13, 28), strict=True):
        sheet.column_dimensions[column].width = width
        if column == "D":
            for cell in sheet[column][1:]:
                cell.number_format = '"$"#,##0'
    table = Table(displayName=GOALS_TABLE, ref=f"A1:F{len(rows) + 1}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    sheet.add_table(table)
    buffer = BytesIO()
    book.save(buffer)
    return _fixed_zip_times(buffer.getvalue(), stamp)


def _fixed_zip_times(content: bytes, stamp: datetime) -> bytes:
    """The same archive with every entry dated `stamp`: zip entries carry the write time,
    and openpyxl stamps `dcterms:modified` with the clock when it saves."""
    fixed = BytesIO()
    moment = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with ZipFile(BytesIO(content)) as source, ZipFile(fixed, "w", ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = ZipInfo(entry.filename, date_time=stamp.timetuple()[:6])
            info.compress_type = ZIP_DEFLATED
            data = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"\g<1>" + moment + rb"\g<2>", data)
            target.writestr(info, data)
    return fixed.getvalue()


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
