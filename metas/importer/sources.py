"""From the bytes a user gave to tables of text cells, each row knowing where it is.

Nothing here trusts a file name: the kind of file (ZIP, workbook, PDF, text), the text encoding,
the separator and the quoting convention are all detected from the content. This module is the
ONE place that says what a file is (kind_problem) and where row numbers are assigned: every
later step reads them from the table's index (and, for a PDF, its page), so a problem always
points where an editor, a spreadsheet or a PDF viewer shows the row.

Each job has its tool:
- the csv module splits text (it knows the line each row starts on, even when a quoted cell
  spans lines, and can treat quotes as plain text);
- python-calamine, through pandas (`ExcelFile(engine="calamine")`, which is `read_excel`),
  reads .xls, .xlsx and .ods alike (metas.importer.workbook); pandas keeps every sheet row,
  blank ones included, so a row's index is its number in the sheet. openpyxl is kept for the
  two things calamine does not tell about an .xlsx: a cell's number format (0.5 shown as 50%%)
  and its hyperlink (the GPR link's address behind "Reporte del GPR"); an .ods file's links
  are read from its XML;
- pdfplumber reads the table of a PDF (metas.importer.pdf).
The cells then live in a pandas DataFrame of strings (a metas.importer.table.Table), where the
readers classify rows with vectorised masks. No cell is ever NaN: "N/A", "NA" and "" stay
text. Before any of this, metas.importer.bounds measures what the file would cost to read,
and metas.importer.cells applies the one rule for the characters of a cell.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile

import charset_normalizer
from django.utils.translation import gettext as _

from . import bounds
from .parsed import InputFile, Problem
from .pdf import read_pdf
from .table import NoTextLayer, Table, Unreadable, to_frame
from .workbook import read_workbook

# Rows looked at to choose the separator.
SNIFF_LINES = 400

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 .xls, old .doc
PDF_MAGIC = b"%PDF-"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

TEXT_FORMATS = {"\t": "tsv", ";": "csv", ",": "csv"}
# A text table hardly ever holds a NUL byte (a damaged cell may: cells.py refuses it with its
# line); binary files hold many in their first kilobytes.
TEXT_SNIFF_BYTES = 64 * 1024
MAX_TEXT_NULS = 8

# The csv module's own limit (131,072 characters) would end the import with a traceback;
# cells.py refuses a long cell with its line and column instead.
csv.field_size_limit(64 * 1024 * 1024)


# --- Files and ZIP archives ------------------------------------------------------------------

def expand_archives(files: list[InputFile]) -> tuple[list[InputFile], list[Problem]]:
    """Replaces each plain ZIP (not a workbook) by its members, named "archive/member"."""
    expanded, problems = [], []
    for file in files:
        if is_plain_archive(file.data):
            try:
                members, member_problems = zip_members(file)
            except bounds.OutOfBounds as refusal:
                members, member_problems = [], [refusal.problem]
            expanded.extend(members)
            problems.extend(member_problems)
        else:
            expanded.append(file)
    return expanded, problems


def is_plain_archive(data: bytes) -> bool:
    """A ZIP archive of files, to be read member by member; not a workbook (an .xlsx or an
    .ods file is a ZIP too). The one place that tells them apart."""
    return data.startswith(ZIP_MAGIC) and workbook_kind(data) is None


def workbook_kind(data: bytes) -> str | None:
    """"xlsx" or "ods" for a ZIP that is a workbook, else None (a plain archive)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "mimetype" in names and archive.read("mimetype").startswith(
                b"application/vnd.oasis.opendocument.spreadsheet"
            ):
                return "ods"
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
        return None
    return None


def zip_members(file: InputFile) -> tuple[list[InputFile], list[Problem]]:
    bounds.check_member_count(file)
    try:
        archive = zipfile.ZipFile(io.BytesIO(file.data))
    except (zipfile.BadZipFile, OSError):
        return [], [Problem(file.name, _(
            "The ZIP archive is damaged and cannot be opened. Create it again and upload it."
        ))]
    members, problems, readable = [], [], []
    with archive:
        for info in archive.infolist():
            if is_clutter(info):
                continue
            name = f"{file.name}/{info.filename}"
            if info.flag_bits & 0x1:
                problems.append(Problem(name, _(
                    "This file in the ZIP archive is protected with a password. "
                    "Create the archive without a password."
                )))
            else:
                readable.append(info)
        counted = 0  # inflated bytes of the members read so far: the bound is for them all
        for info in readable:
            try:
                data = bounds.inflate(file, archive, [info], counted=counted)[info.filename]
            except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, NotImplementedError):
                problems.append(Problem(f"{file.name}/{info.filename}", _(
                    "This file in the ZIP archive is damaged. Create the archive again."
                )))
                continue
            counted += len(data)
            members.append(InputFile(name=f"{file.name}/{info.filename}", data=data))
    if not members and not problems:
        problems.append(Problem(file.name, _(
            "The ZIP archive holds no files. Put the month's CSV files in it."
        )))
    return members, problems


