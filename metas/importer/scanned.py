"""A report read from page images: what OCR read (a Scan), and the Table it gives.

metas.importer.ocr reads a scanned PDF into a Scan: each page's rows from the top (titles,
header, table rows, footer lines), each cell's text with Tesseract's confidence and its box
on the straightened page image. A Scan is plain data, kept as JSON: reading takes tens of
seconds, so a pending upload keeps its Scan (metas.staff.pending) and the preview, the staff's
corrections and "Publicar" reuse it instead of reading the images again.

scanned_table() turns a Scan into the same Table the PDF reader produces (each row knowing
its page and row), with the staff's corrections applied, so that levels, units, footer and
every "página N, fila M" work unchanged; it also keeps each cell's confidence and words. review()
says which of a goal's cells deserve a look before publishing: one with a doubtful word (read
with little confidence, or with the shape of an OCR slip: see WORD_CONFIDENCE), a unit code
its unit's other rows read otherwise, and a progress value that did not read as a clean
percentage.

Nothing here needs OpenCV or Tesseract: a stored Scan is read without them.
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .parsed import InputFile, Problem
from .pdf import Row, to_table
from .table import Table

# Which cells are marked for review, measured on the sample scan (bench/import_bench.py): a
# cell's lowest word confidence does not tell a misread cell ("1era" read "lera" at 92, as
# sure as "Vilcabamba" beside it) from the rest (at 93, 100 of the 137 goals would be
# marked). A word is doubtful when it is read with less than WORD_CONFIDENCE, or when it has
# the shape of Tesseract's known slips, where no dictionary helps it: a stray symbol ("|" for
# "I", "¡DB" for "JDB"), a capital after a small letter ("AdministrarCiÓN"), "I", "l", "1"
# and "|" mixed ("Il" for "II"), digits and letters in one word ("l0%", "1era"), and a short
# word (an abbreviation, an ordinal, a roman numeral) that neither Tesseract's Spanish
# dictionary nor the rest of the report has ("lera"), or an abbreviation read once ("Cala.").
WORD_CONFIDENCE = 60
SHORT_WORD = 4  # letters
# A scan kept before words were (none of its words known): a cell whose lowest word
# confidence is below this is marked, a footer's value too (doubtful_value).
REVIEW_CONFIDENCE = 90
# What is taken off a word's ends before it is looked up.
PUNCTUATION = "()[]{}.,;:\"'“”‘’«»"
STRAY_SYMBOL = re.compile(r"[|¡!¿?<>{}\[\]\\~^_]")
CAPITAL_AFTER_SMALL = re.compile(r"[a-zß-ÿ][A-ZÀ-Þ]")
I_L_ONE = re.compile(r"[Il1|]+")
CLEAN_I_L_ONE = {"I", "II", "III", "1", "11", "111"}
LETTER = re.compile(r"[^\W\d_]")
DIGIT = re.compile(r"\d")
NUMBER = re.compile(r"[\d.,%]+")
# A unit's code: "6", "6.1".
UNIT_CODE = re.compile(r"\d{1,3}(?:\.\d{1,3})*")
# The progress at the start of a target, as the staff write it: "70%", "20% Sólo posee…".
CLEAN_PERCENT = re.compile(r"\d{1,3}%(?:\s.*)?", re.DOTALL)
# A target that mentions a number or a percent sign is meant to be a progress value.
LOOKS_LIKE_PROGRESS = re.compile(r"[\d%]")
# The goal fields whose cells are checked, in the order the preview lists them.
FIELDS = ("unit_code", "unit_name", "objective", "indicator", "target")
SCAN_VERSION = 2  # 2: each cell's words


@dataclass
class ScanCell:
    text: str
    confidence: int | None = None  # Tesseract's lowest word confidence; None: no text
    box: tuple[int, int, int, int] | None = None  # (left, top, right, bottom) on the page image
    # Each word as read: (text, confidence, whether Tesseract's Spanish dictionary has it).
    # A reading kept before words were has none.
    words: list[tuple[str, int, bool]] = field(default_factory=list)


@dataclass
class ScanRow:
    top: int
    cells: list[ScanCell]
    in_table: bool


@dataclass
class ScanPage:
    number: int  # 1-based
    angle: float  # degrees the page image was turned to straighten it
    rows: list[ScanRow] = field(default_factory=list)
    # Text outside the table that is neither a title nor a footer line: not read as the
    # report's, shown in the preview.
    left_out: list[ScanRow] = field(default_factory=list)


@dataclass
class Scan:
    """What OCR read in a scanned PDF, and the staff's corrections: (page, row, column) ->
    text, the row as the Table numbers it on its page."""

    pages: list[ScanPage]
    page_count: int
    dpi: int
    corrections: dict[tuple[int, int, int], str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({
            "version": SCAN_VERSION,
            "page_count": self.page_count,
            "dpi": self.dpi,
            "pages": [
                {"number": page.number, "angle": page.angle,
                 "rows": [row_json(row) for row in page.rows],
                 "left_out": [row_json(row) for row in page.left_out]}
                for page in self.pages
            ],
            "corrections": [[*key, text] for key, text in sorted(self.corrections.items())],
        }, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Scan:
        data = json.loads(text)
        pages = [
            ScanPage(page["number"], page["angle"], [row_of(row) for row in page["rows"]],
                     [row_of(row) for row in page["left_out"]])
            for page in data["pages"]
        ]
        corrections = {
            (page, row, column): text for page, row, column, text in data["corrections"]
        }
        return cls(pages, data["page_count"], data["dpi"], corrections)

    def page(self, number: int) -> ScanPage | None:
        return next((page for page in self.pages if page.number == number), None)


def row_json(row: ScanRow) -> dict:
    return {"top": row.top, "in_table": row.in_table,
            "cells": [[cell.text, cell.confidence, cell.box, [list(word) for word in cell.words]]
                      for cell in row.cells]}


def row_of(data: dict) -> ScanRow:
    return ScanRow(data["top"], [
        ScanCell(text, confidence, tuple(box) if box else None,
                 [tuple(word) for word in (words[0] if words else [])])
        for text, confidence, box, *words in data["cells"]
    ], data["in_table"])


@dataclass
class ScannedTable(Table):
    """A Table read by OCR. Keys are (index, column), as Table.links."""

    confidences: dict[tuple[int, int], int | None] = field(default_factory=dict)
    boxes: dict[tuple[int, int], tuple[int, int, int, int]] = field(default_factory=dict)
    # What OCR read in the cells the staff corrected (the table holds the correction).
    read: dict[tuple[int, int], str] = field(default_factory=dict)
    # How many cells of each column OCR read as each text: (column, text) -> count.
    repeats: Counter = field(default_factory=Counter)
    # Each cell's words as read (ScanCell.words), and how many times each word was read in
    # the whole table (its ends' punctuation taken off).
    words: dict[tuple[int, int], list[tuple[str, int, bool]]] = field(default_factory=dict)
    seen: Counter = field(default_factory=Counter)
    unit_codes: dict[str, Counter] | None = None  # codes_of_units()
    # Text outside the table that is neither a title nor a footer line: (page, text).
    left_out: list[tuple[int, str]] = field(default_factory=list)


def scanned_table(file: InputFile, scan: Scan) -> ScannedTable:
    rows, cells = [], []
    for page in scan.pages:
        for row in page.rows:
            texts = [cell.text for cell in row.cells]
            rows.append(Row(page.number, row.top, texts, [None] * len(texts), row.in_table))
            cells.append(row.cells)
    table = to_table(file, rows, {}, scan.page_count)
    scanned = ScannedTable(**vars(table))
    scanned.left_out = [
        (page.number, " ".join(cell.text for cell in row.cells if cell.text))
        for page in scan.pages for row in page.left_out
    ]
    scanned.seen = words_seen(scan)
    for index, row_cells in enumerate(cells, start=1):
        page, line = table.positions[index]
        for column, cell in enumerate(row_cells):
            key = (index, column)
            if cell.text:
                scanned.confidences[key] = cell.confidence
                scanned.repeats[(column, cell.text)] += 1
            if cell.words:
                scanned.words[key] = cell.words
            if cell.box:
                scanned.boxes[key] = cell.box
            correction = scan.corrections.get((page, line, column))
            if correction is not None:
                scanned.read[key] = cell.text
                scanned.cells.at[index, column] = correction
    return scanned


def words_seen(scan: Scan) -> Counter:
    """How many times each word was read in the scan's rows, its ends' punctuation taken off
    (ScannedTable.seen)."""
    return Counter(word_core(word[0]) for page in scan.pages for row in page.rows
                   for cell in row.cells for word in cell.words)


def doubtful_value(cell: ScanCell, seen: Counter) -> bool:
    """Whether a footer's value (the update date, the responsible, the e-mail…), as OCR read
    it, deserves a look: by the goal cells' rule (doubtful()), a doubtful word in it, or, in a
    reading kept before words were, a lowest confidence below REVIEW_CONFIDENCE."""
    return bool(cell.text) and doubtful("", cell.text, cell.confidence, cell.words, seen)


def left_out_warnings(table: Table) -> list[Problem]:
    """What OCR read outside the table and left out, for the preview and the command."""
    if not isinstance(table, ScannedTable):
        return []
    return [
        Problem(table.name, _(
            "This text of the scan, outside the table, is neither a title nor a line of the "
            "footer (a label with its value): it was not imported. If it is part of the "
            "footer, check the footer's fields below."
        ), page=page, value=text[:80])
        for page, text in table.left_out
    ]


def review(table: Table, line: int, columns: dict[str, int]) -> dict | None:
    """What a goal read by OCR keeps of it: each field's confidence, the fields marked for
    review, those the staff corrected and each field's column. None for a goal not read by
    OCR."""
    if not isinstance(table, ScannedTable):
        return None
    confidence, marked, corrected, where = {}, [], [], {}
    for name in FIELDS:
        column = columns.get(name)
        if column is None:
            continue
        where[name] = column
        key = (line, column)
        value = table.confidences.get(key)
        if value is not None:
            confidence[name] = value
        if doubtful_cell(table, line, columns, name):
            marked.append(name)
        if key in table.read:
            corrected.append(name)
    return {"confidence": confidence, "review": marked, "corrected": corrected, "column": where}


def doubtful_cell(table: ScannedTable, line: int, columns: dict[str, int], name: str) -> bool:
    """Whether the goal's field `name`, as OCR read it, deserves a look."""
    key = (line, columns[name])
    read = ocr_text(table, key)
    confidence = table.confidences.get(key)
    if name == "unit_code" and "unit_name" in columns:
        name_key = (line, columns["unit_name"])
        return doubtful_code(read, confidence, ocr_text(table, name_key),
                             codes_of_units(table, columns)[ocr_text(table, name_key)])
    words = table.words.get(key)
    repeated = table.repeats[(key[1], read)] > 1
    return doubtful(name, read, confidence, None if repeated else words, table.seen, repeated)


