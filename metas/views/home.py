"""The front pages: / (the overview of the one institution, or the list of them) and
/metodologia/ (how the check, the pace and the reasons are worked out)."""
from datetime import date

from django.db.models import Avg
from django.shortcuts import render
from django.utils.formats import date_format

from ..accountability import compliance, pace, reasons
from ..http.caching import publication_scope, whole_site
from ..models import Goal, Report
from .institutions import overview_context


@publication_scope(whole_site)
def home(request):
    """One institution: its overview. Several: the list of them. None yet: a friendly word."""
    reports = list(
        Report.objects.latest_per_institution()
        .select_related("institution")
        .order_by("institution__name")
    )
    if not reports:
        return render(request, "metas/home.html")
    if len(reports) == 1:
        report = reports[0]
        context = overview_context(report.institution, report)
        context["canonical_url"] = request.build_absolute_uri(report.institution.get_absolute_url())
        return render(request, "metas/institution_overview.html", context)
    # Averaged apart: joining the goals into the reports' query costs more than a second one.
    averages = dict(
        Goal.objects.filter(report__in=[report.pk for report in reports])
        .order_by()
        .values("report")
        .annotate(average=Avg("progress"))
        .values_list("report", "average")
    )
    for report in reports:
        report.average = averages.get(report.pk)
    return render(request, "metas/institution_list.html", {"reports": reports})


def methodology(request):
    return render(request, "metas/methodology.html", {
        "criteria": compliance.CRITERIA,
        "partial_rule": compliance.PARTIAL_RULE,
        "deadline_day": compliance.DEADLINE_DAY,
        "pace_rules": [(pace.LABELS[slug], rule) for slug, rule in pace.RULES],
        "months": [
            {"name": date_format(date(2000, month, 1), "F"), "expected": pace.expected(month),
             "from": pace.on_track_from(month)}
            for month in range(1, 13)
        ],
        "rules_version": reasons.RULES_VERSION,
        "rules_file": reasons.RULES_FILE.name,
        "reason_rules": reasons.rules_by_reason(),
    })
