"""The import log: one ImportLog row per attempt, from the command or the staff page."""
from __future__ import annotations

from datetime import date

from metas.models import ImportLog

from .parsed import InputFile, Problem
from .result import ImportResult


def record_attempt(
    *,
    source: str,
    outcome: str,
    files: list[InputFile],
    user=None,
    institution: str = "",
    period: str | date = "",
    result: ImportResult | None = None,
    problems: tuple[Problem, ...] | list[Problem] = (),
) -> ImportLog:
    """Writes one ImportLog row: which files (names, total size, SHA-256s), the outcome, the
    counts of a successful import and the number of problems of a refused one."""
    if result is not None:
        institution = institution or result.institution
        period = period or result.period
    return ImportLog.objects.record(
        source=source,
        outcome=outcome,
        files=[(file.name, file.sha256, len(file.data)) for file in files],
        user=user,
        institution=institution,
        period=period,
        counts=result.counts() if result is not None else {},
        error_count=len(problems),
    )
