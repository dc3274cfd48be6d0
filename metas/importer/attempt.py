"""run_attempt: one import attempt, from the command or the staff area, with its log row.

    attempt = run_attempt(files, source="command", period="2019-08")
    if attempt.accepted:
        print("\n".join(attempt.result.summary_lines()))
    else:
        print("\n".join(map(str, attempt.problems)))

Every outcome writes exactly one ImportLog row: accepted (stored), previewed (a dry run that
found no problem), rejected (the files have problems: nothing stored), forbidden (the user may
not publish for that institution: nothing read) and failed (an unexpected error: nothing
stored, the error logged for the operators, a Spanish problem for the user).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from metas.models import ImportLog

from .log import record_attempt
from .parsed import InputFile, Problem, ReportInvalid
from .reader import read_report
from .result import ImportResult
from .store import import_report

logger = logging.getLogger(__name__)
Outcome = ImportLog.Outcome


@dataclass
class Attempt:
    outcome: str  # an ImportLog.Outcome value
    result: ImportResult | None = None  # what was (or, on a dry run, would be) stored
    problems: list[Problem] = field(default_factory=list)
    log: ImportLog | None = None

    @property
    def accepted(self) -> bool:
        return self.outcome in (Outcome.ACCEPTED, Outcome.PREVIEWED)


def run_attempt(
    files: list[InputFile],
    *,
    source: str,
    user=None,
    institution=None,
    period=None,
    sheet: str | None = None,
    dry_run: bool = False,
    allowed: bool = True,
    problems: list[Problem] = (),
    territory=None,
) -> Attempt:
    """Reads and stores (or, with dry_run, only checks) the report in `files`, and logs the
    attempt whatever its outcome.

    `institution` is an Institution, its name or None (the files, else the default, name it);
    `period` a date, "YYYY-MM" or None (the update date gives it); `sheet` the worksheet to
    read in a workbook with several reports. `allowed=False` records a
    forbidden attempt without reading a byte. `problems` found before (a path that does not
    exist) make the attempt rejected, with the files' own problems added. `territory` (a
    Province, Canton or Parish) sets the institution's (metas.importer.store_report).
    """
    name = getattr(institution, "name", institution) or None
    attempt = _attempt(
        files, name, period, sheet, user, dry_run, allowed, list(problems), territory
    )
    attempt.log = record_attempt(
        source=source,
        outcome=attempt.outcome,
        files=files,
        user=user,
        institution=name or "",
        period=period or "",
        result=attempt.result,
        problems=attempt.problems,
    )
    return attempt


def _attempt(
    files, institution, period, sheet, user, dry_run, allowed, problems, territory
) -> Attempt:
    if not allowed:
        return Attempt(Outcome.FORBIDDEN)
    try:
        if problems:
            raise ReportInvalid(problems + _problems_of(files, sheet))
        result = import_report(
            files, sheet=sheet, institution=institution, period=period, user=user,
            dry_run=dry_run, territory=territory,
        )
    except ReportInvalid as invalid:
        return Attempt(Outcome.REJECTED, problems=invalid.problems)
    except Exception:
        # The store's transaction rolled back; the operators get the traceback, the user a
        # sentence.
        logger.exception("Import of %s failed unexpectedly", [file.name for file in files])
        failure = Problem("", _(
            "The import failed unexpectedly; nothing was stored. The error was recorded for "
            "the site's administrators. Try again later, or write to them."
        ))
        return Attempt(Outcome.FAILED, problems=[failure])
    return Attempt(Outcome.PREVIEWED if dry_run else Outcome.ACCEPTED, result=result)


def _problems_of(files, sheet) -> list[Problem]:
    """The files' own problems, so that a missing path does not hide them."""
    if not files:
        return []
    try:
        read_report(files, sheet=sheet)
    except ReportInvalid as invalid:
        return invalid.problems
    return []
