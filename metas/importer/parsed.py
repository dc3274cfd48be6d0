"""What reading a report produces, before anything is stored.

These plain dataclasses are the contract between the readers (Format A matrix, Format B
portal files), the store, the command and the staff upload page.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from metas.text import location


@dataclass(frozen=True)
class InputFile:
    """A file as the user gave it: the name is only shown, never trusted."""

    name: str
    data: bytes
    # A scanned PDF's OCR reading (metas.importer.scanned.Scan), when it was read before.
    scan: object = field(default=None, compare=False, repr=False)
    # A born-digital PDF's reading (metas.importer.pdf.PdfReading), when it was read before.
    reading: object = field(default=None, compare=False, repr=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as an editor or spreadsheet shows it."""

    file: str
    message: str  # translated, Spanish, says how to fix it
    line: int | None = None  # 1-based line of a text file, or sheet row of a spreadsheet
    column: str | None = None  # the column's header as published, e.g. "Meta cuantificable"
    value: str = ""
    sheet: str = ""  # the worksheet's name when the file is a spreadsheet
    page: int | None = None  # the page of a PDF; `line` is then the row within that page

    def __str__(self) -> str:
        where = [self.file] if self.file else []
        if self.sheet:
            where.append(_("sheet “%(sheet)s”") % {"sheet": self.sheet})
        if self.line is not None:
            where.append(location(self.line, page=self.page, sheet=self.sheet))
        elif self.page is not None:
            where.append(_("page %(page)s") % {"page": self.page})
        if self.column:
            where.append(_("column “%(column)s”") % {"column": self.column})
        return f"{', '.join(where)}: {self.message}" if where else self.message


class ReportInvalid(Exception):
    """Raised with every problem found in the input; nothing has been stored."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class ReportMetadata:
    updated_on: date | None = None
    periodicity: str = ""
    holder_unit: str = ""
    responsible: str = ""
    email: str = ""
    phone: str = ""
    link_text: str = ""
    link_url: str = ""
    # Where each field was read: field name -> (file, line, page, sheet), for messages about
    # its value.
    locations: dict[str, tuple[str, int, int | None, str]] = field(default_factory=dict)


@dataclass
class ParsedGoal:
    level: str | None  # None in Format B, which has no levels
    unit_code: str  # "" in Format B
    unit_name: str  # as published, e.g. "Gestión Ambiental - Gestión de Calidad Ambiental"
    objective: str
    indicator: str
    target: str  # exactly as published
    progress: Decimal | None
    status: str  # a metas.models.Goal.Status value
    note: str
    lacks_financing: bool
    verification_link: str
    file: str  # InputFile.name the row came from
    line: int  # 1-based line or sheet row; in a PDF, the row within its page
    page: int | None = None  # the page of a PDF (1-based); None for other files
    sheet: str = ""  # the worksheet of a spreadsheet
    # Read by OCR: each field's confidence, the fields to review, those the staff corrected
    # (metas.importer.scanned.review); None for a goal not read by OCR.
    ocr: dict | None = None

    @property
    def location(self) -> str:
        return location(self.line, page=self.page, sheet=self.sheet)


@dataclass
class ParsedFile:
    """An input file recognised for what it is."""

    source: InputFile
    role: str  # a metas.models.SourceFile.Role value
    detected_format: str  # "tsv", "csv", "xlsx", "xls", "ods" or "pdf"
    encoding: str  # "" for spreadsheets and PDFs
    row_count: int = 0
    # The headers as published, by ParsedGoal field ("target" -> "Meta cuantificable").
    columns: dict[str, str] = field(default_factory=dict)
    sheet: str = ""  # the worksheet read, for a spreadsheet
    pages: int = 0  # the pages of a PDF
    ocr: bool = False  # a scanned PDF, read by OCR


@dataclass
class ParsedReport:
    format: str  # a metas.models.Report.Format value ("A" or "B")
    files: list[ParsedFile]
    metadata: ReportMetadata
    levels: list[str] = field(default_factory=list)  # in the report's order
    goals: list[ParsedGoal] = field(default_factory=list)
    institution: str | None = None  # from a Format B dictionary
    # What was accepted but deserves a look (control characters replaced, repeated rows):
    # shown by the command and the preview, never a reason to refuse.
    warnings: list[Problem] = field(default_factory=list)
