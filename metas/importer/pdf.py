"""A report published as a PDF: the table read back into rows, as the TSV has them.

Planning offices export their spreadsheet to PDF: a bordered table (its header repeated on
each page), process-level rows spanning the table, the page titles and the footer as text
without borders. pdfplumber finds each page's table from its ruling lines and gives each cell
its text; a cell's wrapped lines are joined with spaces. The text outside the tables (titles,
footer) is put back into rows and columns here:

- the lines of one cell follow each other in the content stream, left-aligned, one line
  height apart; the next row's text starts lower (the cell's padding), or overlaps when a
  label did not fit its row, so such lines start a new cell;
- cells whose vertical middles meet make one row (a wrapped label is centred on its row, as
  is its value);
- a cell's column is the table column its left edge falls in.

Each page's rows (titles, header, table rows, footer lines) are numbered from the top: that
is the "fila" of "página 3, fila 7", what Goal.source_line holds for a PDF. A row the page
break cut in two (the next page's first row without its "No." but with the rest of the text)
is joined back, and so is a row taller than a page (its middle pages hold nothing else). A
link annotation (the GPR report's address behind "Reporte del GPR") is kept for the cell it
covers. A PDF without text (a scan) is metas.importer.ocr's.

Real offices' PDFs carry more than the report's table (Reading): the report's table is the one
whose header names the report's columns (a header cell written upwards is read bottom to top),
then every table with its columns on the next pages; other tables (a logo and title box, a
summary, a signature box) are left out and named in the table's notes, which the preview
shows. A PDF with tables but none with the report's header is no report; a sheet printed "down,
then over" (some columns on the first pages, the others on the next) is refused, saying so with
the pages.
"""
from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field

import pandas as pd
from django.utils.translation import gettext as _

from . import bounds
from .layout import column_field
from .parsed import InputFile, Problem
from .table import NoTextLayer, Table, Unreadable
from .values import metadata_field

# Lines of one cell: the next line starts at most this part of a line's height below the last.
WRAP_GAP = 0.25
# Cells of one row: their vertical middles at most this part of a line's height apart.
ROW_MIDDLE = 0.5
# Points a column's left edge may move from page to page (rounding, a thicker border).
EDGE_TOLERANCE = 4
# A header cell is short ("Enlace al sistema de gestión de planificación para verificación de
# los indicadores y metas cuantificables por procesos o niveles" is among the longest).
MAX_HEADER_CHARS = 200
# Characters a page needs to count as having text at all.
MIN_PAGE_CHARS = 20


# Told (pages read, pages) after each page: set by the command around an import
# (reporting_progress), so that the reading of a long PDF is not silent.
Progress = Callable[[int, int], None]
_progress: ContextVar[Progress | None] = ContextVar("pdf_progress", default=None)


@contextmanager
def reporting_progress(progress: Progress | None) -> Iterator[None]:
    """Within the block, every PDF read tells `progress(done, total)` after each page."""
    token = _progress.set(progress)
    try:
        yield
    finally:
        _progress.reset(token)


@dataclass
class Row:
    page: int
    top: float
    cells: list[str]
    boxes: list[tuple | None]  # each cell's (x0, top, x1, bottom), where known
    in_table: bool


@dataclass
class Block:
    """The text of one cell outside the tables (a title, a footer label or value)."""

    x0: float
    top: float
    bottom: float
    x1: float
    lines: list[str] = field(default_factory=list)
    line_tops: list[float] = field(default_factory=list)

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def text(self) -> str:
        return " ".join(self.lines)


