"""What reading a report produces, before anything is stored.

These plain dataclasses are the contract between the readers (Format A matrix, Format B
portal files), the store, the command and the staff upload page.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class InputFile:
    """A file as the user gave it: the name is only shown, never trusted."""

    name: str
    data: bytes

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

    def __str__(self) -> str:
        from django.utils.translation import gettext as _

        where = [self.file]
        if self.line is not None:
            where.append(_("line %(line)s") % {"line": self.line})
        if self.column:
            where.append(_("column “%(column)s”") % {"column": self.column})
        return f"{', '.join(where)}: {self.message}"


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
    line: int  # 1-based line or sheet row


@dataclass
class ParsedFile:
    """An input file recognised for what it is."""

    source: InputFile
    role: str  # a metas.models.SourceFile.Role value
    detected_format: str  # "tsv", "csv" or "xlsx"
    encoding: str  # "" for xlsx
    row_count: int = 0


@dataclass
class ParsedReport:
    format: str  # a metas.models.Report.Format value ("A" or "B")
    files: list[ParsedFile]
    metadata: ReportMetadata
    levels: list[str] = field(default_factory=list)  # in the report's order
    goals: list[ParsedGoal] = field(default_factory=list)
    institution: str | None = None  # from a Format B dictionary
