"""What follows when an institution's published data changes (a report stored, replaced or
withdrawn), in one place:

    publication.changed(institution_id)   # inside the transaction that changed it
    publication.withdraw(report, user=…, reason="…")   # off the public pages; nothing deleted
    publication.restore(report, user=…)

The version is each institution's `published_at`, read by Institution.objects.version(); pages
and exports derive their HTTP validators from it, and once the transaction commits the prebuilt
downloads are rebuilt, then each month's ZIP of those institutions (metas.opendata.archives).
"""
from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from .models import ImportLog, Institution, Report

logger = logging.getLogger(__name__)


def changed(*institution_ids: int) -> None:
    """Mark these institutions' data as changed; rebuild the downloads after the commit."""
    Institution.objects.filter(pk__in=institution_ids).mark_published()
    transaction.on_commit(lambda: rebuild_downloads(list(institution_ids)))


def rebuild_downloads(institution_ids: list[int] | None = None) -> None:
    """The report is published whatever happens here: a failure leaves the previous files,
    which the exports then no longer serve (they stream instead), and is logged. The month
    ZIPs come after the downloads, whose parts they reuse; a failure there is logged too."""
    from .opendata import archives, downloads

    try:
        downloads.rebuild(institution_ids)
    except Exception:
        logger.exception("The prebuilt downloads could not be rebuilt")
    try:
        archives.rebuild(institution_ids)
    except Exception:
        logger.exception("The month archives could not be rebuilt")


@transaction.atomic
def withdraw(report: Report, *, user, reason: str) -> Report:
    """Take a report off the public pages and exports, with the reason; its goals, files and
    import log stay, and restore() brings it back. Logged in the import log."""
    report.withdrawn_at, report.withdrawn_by, report.withdrawal_reason = (
        timezone.now(), user, reason.strip()
    )
    report.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    _log(report, ImportLog.Outcome.WITHDRAWN, user)
    changed(report.institution_id)
    return report


@transaction.atomic
def restore(report: Report, *, user) -> Report:
    report.withdrawn_at, report.withdrawn_by = None, None
    report.save(update_fields=["withdrawn_at", "withdrawn_by"])
    _log(report, ImportLog.Outcome.RESTORED, user)
    changed(report.institution_id)
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