@dataclass
class PdfReading:
    """What was read in a born-digital PDF: its rows, links, pages and notes. A pending upload
    keeps it as JSON (metas.staff.pending), so that the preview and "Publicar" of a long PDF,
    which the worker read, do not read its pages again."""

    rows: list[Row]
    links: dict[tuple[int, int], str]
    pages: int
    notes: list[Problem]

    def to_json(self) -> str:
        return json.dumps({
            "rows": [[row.page, row.top, row.cells, row.boxes, row.in_table]
                     for row in self.rows],
            "links": [[*key, url] for key, url in self.links.items()],
            "pages": self.pages,
            "notes": [asdict(note) for note in self.notes],
        }, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> PdfReading:
        data = json.loads(text)
        rows = [Row(page, top, cells, [tuple(box) if box else None for box in boxes], in_table)
                for page, top, cells, boxes, in_table in data["rows"]]
        links = {(index, column): url for index, column, url in data["links"]}
        return cls(rows, links, data["pages"], [Problem(**note) for note in data["notes"]])


def read_pdf(file: InputFile, progress: Progress | None = None) -> Table:
    """The PDF's report table and the text around it: from its kept reading, else read now."""
    reading = file.reading if isinstance(file.reading, PdfReading) else pdf_reading(file, progress)
    return to_table(file, reading.rows, reading.links, reading.pages, reading.notes)


def read_pdfs(files: list[InputFile]) -> list[InputFile]:
    """The files, each born-digital PDF among them with its reading (InputFile.reading), so
    that reading them again (the preview, "Publicar") reads no page. A PDF that cannot be
    read so (a scan, a damaged file) is left as it is: reading the report says why."""
    read = []
    for file in files:
        if file.data.startswith(b"%PDF-") and file.scan is None and file.reading is None:
            try:
                file = InputFile(file.name, file.data, reading=pdf_reading(file))
            except (Unreadable, NoTextLayer, bounds.OutOfBounds):
                pass
        read.append(file)
    return read


def pdf_reading(file: InputFile, progress: Progress | None = None) -> PdfReading:
    """The PDF's report table and the text around it, page by page; `progress(done, total)`
    (else the one of reporting_progress) is told after each page."""
    progress = progress or _progress.get()
    # Imported here: pdfplumber and pdfminer take a quarter of a second to import, and only a
    # PDF needs them.
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    bounds.check_pdf(file)
    try:
        pdf = pdfplumber.open(io.BytesIO(file.data))
        bounds.check_pdf_pages(file, pdf.doc)
        pages = pdf.pages
    except bounds.OutOfBounds:
        raise
    except PDFPasswordIncorrect:
        raise Unreadable(Problem(file.name, _(
            "The PDF is protected with a password. Upload it without the password, or the "
            "report's spreadsheet."
        ))) from None
    except Exception as error:  # pdfminer raises many kinds for a damaged file
        raise Unreadable(damaged(file)) from error
    with pdf:
        reading = Reading(file)
        for number, page in enumerate(pages, start=1):
            try:
                reading.texts += len(page.chars) >= MIN_PAGE_CHARS
                reading.read(page, number)
            except Unreadable:
                raise
            except Exception as error:
                raise Unreadable(damaged(file)) from error
            finally:
                page.close()
            if progress is not None and reading.texts:  # a scan is OCR's to tell
                progress(number, len(pages))
        page_count = len(pages)
    if not reading.texts:
        raise NoTextLayer
    reading.check_parts()
    if reading.columns is None:
        raise Unreadable(no_report_problem(file, reading.notes))
    return PdfReading(reading.rows, reading.links, page_count, reading.notes)


def no_report_problem(file: InputFile, notes) -> Problem:
    if notes:  # tables, but none with the report's columns
        return Problem(file.name, _(
            "This PDF has tables, but none with the columns of a report of goals and "
            "objectives: it is not such a report. Upload the month's report (its table has the "
            "columns “Descripción de la unidad”, “Objetivo de la unidad”, “Indicador” and "
            "“Meta cuantificable”)."
        ))
    return Problem(file.name, _(
        "This PDF has no table: it is not a report of goals and objectives. Upload the "
        "month's report (its table has the columns “Descripción de la unidad”, “Objetivo "
        "de la unidad”, “Indicador” and “Meta cuantificable”)."
    ))


def damaged(file: InputFile) -> Problem:
    return Problem(file.name, _(
        "The PDF cannot be read: it is damaged. Download it again or export it again from "
        "the spreadsheet."
    ))


@dataclass
class Found:
    """A table pdfplumber found on a page, with its cells' text and its header's fields."""

    table: object  # a pdfplumber Table
    texts: list[list[str]]
    edges: list[float]
    fields: dict[str, str]  # ParsedGoal field -> header as published, if a header row leads

    @classmethod
    def of(cls, table) -> Found:
        # A header written upwards ("No." in a narrow column) reads bottom to top.
        texts = [[one_line(text) for text in row] for row in table.extract(char_dir_rotated="btt")]
        fields = {}
        for cells in texts[:3]:
            if fields := header_fields(cells):
                break
        return cls(table, texts, column_edges(table), fields)

    @property
    def describe(self) -> str:
        return next((cell for row in self.texts for cell in row if cell), "")[:80]


def header_fields(cells: list[str]) -> dict[str, str]:
    """The fields a header row names (ParsedGoal field -> header as published): every cell
    with text names one, two at least; else {} (a goal row names none, or one by chance)."""
    filled = [cell for cell in cells if cell]
    named = {column_field(cell): cell for cell in filled if len(cell) <= MAX_HEADER_CHARS}
    if None in named or len(named) < 2 or len(named) < len(filled):
        return {}
    return named


class Reading:
    """A PDF read page by page: the report's table (the one whose header names the report's
    columns, then the tables with as many columns), the text around it, and what was left out:
    other tables (a logo and title box, a summary, a signature box) are named in `notes`."""

    def __init__(self, file: InputFile):
        self.file = file
        self.rows: list[Row] = []
        self.links: dict[tuple[int, int], str] = {}
        self.columns: list[float] | None = None
        self.fields: dict[str, str] = {}  # the report header's
        self.texts = 0
        self.notes: list[Problem] = []
        self.report_pages: list[int] = []
        self.other_parts: list[tuple[int, dict[str, str]]] = []  # pages of another header

    def read(self, page, number) -> None:
        found = [Found.of(table) for table in page.find_tables()]
        report = self.report_tables(found, number)
        if not report and self.columns is None:
            return  # before the report's table (a cover page): nothing to read yet
        if report:
            self.report_pages.append(number)
        page_rows = [row for table in report for row in table_rows(table, number)]
        outside = outside_rows(page, [f.table for f in found], self.columns, number)
        if not report and any(looks_like_a_table_row(row) for row in outside):
            raise Unreadable(Problem(self.file.name, _(
                "No table was recognised on this page: the report's table must have its "
                "borders drawn. Export the spreadsheet to PDF again with its borders, or upload "
                "the spreadsheet."
            ), page=number))
        page_rows = [row for row in page_rows + outside if any(row.cells)]
        page_rows.sort(key=lambda row: row.top)
        join_split_row(self.rows, page_rows)
        for (row, column), url in page_links(page, page_rows).items():
            self.links[(len(self.rows) + row, column)] = url
        self.rows += page_rows

    def report_tables(self, found: list[Found], number) -> list[Found]:
        """The page's parts of the report's table (the page break may cut it in two); notes
        the other tables."""
        if self.columns is None:
            header = next((t for t in found if is_header(list(t.fields.values()))), None)
            if header is not None:
                self.columns, self.fields = header.edges, header.fields
        report = []
        for table in found:
            if self.is_report(table, number):
                report.append(table)
            elif table.fields and set(table.fields) != set(self.fields):
                self.other_parts.append((number, table.fields))
            else:
                self.notes.append(Problem(self.file.name, _(
                    "A table of %(count)s columns that is not part of the report was left "
                    "out (a title, summary or signature box): “%(text)s”."
                ) % {"count": len(table.edges), "text": table.describe}, page=number,
                    value=table.describe))
        return report

    def is_report(self, table: Found, number) -> bool:
        if self.columns is None:
            return False
        if table.fields and set(table.fields) != set(self.fields):
            return False  # another part of a sheet printed "down, then over" (check_parts)
        if same_edges(table.edges, self.columns):
            return True
        if table.fields:  # the report's header, but not its columns
            raise Unreadable(Problem(self.file.name, _(
                "The table on this page has %(found)s columns and the report's has "
                "%(expected)s: the page cannot be read as part of the report."
            ) % {"found": len(table.edges), "expected": len(self.columns)}, page=number))
        return False

    def check_parts(self) -> None:
        """A sheet wider than the page printed "down, then over": the first pages hold some
        of the report's columns, the next pages the others. Refused, saying so with the
        pages (the rows of the two parts cannot be matched safely)."""
        if not self.other_parts or self.columns is None:
            return
        fields = self.other_parts[0][1]
        others = [number for number, part in self.other_parts if part == fields]
        raise Unreadable(Problem(self.file.name, _(
            "The sheet was printed “down, then over”: pages %(pages)s hold the columns "
            "%(columns)s, and pages %(other)s the columns %(others)s of the same rows. Each "
            "goal is thus split between two pages, and the PDF does not say which row of one "
            "part goes with which row of the other, so the report was not imported. Print the "
            "sheet with all its columns on the width of the page (“fit all columns on one "
            "page”), or upload the spreadsheet."
        ) % {
            "pages": page_range(self.report_pages),
            "columns": ", ".join(f"“{label}”" for label in self.fields.values()),
            "other": page_range(others),
            "others": ", ".join(f"“{label}”" for label in fields.values()),
        }))


def same_edges(edges: list[float], columns: list[float]) -> bool:
    """The report's columns: as many, each edge within a few points of the report's."""
    return len(edges) == len(columns) and all(
        abs(edge - column) <= EDGE_TOLERANCE for edge, column in zip(edges, columns)
    )


def page_range(pages: list[int]) -> str:
    """[1, 2, 3] -> "1–3"; [4] -> "4"."""
    return f"{pages[0]}–{pages[-1]}" if len(pages) > 1 else str(pages[0])


def looks_like_a_table_row(row: Row) -> bool:
    """Text in two columns or more that is not a footer label with its value: on a page
    without a table, the sign of a table drawn without borders."""
    return sum(bool(cell) for cell in row.cells) >= 2 and metadata_field(row.cells[0]) is None


def column_edges(table) -> list[float]:
    """The left edges of the table's columns."""
    return sorted({round(cell[0], 1) for cell in table.cells})


def table_rows(found: Found, number) -> list[Row]:
    return [
        Row(number, row.bbox[1], cells, list(row.cells), in_table=True)
        for row, cells in zip(found.table.rows, found.texts)
    ]


def one_line(text: str | None) -> str:
    """A cell's wrapped lines as one line of text."""
    return " ".join(part.strip() for part in (text or "").splitlines() if part.strip())


def outside_rows(page, tables, columns, number) -> list[Row]:
    boxes = [table.bbox for table in tables]

    def outside(obj) -> bool:
        if obj.get("object_type") != "char":
            return True
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x < x1 and top <= y < bottom for x0, top, x1, bottom in boxes)

    words = page.filter(outside).extract_words(use_text_flow=True, keep_blank_chars=True)
    blocks: list[Block] = []
    for word in words:
        last = blocks[-1] if blocks else None
        height = word["bottom"] - word["top"]
        text = word["text"].strip()
        if not text:
            continue
        if last is not None and abs(word["top"] - last.line_tops[-1]) <= height * 0.2 \
                and word["x0"] >= last.x1 - 1 and word["x0"] - last.x1 <= height:
            last.lines[-1] += " " + text  # the same line, after a small gap
        elif last is not None and abs(word["x0"] - last.x0) <= 1.5 \
                and -0.5 <= word["top"] - last.bottom <= height * WRAP_GAP:
            last.lines.append(text)  # the cell's next line
            last.line_tops.append(word["top"])
            last.bottom = word["bottom"]
        else:
            blocks.append(Block(word["x0"], word["top"], word["bottom"], word["x1"], [text],
                                [word["top"]]))
            continue
        last.x1 = max(last.x1, word["x1"])
    return rows_of_blocks(blocks, columns, number)


