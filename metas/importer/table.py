"""A file's cells as a table of text: what every reader (text, workbook, PDF) returns and
every later step reads, each row knowing where it is in the file.

metas.importer.sources turns bytes into a Table (through metas.importer.workbook and
metas.importer.pdf); metas.importer.layout, matrix and portal read it. Unreadable is how any of
them says a file cannot be turned into one.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from metas.text import location

from . import bounds
from .parsed import InputFile, Problem


class Unreadable(Exception):
    """A file that cannot be turned into a table; carries the problem to show."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


class NoTextLayer(Exception):
    """A PDF whose pages are images only (a scan): metas.importer.ocr reads it."""


@dataclass
class Table:
    """The cells of one file as text. `cells` has columns 0..n-1 and, as index, each row's
    1-based line (text files) or sheet row (spreadsheets); blank rows are kept. A PDF's rows
    are numbered in reading order, and `positions` gives each its page and row on the page."""

    source: InputFile
    detected_format: str  # "tsv", "csv", "xlsx", "xls", "ods" or "pdf"
    encoding: str  # "" for spreadsheets and PDFs
    cells: pd.DataFrame
    sheet: str = ""
    pages: int = 0  # a PDF's pages
    positions: dict[int, tuple[int, int]] | None = None  # a PDF's index -> (page, row)
    # Hyperlinks behind cells: (index, column) -> address.
    links: dict[tuple[int, int], str] = field(default_factory=dict)
    # What reading left out or mended, for the preview and the command (a PDF's other tables,
    # a portal file's repaired rows): warnings, never a reason to refuse.
    notes: list[Problem] = field(default_factory=list)
    delimiter: str = ""  # a text file's separator

    @property
    def name(self) -> str:
        return self.source.name

    def position(self, index) -> tuple[int | None, int]:
        """(page, line) of a row: the page is None except in a PDF."""
        if self.positions is None:
            return None, int(index)
        return self.positions[int(index)]

    def location(self, index) -> str:
        """"línea 12", "fila 12" or "página 3, fila 7"."""
        page, line = self.position(index)
        return location(line, page=page, sheet=self.sheet)

    def problem(self, message, line=None, column=None, value="") -> Problem:
        page, line = self.position(line) if line is not None else (None, None)
        return Problem(
            file=self.name, message=message, line=line, column=column, value=value,
            sheet=self.sheet, page=page,
        )


def to_frame(name: str, rows: list[tuple[int, list[str]]]) -> pd.DataFrame:
    """A DataFrame of stripped text cells, padded to the widest row, blank columns at the
    right dropped, indexed by line. Everything stays text: "N/A" and "" are never NaN.
    Refuses (bounds.OutOfBounds) a table wider or larger than a report can be."""
    stripped = []
    for _line, cells in rows:
        cells = [cell.strip() for cell in cells]
        while cells and not cells[-1]:
            cells.pop()
        stripped.append(cells)
    width = max(map(len, stripped), default=0)
    bounds.check_extent(InputFile(name, b""), len(rows), width)
    data = [cells + [""] * (width - len(cells)) for cells in stripped]
    return pd.DataFrame(data, index=[line for line, _ in rows], columns=range(width), dtype=object)