def is_clutter(info: zipfile.ZipInfo) -> bool:
    """Folders and the hidden files that macOS and Windows add to archives."""
    basename = info.filename.rstrip("/").rsplit("/", 1)[-1]
    return (
        info.is_dir()
        or info.filename.startswith("__MACOSX/")
        or basename.startswith(".")
        or basename.lower() in ("thumbs.db", "desktop.ini")
    )


# --- Bytes to a table ------------------------------------------------------------------------

def kind_problem(file: InputFile) -> Problem | None:
    """Why these bytes cannot be a report, judged from their first bytes alone (before any
    parsing), or None when they may be one: a text table, a workbook (.xlsx, .ods, .xls), a
    PDF or a ZIP archive.

    The one place that tells what kind of file a user gave: read_table() starts here, and the
    staff upload form asks it too, so both say the same about the same file."""
    data = file.data
    if not data.strip():
        return Problem(file.name, _(
            "The file is empty. Export the report again and upload the resulting file."
        ))
    if data.startswith((*ZIP_MAGIC, OLE_MAGIC, PDF_MAGIC)):
        return None
    if not data.startswith(UTF16_BOMS) and data[:TEXT_SNIFF_BYTES].count(0) > MAX_TEXT_NULS:
        return not_text_problem(file)
    return None


def not_text_problem(file: InputFile) -> Problem:
    return Problem(file.name, _(
        "This is not a text file, a spreadsheet or a PDF. Upload the report as published: "
        "a spreadsheet (.xlsx, .xls, .ods), a PDF or a CSV file."
    ))


def read_pdf_or_scan(file: InputFile) -> Table:
    """A PDF's table: from its text, or by OCR when its pages are images only."""
    try:
        return read_pdf(file)
    except NoTextLayer:
        # Imported here: metas.importer.ocr loads OpenCV and Tesseract, which only a scan needs.
        from .ocr import read_scanned

        return read_scanned(file)


def read_table(file: InputFile, sheet: str | None = None) -> Table:
    """The file's cells, or Unreadable saying what the file is and what to do. `sheet` names
    the worksheet to read in a workbook with several reports."""
    problem = kind_problem(file)
    if problem is not None:
        raise Unreadable(problem)
    try:
        if file.data.startswith(PDF_MAGIC):
            return read_pdf_or_scan(file)
        if file.data.startswith(OLE_MAGIC):
            return read_workbook(file, "xls", sheet)
        if file.data.startswith(ZIP_MAGIC):
            return read_workbook(file, workbook_kind(file.data) or "xlsx", sheet)
        text, encoding = decode(file.data)
        if text is None or looks_binary(text):
            raise Unreadable(not_text_problem(file))
        bounds.check_lines(file, text)
        return read_text(file, text, encoding)
    except bounds.OutOfBounds as refusal:
        raise Unreadable(refusal.problem) from None


# --- Encodings --------------------------------------------------------------------------------

_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_SPANISH_LOWER = frozenset("áéíóúüñ")
_SPANISH_UPPER = frozenset("ÁÉÍÓÚÜÑ")
_SPANISH_SIGNS = frozenset("¿¡ºª°“”‘’–—…€")
_TEXT_CONTROLS = frozenset("\t\n\r\f\v")


