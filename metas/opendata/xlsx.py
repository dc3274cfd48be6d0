"""An export as an Excel workbook (.xlsx) a journalist opens with a double click: the rows on a
first sheet with the same columns and values as the CSV, the filters that chose them on a
second one ("Filtros").

    with tempfile.TemporaryFile() as handle:
        count = write_workbook(handle, rows, columns, about=[(label, value), ...])

Written by xlsxwriter in constant memory: each row goes to disk as it is written, so memory
stays flat whatever the number of rows (bench/export_bench.py measures it). Numbers are numbers,
months and dates are dates with a format; every text is written as a string, never as a
formula, and a text a spreadsheet would run as a formula ("=HYPERLINK(…)", "+1", "@SUM") also
gets Excel's quote prefix, so that editing the cell keeps it text: the CSV's apostrophe
(metas.opendata.exports.neutralise), the way Excel stores it.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter
from django.utils import translation
from django.utils.translation import gettext as _

from .exports import LIST_SEPARATOR, Column, runs_as_formula

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's last row, less the header: rows past it are left out and the filters sheet says so.
MAX_ROWS = 1_048_575
# Column widths in characters, by the kind of value; a few long texts get more room.
WIDTHS = {
    "text": 24, "integer": 9, "number": 10, "month (YYYY-MM)": 10, "yes / no": 9,
    "list of names": 24, "URL": 40, "date (YYYY-MM-DD)": 12,
}
WIDE = {"institucion": 28, "unidad": 40, "objetivo": 60, "indicador": 36,
        "meta_publicada": 48, "nota": 40, "motivo_palabras": 30}
MONTH, DAY = "month (YYYY-MM)", "date (YYYY-MM-DD)"
WORKBOOK_OPTIONS = {
    "constant_memory": True,
    # write() is never called, but should it be: text stays text.
    "strings_to_numbers": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
}


class _Formats:
    def __init__(self, workbook):
        self.header = workbook.add_format({"bold": True, "bg_color": "#E8EEF4", "border": 1})
        self.text = None
        self.quoted = workbook.add_format({"quote_prefix": True})
        self.month = workbook.add_format({"num_format": "yyyy-mm"})
        self.day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm", "align": "left"})
        self.title = workbook.add_format({"bold": True, "font_size": 13})
        self.label = workbook.add_format({"bold": True, "valign": "top"})
        self.wrapped = workbook.add_format({"text_wrap": True, "valign": "top"})


def write_workbook(handle, rows: Iterable, columns: Sequence[Column], *,
                   about: Sequence[tuple[str, object]], title: str) -> int:
    """Write the workbook into `handle` (a binary file open for writing and seeking): the rows,
    then `about` on the filters sheet, each (label, value) a row, with the number of rows
    written added. Returns that number."""
    workbook = xlsxwriter.Workbook(handle, WORKBOOK_OPTIONS)
    workbook.set_properties({"title": title, "author": "Transparencia Metas"})
    formats = _Formats(workbook)
    data_sheet = workbook.add_worksheet(_safe_sheet_name(_("Goals")))
    about_sheet = workbook.add_worksheet(_safe_sheet_name(_("Filters")))
    count, left_out = _write_rows(data_sheet, rows, columns, formats)
    about = [*about, (_("Goals in this file"), count)]
    if left_out:
        about.append((_("Left out"), _(
            "%(count)s goals past Excel's last row; the CSV holds them all."
        ) % {"count": left_out}))
    _write_about(about_sheet, title, about, formats)
    workbook.close()
    return count


def _write_rows(sheet, rows, columns, formats) -> tuple[int, int]:
    """The header, frozen and with an autofilter, then one row per row; (written, left out)."""
    kinds = [_kind(column) for column in columns]
    for index, (column, kind) in enumerate(zip(columns, kinds)):
        width = max(WIDE.get(column.name, WIDTHS.get(kind, 16)), len(column.name) + 3)
        sheet.set_column(index, index, width)
    sheet.freeze_panes(1, 0)
    for index, column in enumerate(columns):
        sheet.write_string(0, index, column.name, formats.header)
    writers = [_cell_writer(sheet, kind, formats) for kind in kinds]
    values = [column.value for column in columns]
    yes, no = _("yes"), _("no")
    count = left_out = 0
    for row in rows:
        if count == MAX_ROWS:
            left_out += 1
            continue
        count += 1
        for index, (value_of, write) in enumerate(zip(values, writers)):
            value = value_of(row)
            if type(value) is bool:
                value = yes if value else no
            write(count, index, value)
    sheet.autofilter(0, 0, count, len(columns) - 1)
    return count, left_out


def _kind(column: Column) -> str:
    with translation.override(None):
        return str(column.kind)


def _cell_writer(sheet, kind: str, formats):
    """A function (row, col, value) writing one cell of a column of this kind."""
    text = _text_writer(sheet, formats)
    if kind == MONTH:
        return _date_writer(sheet, text, formats.month, lambda value: f"{value}-01")
    if kind == DAY:
        return _date_writer(sheet, text, formats.day, lambda value: value)

    def write(row, col, value):
        if value is None or value == "":
            return  # a blank cell, as the CSV's empty field
        if isinstance(value, (int, float, Decimal)):
            sheet.write_number(row, col, float(value) if type(value) is Decimal else value)
        else:
            text(row, col, value)

    return write


def _text_writer(sheet, formats):
    def write(row, col, value):
        if type(value) is list:
            value = LIST_SEPARATOR.join(value)
        value = str(value)
        if value:
            quoted = runs_as_formula(value)
            sheet.write_string(row, col, value, formats.quoted if quoted else formats.text)

    return write


def _date_writer(sheet, text, cell_format, iso):
    """Months ("2019-08") and days ("2019-08-28") as dates; anything else as text."""

    def write(row, col, value):
        if isinstance(value, date):
            sheet.write_datetime(row, col, _midnight(value), cell_format)
            return
        if not value:
            return
        try:
            day = date.fromisoformat(iso(str(value)))
        except ValueError:
            text(row, col, value)
            return
        sheet.write_datetime(row, col, _midnight(day), cell_format)

    return write


def _midnight(day: date) -> datetime:
    if isinstance(day, datetime):
        return day.replace(tzinfo=None)
    return datetime(day.year, day.month, day.day)


def _write_about(sheet, title: str, about, formats) -> None:
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 1, 90)
    sheet.write_string(0, 0, title, formats.title)
    for row, (label, value) in enumerate(about, start=2):
        sheet.write_string(row, 0, str(label), formats.label)
        if isinstance(value, datetime):
            sheet.write_datetime(row, 1, _midnight(value), formats.moment)
        elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            sheet.write_number(row, 1, float(value), None)
        elif value not in (None, ""):
            quoted = runs_as_formula(str(value))
            sheet.write_string(row, 1, str(value), formats.quoted if quoted else formats.wrapped)


def _safe_sheet_name(name: str) -> str:
    """Excel refuses sheet names over 31 characters or with []:*?/\\."""
    for character in "[]:*?/\\":
        name = name.replace(character, " ")
    return name[:31].strip() or "Hoja"
