"""What an import did (or, on a dry run, would do), and its summary in Spanish."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from metas import periods
from metas.counts import Counts

COUNTED = [field.name for field in fields(Counts)]


@dataclass
class ImportResult(Counts):
    """The report's figures (metas.counts.Counts), and what the import did."""

    report: Any = None  # the stored metas.models.Report; unsaved on a dry run
    institution: str = ""
    period: date | None = None  # first day of the month
    format: str = ""  # "A" or "B"
    # (name, detected_format, encoding, role, row_count) per file read
    files: list[tuple[str, str, str, str, int]] = field(default_factory=list)
    # The form each file was read in, as form_label() says it, in the order of `files`
    forms: list[str] = field(default_factory=list)
    parishes_tagged: int = 0  # goals with at least one parish
    neighbourhoods_tagged: int = 0  # goals with at least one neighbourhood council
    replaced: bool = False  # a report of that institution and period existed
    dry_run: bool = False
    parsed: Any = None  # the ParsedReport it was stored from, for a preview

    @property
    def period_slug(self) -> str:
        return periods.slug(self.period)

    def counts(self) -> dict[str, int]:
        """The numbers, for the import log."""
        return {
            **{name: getattr(self, name) for name in COUNTED},
            "parishes_tagged": self.parishes_tagged,
            "neighbourhoods_tagged": self.neighbourhoods_tagged,
            "replaced": int(self.replaced),
        }

    def summary_lines(self) -> list[str]:
        """The summary the command prints and the staff page shows."""
        if self.dry_run:
            outcome = (_("Dry run: nothing was stored. The existing report would be replaced.")
                       if self.replaced else
                       _("Dry run: nothing was stored. It would be a new report."))
        else:
            outcome = (_("Report replaced (the previous import of this period was removed).")
                       if self.replaced else _("New report stored."))
        lines = [
            outcome,
            _("Institution: %(name)s") % {"name": self.institution},
            _("Period: %(period)s") % {"period": self.period_slug},
            _("Format: %(format)s") % {"format": format_label(self.format)},
        ]
        forms = self.forms or [detected.upper() for _name, detected, *_rest in self.files]
        for (name, _format, encoding, role, row_count), form in zip(self.files, forms):
            if encoding:
                line = _("File: %(name)s (%(role)s, %(format)s, %(encoding)s, %(rows)s rows)")
            else:
                line = _("File: %(name)s (%(role)s, %(format)s, %(rows)s rows)")
            lines.append(line % {
                "name": name, "role": role_label(role), "format": form, "encoding": encoding,
                "rows": row_count,
            })
        lines += [
            _("Process levels: %(count)s") % {"count": self.levels},
            _("Units: %(count)s") % {"count": self.units},
            _("Goals: %(count)s") % {"count": self.goals},
            _("Do not apply: %(count)s") % {"count": self.not_applicable},
            _("Information not available: %(count)s") % {"count": self.not_available},
            _("Lacking financing: %(count)s") % {"count": self.lacking_financing},
            _("Goals tagged with a parish: %(count)s") % {"count": self.parishes_tagged},
            _("Goals tagged with a neighbourhood council: %(count)s") % {
                "count": self.neighbourhoods_tagged},
        ]
        return lines


def format_label(code: str) -> str:
    return {
        "A": _("A, matrix 2015–2023 (Art. 7 a4)"),
        "B": _("B, national portal (Art. 19 numeral 1.3)"),
    }.get(code, code)


def role_label(role: str) -> str:
    return {
        "matrix": _("report matrix"),
        "dataset": _("data set"),
        "metadata": _("metadata"),
        "dictionary": _("dictionary"),
    }.get(role, role)


def form_label(parsed_file) -> str:
    """The form a file was read in, as the summary and the preview say it: "TSV", "PDF, 13
    páginas", "Libro de Excel 97-2003, hoja “Literal a4”"."""
    kind = parsed_file.detected_format
    if kind == "pdf" and parsed_file.ocr:
        return ngettext(
            "scanned PDF read by OCR, %(count)s page", "scanned PDF read by OCR, %(count)s pages",
            parsed_file.pages) % {"count": parsed_file.pages}
    if kind == "pdf":
        return ngettext("PDF, %(count)s page", "PDF, %(count)s pages", parsed_file.pages) % {
            "count": parsed_file.pages}
    name = {
        "xlsx": _("Excel workbook"),
        "xls": _("Excel 97-2003 workbook"),
        "ods": _("ODS spreadsheet"),
    }.get(kind)
    if name is None:
        return kind.upper()
    return _("%(form)s, sheet “%(sheet)s”") % {"form": name, "sheet": parsed_file.sheet}
