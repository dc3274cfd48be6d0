"""Workbooks: .xlsx, Excel 97-2003 .xls and OpenDocument .ods, through one reader.

python-calamine reads the values of all three (through pandas, `ExcelFile(engine="calamine")`);
a merged cell's value is in its first cell, the others are blank, as the TSV has them. What
calamine does not tell is read where it is kept: an .xlsx cell's number format and hyperlink
with openpyxl (only when the sheet has numbers or links at all), an .ods cell's hyperlink from
its content.xml, an .xls cell's from xlrd. metas.importer.bounds has measured the workbook
before calamine sees it.

Of several visible sheets, the one with the report's header row is read; two such sheets are
refused unless the user names one (`--sheet`, the upload's "Hoja" field).
"""
from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from xml.etree.ElementTree import ParseError, iterparse

import pandas as pd
import xlrd
from django.utils.translation import gettext as _
from python_calamine import SheetTypeEnum, SheetVisibleEnum

from metas.presentation.numbers import plain

from . import bounds
from .layout import find_header
from .parsed import InputFile, Problem
from .table import Table, Unreadable, to_frame

# As the messages name them ("no es un libro de Excel (.xlsx)").
FORMAT_NAMES = {
    "xlsx": "Excel (.xlsx)", "xls": "Excel 97-2003 (.xls)", "ods": "OpenDocument (.ods)",
}


def read_workbook(file: InputFile, kind: str, sheet: str | None = None) -> Table:
    """The sheet holding the report, every cell as the text a reader sees."""
    if kind in ("xlsx", "ods"):
        try:
            bounds.check_workbook(file, kind)
        except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, NotImplementedError):
            raise Unreadable(damaged(file, kind)) from None
    try:
        excel = pd.ExcelFile(io.BytesIO(file.data), engine="calamine")
    except Exception as error:  # calamine raises its own kinds for a damaged file
        raise Unreadable(damaged(file, kind)) from error
    with excel:
        visible = [
            meta.name for meta in excel.book.sheets_metadata
            if meta.visible == SheetVisibleEnum.Visible and meta.typ == SheetTypeEnum.WorkSheet
        ]
        if sheet:
            return read_sheet(file, kind, excel, chosen_sheet(file, visible, sheet))
        tables = []
        for name in visible:
            table = read_sheet(file, kind, excel, name)
            if table.cells.ne("").any(axis=None):
                tables.append(table)
    if not tables:
        raise Unreadable(Problem(file.name, _(
            "The spreadsheet has no data in any visible sheet."
        )))
    return report_sheet(file, tables)


def damaged(file: InputFile, kind: str) -> Problem:
    return Problem(file.name, _(
        "The spreadsheet cannot be read: it is damaged or not a %(format)s workbook. Open it "
        "in a spreadsheet program and save it again, or export it as CSV."
    ) % {"format": FORMAT_NAMES[kind]})


def chosen_sheet(file: InputFile, visible: list[str], wanted: str) -> str:
    for name in visible:
        if name.strip().casefold() == wanted.strip().casefold():
            return name
    raise Unreadable(Problem(file.name, _(
        "The workbook has no visible sheet “%(sheet)s”. Its sheets are: %(sheets)s."
    ) % {"sheet": wanted, "sheets": ", ".join(f"“{name}”" for name in visible)}))


def report_sheet(file: InputFile, tables: list[Table]) -> Table:
    """The one sheet with a report's header row (else the first with data, which may be a
    portal file of another kind); two report sheets are the user's choice, not ours."""
    reports = [table for table in tables if find_header(table) is not None]
    if len(reports) > 1:
        raise Unreadable(Problem(file.name, _(
            "The workbook has %(count)s sheets that look like a report: %(sheets)s. Choose "
            "the one to import (the “Sheet” field of the upload, or --sheet)."
        ) % {"count": len(reports), "sheets": ", ".join(f"“{t.sheet}”" for t in reports)}))
    return (reports or tables)[0]


