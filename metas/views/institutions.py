"""/instituciones/: every institution, its kind, territory and how current its report is."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Avg
from django.shortcuts import render
from django.utils import timezone

from .. import periods
from ..filters import InstitutionFilter
from ..http.caching import publication_scope, whole_site
from ..models import Goal, Institution, Report

INSTITUTIONS_PER_PAGE = 50


@dataclass
class Row:
    institution: Institution
    report: Report | None  # its latest
    average: Decimal | None
    months_since_update: int | None  # since its latest report's update date

    @property
    def period(self) -> date | None:
        return self.report.period if self.report else None


def institution_rows(institutions, today: date) -> list[Row]:
    """Each institution with its latest report (Report.objects.in_scope's rule) and that
    report's average progress: two queries, whatever the number of institutions."""
    latest = {report.institution_id: report for report in Report.objects.in_scope().order_by()}
    averages = dict(
        Goal.objects.in_scope()
        .order_by()
        .values("report")
        .annotate(average=Avg("progress"))
        .values_list("report", "average")
    )
    month = today.replace(day=1)
    rows = []
    for institution in institutions:
        report = latest.get(institution.pk)
        if report is not None:
            report.institution = institution  # for its address, without a query per row
        updated = report.updated_on if report else None
        rows.append(Row(
            institution,
            report,
            averages.get(report.pk) if report else None,
            max(periods.months_between(updated.replace(day=1), month), 0) if updated else None,
        ))
    return rows


# How each ?orden= sorts; rows without the figure go last.
_SORTS = {
    "nombre": (lambda row: row.institution.folded_name, False),
    "periodo": (lambda row: row.period, False),
    "-periodo": (lambda row: row.period, True),
    "-metas": (lambda row: row.report.goal_count if row.report else None, True),
    "avance": (lambda row: row.average, False),
    "-avance": (lambda row: row.average, True),
}


def sorted_rows(rows: list[Row], order: str) -> list[Row]:
    key, reverse = _SORTS[order]
    known = [row for row in rows if key(row) is not None]
    unknown = [row for row in rows if key(row) is None]
    known.sort(key=lambda row: row.institution.folded_name)  # ties by name
    known.sort(key=key, reverse=reverse)
    return known + unknown


@publication_scope(whole_site)
def institution_directory(request):
    institutions = InstitutionFilter(request.GET)
    valid = institutions.is_valid()
    page = None
    if valid:
        rows = sorted_rows(
            institution_rows(institutions.qs, timezone.localdate()), institutions.order
        )
        page = Paginator(rows, INSTITUTIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "filter": institutions,
        "form": institutions.form,
        "page_obj": page,
        "rows": page.object_list if page else [],
        "error_fields": [field for field in institutions.form if field.errors],
    }
    return render(
        request, "metas/institution_directory.html", context, status=200 if valid else 400
    )
