"""How much of a file is read at all: the bounds checked before anything is parsed.

A 10 MB upload can hold gigabytes once inflated (a ZIP or workbook "bomb"), millions of rows or
shared strings, or a sheet whose one far cell makes a reader allocate the whole rectangle up to
it. Each is measured here on the real bytes (a ZIP's own size fields are never trusted: the
members are inflated and counted, stopping as soon as a bound is passed), so that a hostile
file is refused in well under a second and a few megabytes of memory, and a real report,
even of MAX_GOALS goals, is far inside every bound.
"""
from __future__ import annotations

import io
import re
import zipfile
import zlib
from itertools import islice
from xml.etree.ElementTree import ParseError, iterparse

from django.utils.translation import gettext as _

from metas.presentation.numbers import count_text

from .parsed import InputFile, Problem

MAX_GOALS = 20_000  # goals in one report
MAX_ROWS = 50_000  # rows with text in one table (a text file's lines, a sheet's rows)
MAX_COLUMNS = 100  # columns up to the last one with text
MAX_CELLS = 2_000_000  # rows x columns of the rectangle a table spans
MAX_MEMBERS = 100  # files in one ZIP archive or workbook
MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024  # inflated bytes of a ZIP, workbook or PDF
MAX_SHARED_STRINGS = 200_000  # texts of an .xlsx workbook
MAX_PDF_PAGES = 250  # about 2,500 goals in the usual layout

_CHUNK = 1024 * 1024
_ZIP_ENTRY = b"PK\x01\x02"  # the signature of each entry of a ZIP's central directory


class OutOfBounds(Exception):
    """A file past one of the bounds; carries the problem to show."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


def refuse(name: str, message: str):
    raise OutOfBounds(Problem(name, message))


def size_text(size: int) -> str:
    return _("%(size)s MB") % {"size": count_text(size // (1024 * 1024))}


# --- ZIP archives and workbooks -------------------------------------------------------------

def check_member_count(file: InputFile) -> None:
    """Counted on the bytes, before zipfile reads the central directory into memory."""
    if file.data.count(_ZIP_ENTRY) > MAX_MEMBERS:
        refuse(file.name, _(
            "The archive holds more than %(max)s files. A report is one file, or the portal's "
            "three files: upload only those."
        ) % {"max": MAX_MEMBERS})


def inflate(file: InputFile, archive: zipfile.ZipFile, infos, keep=lambda info: True,
            counted: int = 0) -> dict:
    """The inflated bytes of the members `keep` accepts (the others are only counted), counting
    every byte that really comes out, after the `counted` bytes of earlier members, and
    stopping past MAX_UNCOMPRESSED_BYTES. A member whose size field lies is cut there, or
    fails its checksum: zipfile raises BadZipFile."""
    total, kept = counted, {}
    for info in infos:
        parts = []
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                total += len(chunk)
                if total > MAX_UNCOMPRESSED_BYTES:
                    refuse(file.name, _(
                        "Uncompressed, the archive holds more than %(max)s, far more than a "
                        "report. Upload the report itself."
                    ) % {"max": size_text(MAX_UNCOMPRESSED_BYTES)})
                if keep(info):
                    parts.append(chunk)
        if keep(info):
            kept[info.filename] = b"".join(parts)
    return kept


def check_workbook(file: InputFile, kind: str) -> None:
    """An .xlsx or .ods workbook: its inflated size, then its sheets' rows, columns and cells,
    and its shared strings, read from the XML as a stream and dropped as it goes."""
    check_member_count(file)
    with zipfile.ZipFile(io.BytesIO(file.data)) as archive:
        infos = archive.infolist()
        inflate(file, archive, infos, keep=lambda info: False)
        for info in infos:
            name = info.filename
            if kind == "xlsx" and name.startswith("xl/worksheets/") and name.endswith(".xml"):
                with archive.open(info) as stream:
                    check_extent(file, *xlsx_extent(stream))
            elif kind == "xlsx" and name == "xl/sharedStrings.xml":
                with archive.open(info) as stream:
                    check_shared_strings(file, stream)
            elif kind == "ods" and name == "content.xml":
                with archive.open(info) as stream:
                    check_extent(file, *ods_extent(stream))


def check_extent(file: InputFile, rows: int, columns: int) -> None:
    if rows > MAX_ROWS:
        refuse(file.name, _(
            "The file has more than %(max)s rows with text, far more than a report. Check that "
            "this is the month's report, without other data."
        ) % {"max": count_text(MAX_ROWS)})
    if columns > MAX_COLUMNS:
        refuse(file.name, _(
            "The file has text in more than %(max)s columns; a report has five. Delete the "
            "columns that are not part of the report."
        ) % {"max": MAX_COLUMNS})
    if rows * columns > MAX_CELLS:
        refuse(file.name, _(
            "The file's text spans more than %(max)s cells (rows by columns), far more than a "
            "report. Delete what is not part of the report."
        ) % {"max": count_text(MAX_CELLS)})


class _Enough(Exception):
    """Stops reading a sheet's XML once a bound is passed."""


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


