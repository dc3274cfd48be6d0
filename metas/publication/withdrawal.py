"""A report taken off the public pages and exports, and brought back, through the door:

    withdraw(report, user=…, reason="…")   # nothing deleted; logged in the import log
    restore(report, user=…)
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ..models import ImportLog, Report
from .door import changed


@transaction.atomic
def withdraw(report: Report, *, user, reason: str) -> Report:
    """Take a report off the public pages and exports, with the reason; its goals, files and
    import log stay, and restore() brings it back. Logged in the import log."""
    report.withdrawn_at, report.withdrawn_by, report.withdrawal_reason = (
        timezone.now(), user, reason.strip()
    )
    report.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    _log(report, ImportLog.Outcome.WITHDRAWN, user)
    changed(report.institution_id, reports=[])  # its parts stay, the whole files leave it out
    return report


@transaction.atomic
def restore(report: Report, *, user) -> Report:
    report.withdrawn_at, report.withdrawn_by = None, None
    report.save(update_fields=["withdrawn_at", "withdrawn_by"])
    _log(report, ImportLog.Outcome.RESTORED, user)
    changed(report.institution_id, reports=[])  # its parts are written again only if missing
    return report


def _log(report: Report, outcome: str, user) -> None:
    ImportLog.objects.record(
        source=ImportLog.Source.WEB,
        outcome=outcome,
        files=report.files.values_list("original_name", "sha256", "size"),
        user=user,
        institution=report.institution.name,
        period=report.period,
        counts={"goals": report.goal_count},
    )