def rows_of_blocks(blocks: list[Block], columns, number) -> list[Row]:
    rows: list[list[Block]] = []
    for block in sorted(blocks, key=lambda block: block.middle):
        height = (block.bottom - block.top) / len(block.lines)
        if rows and block.middle - rows[-1][0].middle <= height * ROW_MIDDLE:
            rows[-1].append(block)
        else:
            rows.append([block])
    result = []
    for row_blocks in rows:
        cells = [""] * len(columns)
        boxes: list[tuple | None] = [None] * len(columns)
        for block in sorted(row_blocks, key=lambda block: (block.x0, block.top)):
            column = column_of(block.x0, columns)
            cells[column] = f"{cells[column]} {block.text}".strip()
            boxes[column] = (block.x0, block.top, block.x1, block.bottom)
        top = min(block.top for block in row_blocks)
        result.append(Row(number, top, cells, boxes, in_table=False))
    return result


def column_of(x: float, columns: list[float]) -> int:
    """The column whose left edge is the last one at or before x (a little tolerance)."""
    index = 0
    for position, edge in enumerate(columns):
        if x >= edge - 2:
            index = position
    return index


def page_links(page, rows: list[Row]) -> dict[tuple[int, int], str]:
    """Each link annotation's address, by the (row on the page, column) of the cell under it."""
    links = {}
    for link in page.hyperlinks:
        uri = link.get("uri")
        if not uri:
            continue
        x, y = (link["x0"] + link["x1"]) / 2, (link["top"] + link["bottom"]) / 2
        for index, row in enumerate(rows):
            for column, box in enumerate(row.boxes):
                if box and box[0] - 1 <= x <= box[2] + 1 and box[1] - 1 <= y <= box[3] + 1:
                    links.setdefault((index, column), uri)
    return links


