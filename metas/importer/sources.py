"""From the bytes a user gave to tables of text cells, each row knowing its line.

Nothing here trusts a file name: the kind of file (ZIP, XLSX, text), the text encoding, the
separator and the quoting convention are all detected from the content. This module is the ONE
place where line numbers (or sheet rows) are assigned: every later step reads them from the
table's index, so a problem always points where an editor or spreadsheet shows the row.

Each job has its tool: the csv module splits text (it knows the line each row starts on, even
when a quoted cell spans lines, and can treat quotes as plain text); openpyxl reads workbooks
(a cell's number format says that 0.5 is shown as 50%); the cells then live in a pandas
DataFrame of strings, where the readers classify rows with vectorised masks. No cell is ever
NaN: "N/A", "NA" and "" stay text.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

import charset_normalizer
import pandas as pd
from django.utils.translation import gettext as _

from metas.numbers import plain

from .parsed import InputFile, Problem

# A ZIP member bigger than this is refused: protects the server from "ZIP bombs".
MAX_MEMBER_BYTES = 50 * 1024 * 1024
# Rows looked at to choose the separator.
SNIFF_LINES = 400

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 .xls, old .doc
PDF_MAGIC = b"%PDF-"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

TEXT_FORMATS = {"\t": "tsv", ";": "csv", ",": "csv"}
# A text table never holds a NUL byte in its first kilobytes; binary files almost always do.
TEXT_SNIFF_BYTES = 64 * 1024


class Unreadable(Exception):
    """A file that cannot be turned into a table; carries the problem to show."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


@dataclass
class Table:
    """The cells of one file as text. `cells` has columns 0..n-1 and, as index, each row's
    1-based line (text files) or sheet row (spreadsheets); blank rows are kept."""

    source: InputFile
    detected_format: str  # "tsv", "csv" or "xlsx"
    encoding: str  # "" for xlsx
    cells: pd.DataFrame
    sheet: str = ""

    @property
    def name(self) -> str:
        return self.source.name

    def problem(self, message, line=None, column=None, value="") -> Problem:
        return Problem(
            file=self.name, message=message, line=None if line is None else int(line),
            column=column, value=value, sheet=self.sheet,
        )


# --- Files and ZIP archives ------------------------------------------------------------------

def expand_archives(files: list[InputFile]) -> tuple[list[InputFile], list[Problem]]:
    """Replaces each plain ZIP (not an XLSX workbook) by its members, named "archive/member"."""
    expanded, problems = [], []
    for file in files:
        if file.data.startswith(ZIP_MAGIC) and not is_workbook(file.data):
            members, member_problems = zip_members(file)
            expanded.extend(members)
            problems.extend(member_problems)
        else:
            expanded.append(file)
    return expanded, problems