def ocr_text(table: ScannedTable, key: tuple[int, int]) -> str:
    return table.read.get(key, table.cells.at[key])


def doubtful(name: str, text: str, confidence: int | None,
             words: list[tuple[str, int, bool]] | None = None, seen: Counter | None = None,
             repeated: bool = False) -> bool:
    """Whether a cell OCR read as `text` deserves a look: a doubtful word in it (without its
    words, a reading kept before they were: its lowest confidence below REVIEW_CONFIDENCE;
    read the same in other cells of its column: trusted), or a progress value that is not a
    clean percentage ("1OO%", "100 %", "l0%")."""
    if words:
        if any(doubtful_word(*word, seen or Counter()) for word in words):
            return True
    elif not repeated and confidence is not None and confidence < REVIEW_CONFIDENCE:
        return True
    return name == "target" and bool(LOOKS_LIKE_PROGRESS.search(text)) \
        and not CLEAN_PERCENT.fullmatch(text)


def doubtful_word(text: str, confidence: int, known: bool, seen: Counter) -> bool:
    """A word read with little confidence, or with the shape of an OCR slip (see
    WORD_CONFIDENCE)."""
    core = word_core(text)
    if confidence < WORD_CONFIDENCE or not core or STRAY_SYMBOL.search(core) \
            or CAPITAL_AFTER_SMALL.search(core) \
            or (I_L_ONE.fullmatch(core) and core not in CLEAN_I_L_ONE) \
            or (DIGIT.search(core) and LETTER.search(core)):
        return True
    short = len(core) <= SHORT_WORD
    return short and ((not known and seen[core] < 2) or (text.endswith(".") and seen[core] < 2))