_CELL_REFERENCE = re.compile(r"([A-Z]{1,3})(\d{1,7})")


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def xlsx_extent(stream) -> tuple[int, int]:
    """(last row, last column) holding a value in an .xlsx sheet's XML; cells that are only
    formatted are not counted (a sheet formatted down to row 1,048,576 holds nothing there).
    Stops as soon as a bound is passed."""
    row = column = last_row = last_column = 0
    try:
        for event, element in iterparse(stream, events=("start", "end")):
            tag = _local(element.tag)
            if event == "start":
                if tag == "row":
                    row = int(element.get("r") or row + 1)
                    column = 0
                continue
            if tag == "c":
                match = _CELL_REFERENCE.fullmatch(element.get("r") or "")
                if match:
                    column, row = _column_number(match[1]), int(match[2])
                else:
                    column += 1
                if any(_local(child.tag) in ("v", "is") for child in element):
                    last_row, last_column = max(last_row, row), max(last_column, column)
                    if _past_bounds(last_row, last_column):
                        raise _Enough
                element.clear()
            elif tag == "row":
                element.clear()
    except _Enough:
        pass
    except (ParseError, ValueError):
        pass  # a damaged sheet: the workbook reader says so
    return last_row, last_column


_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def ods_extent(stream) -> tuple[int, int]:
    """(last row, last column) holding a value in any sheet of an .ods content.xml, counting
    the rows and cells an element repeats (one element may stand for a million rows)."""
    last_row = last_column = row = column = 0
    row_has_text = False
    try:
        for event, element in iterparse(stream, events=("start", "end")):
            tag = _local(element.tag)
            if event == "start":
                if tag == "table":
                    row = 0
                elif tag == "table-row":
                    column, row_has_text = 0, False
                continue
            if tag in ("table-cell", "covered-table-cell"):
                repeat = int(element.get(f"{_TABLE}number-columns-repeated") or 1)
                if element.get(f"{_OFFICE}value-type") or len(element):
                    last_column = max(last_column, column + repeat)
                    row_has_text = True
                column += repeat
                element.clear()
            elif tag == "table-row":
                repeat = int(element.get(f"{_TABLE}number-rows-repeated") or 1)
                if row_has_text:
                    last_row = max(last_row, row + repeat)
                row += repeat
                element.clear()
                if _past_bounds(last_row, last_column):
                    break
    except (ParseError, ValueError):
        pass
    return last_row, last_column


def _past_bounds(rows: int, columns: int) -> bool:
    return rows > MAX_ROWS or columns > MAX_COLUMNS or rows * columns > MAX_CELLS


_SHARED_STRING = re.compile(rb"<(?:\w{1,10}:)?si[\s>]")


def shared_strings_in(xml: bytes) -> int:
    if b":si" in xml:  # a namespace prefix (<x:si>): rare, and slower to count
        return len(_SHARED_STRING.findall(xml))
    return xml.count(b"<si>") + xml.count(b"<si ")