def is_workbook(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def zip_members(file: InputFile) -> tuple[list[InputFile], list[Problem]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(file.data))
    except (zipfile.BadZipFile, OSError):
        return [], [Problem(file.name, _(
            "The ZIP archive is damaged and cannot be opened. Create it again and upload it."
        ))]
    members, problems = [], []
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
            elif info.file_size > MAX_MEMBER_BYTES:
                problems.append(Problem(name, _(
                    "This file in the ZIP archive is too large (%(size)s MB uncompressed)."
                ) % {"size": info.file_size // (1024 * 1024)}))
            else:
                try:
                    data = archive.read(info)
                except (zipfile.BadZipFile, OSError, RuntimeError):
                    problems.append(Problem(name, _(
                        "This file in the ZIP archive is damaged. Create the archive again."
                    )))
                    continue
                members.append(InputFile(name=name, data=data))
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
    parsing), or None when they may be one: a text table, a workbook or a ZIP archive.

    The one place that tells what kind of file a user gave: read_table() starts here, and the
    staff upload form asks it too, so both say the same about the same file."""
    data = file.data
    if not data.strip():
        return Problem(file.name, _(
            "The file is empty. Export the report again and upload the resulting file."
        ))
    if data.startswith(ZIP_MAGIC):
        return None
    if data.startswith(OLE_MAGIC):
        return Problem(file.name, _(
            "This is an old Excel workbook (.xls), which cannot be read. "
            "Open it and save it as Excel workbook (.xlsx) or CSV."
        ))
    if data.startswith(PDF_MAGIC):
        return Problem(file.name, _(
            "This is a PDF document. Upload the report as a spreadsheet (.xlsx) or CSV file."
        ))
    if not data.startswith(UTF16_BOMS) and b"\0" in data[:TEXT_SNIFF_BYTES]:
        return not_text_problem(file)
    return None


def not_text_problem(file: InputFile) -> Problem:
    return Problem(file.name, _(
        "This is not a text file or a spreadsheet. "
        "Upload the report as a spreadsheet (.xlsx) or CSV file."
    ))


def read_table(file: InputFile) -> Table:
    """The file's cells, or Unreadable saying what the file is and what to do."""
    problem = kind_problem(file)
    if problem is not None:
        raise Unreadable(problem)
    if file.data.startswith(ZIP_MAGIC):
        return read_workbook(file)
    text, encoding = decode(file.data)
    if text is None or looks_binary(text):
        raise Unreadable(not_text_problem(file))
    return read_text(file, text, encoding)


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
    if b"\x00" in data:
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
        cells=to_frame(rows),
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
    if not uses_bare_quotes(text, delimiter):
        try:
            return list(numbered_rows(text, delimiter, quoting=csv.QUOTE_MINIMAL, strict=True))
        except csv.Error:
            pass
    return list(numbered_rows(text, delimiter, quoting=csv.QUOTE_NONE, strict=False))


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
        for field in line.split(delimiter):
            inner = field.strip().replace('""', "")[1:-1]
            if '"' in inner:
                return True
    return False


def to_frame(rows: list[tuple[int, list[str]]]) -> pd.DataFrame:
    """A DataFrame of stripped text cells, padded to the widest row, blank columns at the
    right dropped, indexed by line. Everything stays text: "N/A" and "" are never NaN."""
    width = max((len(cells) for _, cells in rows), default=0)
    data = [[cell.strip() for cell in cells] + [""] * (width - len(cells)) for _, cells in rows]
    frame = pd.DataFrame(data, index=[line for line, _ in rows], columns=range(width), dtype=object)
    if width:
        filled = frame.ne("").any(axis=0)
        last = filled[filled].index.max() if filled.any() else -1
        frame = frame.loc[:, : max(last, 0)]
    return frame


# --- Spreadsheets -----------------------------------------------------------------------------

def read_workbook(file: InputFile) -> Table:
    """The first visible sheet with content of an .xlsx workbook, every cell rendered as the
    text a reader sees (percentages as "50%", dates as 2019-08-31)."""
    import openpyxl  # imported here: only spreadsheets need it

    unreadable = Unreadable(Problem(file.name, _(
        "The spreadsheet cannot be read: it is damaged or not an Excel workbook (.xlsx). "
        "Open it in a spreadsheet program and save it again as .xlsx or CSV."
    )))
    if not is_workbook(file.data):
        if is_opendocument(file.data):
            raise Unreadable(Problem(file.name, _(
                "This is an OpenDocument spreadsheet (.ods), which cannot be read. "
                "Save it as Excel workbook (.xlsx) or CSV."
            )))
        raise unreadable
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(file.data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise unreadable from error
    try:
        for sheet in workbook.worksheets:
            if sheet.sheet_state != "visible":
                continue
            sheet.reset_dimensions()  # some programs write wrong dimensions; read every row
            rows = sheet_rows(sheet)
            if rows:
                return Table(file, "xlsx", "", to_frame(rows), sheet=sheet.title)
    except Exception as error:
        raise unreadable from error
    finally:
        workbook.close()
    raise Unreadable(Problem(file.name, _(
        "The spreadsheet has no data in any visible sheet."
    )))


def sheet_rows(sheet) -> list[tuple[int, list[str]]]:
    """The rows with text, with their sheet row numbers: a sheet formatted down to row
    1,048,576 costs no more than its content."""
    rows = []
    for number, row in enumerate(sheet.iter_rows(), start=1):
        cells = [cell_text(cell) for cell in row]
        if any(cells):
            rows.append((number, cells))
    return rows


def is_opendocument(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.read("mimetype").startswith(b"application/vnd.oasis.opendocument")
    except (zipfile.BadZipFile, KeyError, OSError):
        return False


def cell_text(cell) -> str:
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        # 15 significant digits, as spreadsheets show them: no float noise (0.30000000000000004)
        number = Decimal(format(value, ".15g"))
        if "%" in (getattr(cell, "number_format", "") or ""):
            return plain(number * 100) + "%"
        return plain(number)
    return str(value)