def read_sheet(file: InputFile, kind: str, excel: pd.ExcelFile, name: str) -> Table:
    try:
        frame = excel.parse(name, header=None, dtype=object, na_filter=False)
    except Exception as error:
        raise Unreadable(damaged(file, kind)) from error
    values = frame.values.tolist()
    percent, links = set(), {}
    has_numbers = any(isinstance(v, (int, float)) and not isinstance(v, bool)
                      for row in values for v in row)
    if kind == "xlsx":
        percent, links = xlsx_formats_and_links(file, name, has_numbers)
    elif kind == "ods":
        links = ods_links(file, name)
    elif kind == "xls":
        links = xls_links(file, name)
    rows = []
    for number, row in enumerate(values, start=1):
        cells = [cell_text(value, (number, column) in percent) for column, value in enumerate(row)]
        if any(cells):
            rows.append((number, cells))
    return Table(file, kind, "", to_frame(file.name, rows), sheet=name, links=links)


def cell_text(value, percent: bool = False) -> str:
    """A cell as the sheet shows it: 15 significant digits (no float noise such as
    0.30000000000000004), a percentage format as "50%", a date as 2019-08-31."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (pd.Timestamp, datetime)):
        if pd.isna(value):
            return ""
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, (timedelta, pd.Timedelta)):
        return str(value)
    if isinstance(value, (int, float)):
        if value != value:  # NaN: an error cell (#DIV/0!)
            return ""
        number = Decimal(format(value, ".15g"))
        return plain(number * 100) + "%" if percent else plain(number)
    return str(value)


def xlsx_formats_and_links(file: InputFile, sheet: str, has_numbers: bool):
    """The (row, column) of cells formatted as percentages, and the hyperlinks by cell, of an
    .xlsx sheet, from openpyxl; skipped when the sheet has neither numbers nor links."""
    if not has_numbers and not has_hyperlinks(file.data):
        return set(), {}
    import openpyxl  # imported here: half a second to import, and only these workbooks need it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(file.data), data_only=True)
        worksheet = workbook[sheet]
    except Exception:  # openpyxl fails on files calamine reads: the values are enough
        return set(), {}
    percent, links = set(), {}
    for row in worksheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, (int, float)) and "%" in (cell.number_format or ""):
                percent.add((cell.row, cell.column - 1))
            if cell.hyperlink is not None and cell.hyperlink.target:
                links[(cell.row, cell.column - 1)] = cell.hyperlink.target
    workbook.close()
    return percent, links


def has_hyperlinks(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return any(
            name.startswith("xl/worksheets/_rels/")
            and b"relationships/hyperlink" in archive.read(name)
            for name in archive.namelist()
        )


def xls_links(file: InputFile, sheet: str) -> dict[tuple[int, int], str]:
    """The hyperlinks of one sheet of an .xls workbook, by (row, column), from xlrd (which
    reads the HLINK records calamine skips); {} when xlrd cannot read the file."""
    try:
        book = xlrd.open_workbook(file_contents=file.data, on_demand=True, logfile=io.StringIO())
        try:
            links = book.sheet_by_name(sheet).hyperlink_map
            return {(row + 1, column): link.url_or_path for (row, column), link in links.items()
                    if link.url_or_path}
        finally:
            book.release_resources()
    except Exception:  # xlrd raises many kinds for files calamine reads: the values are enough
        return {}


_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_TEXT_A = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}a"
_HREF = "{http://www.w3.org/1999/xlink}href"


def ods_links(file: InputFile, sheet: str) -> dict[tuple[int, int], str]:
    """The hyperlinks (text:a) of one sheet of an .ods workbook, by (row, column)."""
    links, row, column, inside = {}, 0, 0, False
    try:
        with zipfile.ZipFile(io.BytesIO(file.data)) as archive, archive.open("content.xml") as xml:
            for event, element in iterparse(xml, events=("start", "end")):
                tag = element.tag
                if event == "start":
                    if tag == f"{_TABLE}table":
                        inside, row = element.get(f"{_TABLE}name") == sheet, 0
                    elif tag == f"{_TABLE}table-row":
                        column = 0
                    elif tag == _TEXT_A and inside and element.get(_HREF):
                        links.setdefault((row + 1, column), element.get(_HREF))
                    continue
                if tag in (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"):
                    column += int(element.get(f"{_TABLE}number-columns-repeated") or 1)
                    element.clear()
                elif tag == f"{_TABLE}table-row":
                    row += int(element.get(f"{_TABLE}number-rows-repeated") or 1)
                    element.clear()
    except (KeyError, ParseError, ValueError, zipfile.BadZipFile):
        return {}
    return links