def check_shared_strings(file: InputFile, stream) -> None:
    count, buffer = 0, b""
    while chunk := stream.read(_CHUNK):
        buffer += chunk
        cut = buffer.rfind(b"<")  # a tag there may go on in the next chunk
        count += shared_strings_in(buffer[:cut] if cut >= 0 else buffer)
        buffer = buffer[cut:] if cut >= 0 else b""
        if count > MAX_SHARED_STRINGS:
            refuse(file.name, _(
                "The workbook holds more than %(max)s different texts, far more than a "
                "report. Check that this is the month's report, without other data."
            ) % {"max": count_text(MAX_SHARED_STRINGS)})


# --- Text files -----------------------------------------------------------------------------

def check_lines(file: InputFile, text: str) -> None:
    if text.count("\n") >= MAX_ROWS:
        refuse(file.name, _(
            "The file has more than %(max)s lines, far more than a report. Check that this is "
            "the month's report, without other data."
        ) % {"max": count_text(MAX_ROWS)})


# --- PDF --------------------------------------------------------------------------------------

_STREAM = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")


def check_pdf(file: InputFile) -> None:
    """The inflated size of every compressed stream, measured on the stream itself (what a
    PDF declares of its lengths is not trusted)."""
    data, total = memoryview(file.data), 0
    for match in _STREAM.finditer(file.data):
        inflater, position = zlib.decompressobj(), match.end()
        try:
            while not inflater.eof and position < len(data):
                pending = data[position:position + _CHUNK]
                position += len(pending)
                while pending and not inflater.eof:
                    total += len(inflater.decompress(pending, _CHUNK))
                    pending = inflater.unconsumed_tail
                    if total > MAX_UNCOMPRESSED_BYTES:
                        refuse(file.name, _(
                            "Uncompressed, the PDF holds more than %(max)s, far more than a "
                            "report. Upload the report itself, or its spreadsheet."
                        ) % {"max": size_text(MAX_UNCOMPRESSED_BYTES)})
        except zlib.error:
            continue  # not a compressed stream (an image, plain text)


def check_pdf_pages(file: InputFile, document) -> None:
    from pdfminer.pdfpage import PDFPage  # imported here: slow to import, only PDFs need it

    if len(list(islice(PDFPage.create_pages(document), MAX_PDF_PAGES + 1))) > MAX_PDF_PAGES:
        refuse(file.name, _(
            "The PDF has more than %(max)s pages, far more than a report. Upload the month's "
            "report only, or its spreadsheet."
        ) % {"max": MAX_PDF_PAGES})


def check_goal_count(name: str, count: int) -> None:
    if count > MAX_GOALS:
        refuse(name, _(
            "The report has %(count)s goals; at most %(max)s are accepted in one report. Check "
            "that the file holds one month of one institution."
        ) % {"count": count_text(count), "max": count_text(MAX_GOALS)})


# --- Scanned PDFs (OCR) -----------------------------------------------------------------------

MAX_SCAN_PAGES = 60  # pages read by OCR: a few seconds each
MAX_SCAN_PAGE_PIXELS = 40_000_000  # a page as rendered for OCR, or an image in it (A3 at 400 dpi)


def check_scan(file: InputFile, pages: int, pixels: list[int]) -> None:
    """A scan's pages and each page's pixels, before any is rendered."""
    if pages > MAX_SCAN_PAGES:
        refuse(file.name, _(
            "This scanned PDF has %(pages)s pages; at most %(max)s are read by text "
            "recognition. Upload the month's report only, or its spreadsheet."
        ) % {"pages": count_text(pages), "max": MAX_SCAN_PAGES})
    for number, count in enumerate(pixels, start=1):
        if count > MAX_SCAN_PAGE_PIXELS:
            raise OutOfBounds(Problem(file.name, _(
                "This page of the scanned PDF is far larger than a sheet of paper: it cannot "
                "be read. Scan the report again on A4 or letter paper, at 200 to 300 dpi."
            ), page=number))