def decode(data: bytes) -> tuple[str | None, str]:
    """The text and the codec it was written in (None if it is not text).

    UTF-8 is strict, so it is never mistaken for anything else. Windows-1252 (Excel's "CSV")
    and CP850 (Excel's "CSV (MS-DOS)") decode almost any byte, so the one whose non-ASCII
    characters read as Spanish wins. charset-normalizer, which on a few short lines confuses
    the two (or guesses an Asian code page), only settles what the letters leave open.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith(UTF16_BOMS):
        return data.decode("utf-16", errors="replace"), "utf-16"
    if data.count(0) > MAX_TEXT_NULS:
        return None, ""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = {}
    for codec in ("cp1252", "cp850"):
        try:
            candidates[codec] = data.decode(codec)
        except UnicodeDecodeError:
            continue  # cp1252 leaves five bytes undefined; CP850 text uses some of them
    scores = {codec: spanish_plausibility(text) for codec, text in candidates.items()}
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if ranked and ranked[0][1] > 0 and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
        codec = ranked[0][0]
        return candidates[codec], codec
    return normalizer_guess(data, candidates)


def spanish_plausibility(text: str) -> int:
    """How much a decoding's non-ASCII characters look like written Spanish: an accented
    letter of the right case beside plain letters counts for, anything else against."""
    score = 0
    for match in _NON_ASCII.finditer(text):
        char, at = match.group(), match.start()
        before = text[at - 1] if at else " "
        after = text[at + 1] if at + 1 < len(text) else " "
        if char in _SPANISH_LOWER:
            plausible = before.islower() or after.islower()
        elif char in _SPANISH_UPPER:
            plausible = before.isupper() or after.isupper() or (
                not before.isalpha() and after.islower()
            )
        else:
            plausible = char in _SPANISH_SIGNS
        score += 1 if plausible else -1
    return score


def normalizer_guess(data: bytes, candidates: dict[str, str]) -> tuple[str, str]:
    """When the letters do not tell (no accented letter, or equally many both ways), let
    charset-normalizer choose among the candidates; Windows-1252 if it cannot."""
    best = charset_normalizer.from_bytes(data, cp_isolation=list(candidates)).best()
    codec = best.encoding if best is not None and best.encoding in candidates else None
    codec = codec or next(iter(candidates))
    return candidates[codec], codec


def looks_binary(text: str) -> bool:
    """Control characters are a sure sign of binary data decoded as text."""
    sample = text[:20000]
    controls = sum(
        1 for char in sample
        if unicodedata.category(char) == "Cc" and char not in _TEXT_CONTROLS
    )
    return controls > max(2, len(sample) // 200)


# --- Text files: separator, quoting, lines ----------------------------------------------------

def read_text(file: InputFile, text: str, encoding: str) -> Table:
    delimiter = choose_delimiter(text)
    rows = split_rows(text, delimiter)
    return Table(
        source=file,
        detected_format=TEXT_FORMATS[delimiter],
        encoding=encoding,
        cells=to_frame(file.name, rows),
        delimiter=delimiter,
    )


def choose_delimiter(text: str) -> str:
    """Tab, semicolon or comma: the one that splits the most lines into the same number of
    fields (more fields wins a tie, then this order)."""
    lines = [line for line in text.splitlines()[:SNIFF_LINES] if line.strip()]
    best, best_score = "\t", (0, 0)
    for delimiter in ("\t", ";", ","):
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter) if len(row) > 1]
        if not counts:
            continue
        mode = max(set(counts), key=lambda n: (counts.count(n), n))
        score = (counts.count(mode), mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def split_rows(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """Each row with the line it starts on.

    Spreadsheet programs quote the CSV way (`"Proyecto ""Ruta natural"" Gualel"`); text pulled
    out of a PDF has bare quotes (`Proyecto "Ruta natural" Gualel`). A quote inside a field
    that is not doubled can only come from the latter, and so can a file a strict CSV reader
    refuses: then every quote is text and every line is one row.
    """
    if uses_bare_quotes(text, delimiter):
        return list(numbered_rows(text, delimiter, quoting=csv.QUOTE_NONE, strict=False))
    try:
        return list(numbered_rows(text, delimiter, quoting=csv.QUOTE_MINIMAL, strict=True))
    except csv.Error:
        return line_by_line(text, delimiter)


def line_by_line(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """Each line one row, for a file whose quotes a strict CSV reader refuses (a quote opened
    and never closed): a line whose quotes close is read the CSV way, the others with their
    quotes as text, so that one open quote spoils its own line only, not every quoted cell of
    the file (metas.importer.cells then warns of the open quote and removes it)."""
    rows = []
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        try:
            row = next(csv.reader([line], delimiter=delimiter, strict=True), [])
        except csv.Error:
            row = next(csv.reader([line], delimiter=delimiter, quoting=csv.QUOTE_NONE), [])
        rows.append((number, row))
    return rows


def numbered_rows(text, delimiter, **dialect):
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, **dialect)
    line = 1
    for row in reader:
        yield line, row
        line = reader.line_num + 1  # a quoted field may span several lines


def uses_bare_quotes(text: str, delimiter: str) -> bool:
    for line in text.splitlines():
        if '"' not in line:
            continue
        for cell in line.split(delimiter):
            inner = cell.strip().replace('""', "")[1:-1]
            if '"' in inner:
                return True
    return False