def word_core(text: str) -> str:
    """A word without the punctuation at its ends."""
    return text.strip(PUNCTUATION)


def doubtful_code(code: str, confidence: int | None, unit: str, codes: Counter) -> bool:
    """Whether a unit's code deserves a look: not a code ("6.1"), a sub-unit's ("Gestión
    Ambiental - Gestión de Parques") without a dot; read otherwise in more rows of the same
    unit; read alone (once for its unit) with little confidence. A code read the same for
    its unit in several rows (several images) is trusted, whatever Tesseract's confidence."""
    if not UNIT_CODE.fullmatch(code) or ("-" in unit and "." not in code):
        return True
    ranked = codes.most_common(2)
    if len(ranked) > 1 and ranked[1][1] >= codes[code]:
        return True  # not the code most rows of its unit have
    if codes[code] >= 2:
        return False
    return confidence is not None and confidence < WORD_CONFIDENCE


def codes_of_units(table: ScannedTable, columns: dict[str, int]) -> dict[str, Counter]:
    """The codes read for each unit name: name -> Counter of codes (computed once)."""
    if table.unit_codes is None:
        code_column, name_column = columns["unit_code"], columns["unit_name"]
        table.unit_codes = defaultdict(Counter)
        for index in table.cells.index:
            code = ocr_text(table, (index, code_column))
            if code:
                table.unit_codes[ocr_text(table, (index, name_column))][code] += 1
    return table.unit_codes
