"""A report read from page images: what OCR read (a Scan), and the Table it gives.

metas.importer.ocr reads a scanned PDF into a Scan: each page's rows from the top (titles,
header, table rows, footer lines), each cell's text with Tesseract's confidence and its box
on the straightened page image. A Scan is plain data, kept as JSON: reading takes tens of
seconds, so a pending upload keeps its Scan (metas.staff.pending) and the preview, the staff's
corrections and "Publicar" reuse it instead of reading the images again.

scanned_table() turns a Scan into the same Table the PDF reader produces (each row knowing
its page and row), with the staff's corrections applied, so that levels, units, footer and
every "página N, fila M" work unchanged; it also keeps each cell's confidence. review() says
which of a goal's cells deserve a look before publishing: any read with a confidence below
REVIEW_CONFIDENCE, and a progress value that did not read as a clean percentage.

Nothing here needs OpenCV or Tesseract: a stored Scan is read without them.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .parsed import InputFile, Problem
from .pdf import Row, to_table
from .table import Table

# A cell whose lowest word confidence (0-100) is below this is marked for review. Measured on
# the sample scan (bench/import_bench.py): of the cells OCR read wrong, all but one ("1era"
# read "lera", at 92) were below it; at 93, 100 of its 137 goals would be marked.
REVIEW_CONFIDENCE = 90
# A text read the same in other cells of its column (a unit's name, "Porcentaje de avance")
# was read from several images and agrees: it is trusted down to this.
REPEATED_CONFIDENCE = 85
# The progress at the start of a target, as the staff write it: "70%", "20% Sólo posee…".
CLEAN_PERCENT = re.compile(r"\d{1,3}%(?:\s.*)?", re.DOTALL)
# A target that mentions a number or a percent sign is meant to be a progress value.
LOOKS_LIKE_PROGRESS = re.compile(r"[\d%]")
# The goal fields whose cells are checked, in the order the preview lists them.
FIELDS = ("unit_code", "unit_name", "objective", "indicator", "target")
SCAN_VERSION = 1


@dataclass
class ScanCell:
    text: str
    confidence: int | None = None  # Tesseract's lowest word confidence; None: no text
    box: tuple[int, int, int, int] | None = None  # (left, top, right, bottom) on the page image


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
            "cells": [[cell.text, cell.confidence, cell.box] for cell in row.cells]}


def row_of(data: dict) -> ScanRow:
    return ScanRow(data["top"], [
        ScanCell(text, confidence, tuple(box) if box else None)
        for text, confidence, box in data["cells"]
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
    for index, row_cells in enumerate(cells, start=1):
        page, line = table.positions[index]
        for column, cell in enumerate(row_cells):
            key = (index, column)
            if cell.text:
                scanned.confidences[key] = cell.confidence
                scanned.repeats[(column, cell.text)] += 1
            if cell.box:
                scanned.boxes[key] = cell.box
            correction = scan.corrections.get((page, line, column))
            if correction is not None:
                scanned.read[key] = cell.text
                scanned.cells.at[index, column] = correction
    return scanned


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
        read = table.read.get(key, table.cells.at[line, column])
        repeated = table.repeats[(column, read)] > 1
        if doubtful(name, read, value, repeated):
            marked.append(name)
        if key in table.read:
            corrected.append(name)
    return {"confidence": confidence, "review": marked, "corrected": corrected, "column": where}


def doubtful(name: str, text: str, confidence: int | None, repeated: bool = False) -> bool:
    """Whether a cell OCR read as `text` deserves a look: read with little confidence, or a
    progress value that is not a clean percentage ("1OO%", "100 %", "l0%")."""
    threshold = REPEATED_CONFIDENCE if repeated else REVIEW_CONFIDENCE
    if confidence is not None and confidence < threshold:
        return True
    return name == "target" and bool(LOOKS_LIKE_PROGRESS.search(text)) \
        and not CLEAN_PERCENT.fullmatch(text)