def join_split_row(rows: list[Row], page_rows: list[Row]) -> None:
    """A row the page break cut in two: the new page's first table row (after the titles and
    header repeated at the top, if any) has no "No." and some empty cells (a goal row has
    all its cells: the cut left the short ones on the last page), and the last page ended
    with a goal row."""
    # The last row of the table (not the header repeated under the titles of a page that
    # held only a part of a row taller than a page).
    previous = last_table_row(rows)
    if previous is None or not previous.cells[0]:
        return
    for row in page_rows:
        if not row.in_table or is_header(row.cells):
            continue
        if row.cells[0] == "" and any(row.cells[1:]) and not all(row.cells[1:]):
            previous.cells = [f"{a} {b}".strip() for a, b in zip(previous.cells, row.cells)]
            page_rows.remove(row)
        return


def last_table_row(rows: list[Row]) -> Row | None:
    """The table's last row so far, if only the titles and headers of the pages after it
    follow (pages that held nothing else: the middle of a row taller than a page); None when
    other text follows it (the footer)."""
    for index in range(len(rows) - 1, -1, -1):
        row = rows[index]
        if row.in_table and not is_header(row.cells):
            return row
        later = rows[index + 1:]
        if not row.in_table and not any(r.in_table and r.page == row.page for r in later):
            return None
    return None


def is_header(cells: list[str]) -> bool:
    return sum(column_field(cell) is not None for cell in cells) >= 3


def to_table(file, rows: list[Row], links, page_count, notes=()) -> Table:
    positions, data, on_page, page = {}, [], 0, None
    for index, row in enumerate(rows, start=1):
        if row.page != page:
            page, on_page = row.page, 0
        on_page += 1
        positions[index] = (row.page, on_page)
        data.append(row.cells)
    width = max((len(cells) for cells in data), default=0)
    cells = pd.DataFrame(
        [cells + [""] * (width - len(cells)) for cells in data],
        index=list(range(1, len(data) + 1)), columns=range(width), dtype=object,
    )
    table_links = {(index + 1, column): url for (index, column), url in links.items()}
    return Table(file, "pdf", "", cells, pages=page_count, positions=positions,
                 links=table_links, notes=list(notes))
