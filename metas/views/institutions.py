"""/instituciones/: every institution, its kind, territory and how current its report is;
/<institution>/: an institution's overview, its latest report at a glance."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Avg, Count
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import periods
from ..accountability import compliance, summaries
from ..filters import InstitutionFilter
from ..http.caching import institution_by_slug, publication_scope, whole_site
from ..models import PROGRESS_BANDS, Goal, Institution, Report
from ..presentation.charts import Bar, bar_chart
from ..presentation.numbers import count_text, percent_text
from ..text import sentence_case

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


@publication_scope(institution_by_slug)
def institution_overview(request, slug):
    institution = get_object_or_404(Institution, slug=slug)
    report = institution.reports.published().order_by("-period").first()
    return render(
        request, "metas/institution_overview.html", overview_context(institution, report)
    )


def overview_context(institution, report):
    """What the overview of `report` (an institution's latest, or None) shows."""
    if report is None:
        return {"institution": institution, "report": None}
    goals = Goal.objects.filter(report=report)
    summary = goals.summary()
    levels = list(
        goals.values("unit__level__slug", "unit__level__name", "unit__level__position")
        .annotate(total=Count("pk"), average=Avg("progress"))
        .order_by("unit__level__position", "unit__level__name")
    )
    bands = goals.band_counts()

    def list_url(**params):
        return goal_list_url(institucion=institution.slug, periodo=report.period_slug, **params)

    for level in levels:
        slug = level["unit__level__slug"]
        level["url"] = list_url(nivel=slug) if slug else ""
    distribution = [
        {"label": band.label, "count": bands[band.slug], "url": list_url(avance=band.slug)}
        for band in PROGRESS_BANDS
    ]
    # Goals whose target is words, not a percentage, fall in no band.
    in_words = max(summary["goals"] - sum(bands.values()), 0)
    return {
        "institution": institution,
        "report": report,
        "summary": summary,
        "summary_text": summaries.report_summary(report),
        "trend": compliance.trend(institution),
        "levels": levels,
        "distribution": distribution,
        "in_words": in_words,
        "files": list(report.files.all()),
        "all_goals_url": list_url(),
        "not_applicable_url": list_url(avance="no-aplica"),
        "not_available_url": list_url(avance="no-disponible"),
        "lacking_financing_url": list_url(sin_financiamiento="1"),
        "level_chart": level_chart(levels),
        "distribution_chart": distribution_chart(distribution, summary["goals"]),
    }


def level_chart(levels) -> dict:
    """The average progress of each process level, as a bar chart."""
    return bar_chart(
        [
            Bar(
                sentence_case(level["unit__level__name"] or "") or _("No process level"),
                level["average"],
                percent_text(level["average"]) or _("no percentage"),
            )
            for level in levels
        ],
        maximum=100,
        title=_("Average progress by process level"),
        chart_id="grafico-niveles",
    )


def distribution_chart(distribution, goals: int) -> dict:
    """The number of goals in each progress band, out of `goals`, as a bar chart."""
    return bar_chart(
        [Bar(str(row["label"]), row["count"], count_text(row["count"])) for row in distribution],
        maximum=goals,
        title=_("Goals by progress band"),
        description=_("Number of goals in each band of progress."),
        chart_id="grafico-avance",
    )


def goal_list_url(**params):
    """/metas/ with these filters, e.g. goal_list_url(avance="0-24")."""
    return f"{reverse('metas:goal-list')}?{urlencode(params)}" if params else reverse(
        "metas:goal-list"
    )
