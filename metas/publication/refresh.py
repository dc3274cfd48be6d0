"""The accountability figures computed again from the stored reports, through the door:

    refresh_accountability()   # the refresh_accountability command

Each report's LOTAIP check, its goals' reasons and its "vigente" run are computed again
(metas.accountability.record.refresh), each report in its own transaction, which goes through
publication.changed: the pages that show them get a new version, and the prebuilt downloads
(their columns) and every month's ZIP are rebuilt once, at the end.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from ..accountability.record import refresh
from ..models import MonthArchive, Report
from .door import changed, together


@dataclass(frozen=True)
class Refreshed:
    reports: int
    archives: int  # the month ZIPs of the published reports, once rebuilt


def refresh_accountability() -> Refreshed:
    reports = Report.objects.select_related("institution").order_by("institution", "period")
    count = 0
    with together():
        for report in reports.iterator():
            with transaction.atomic():
                refresh(report)
                changed(report.institution_id)
            count += 1
    return Refreshed(reports=count, archives=MonthArchive.objects.published().count())
