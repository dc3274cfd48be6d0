"""Each report's "Cumplimiento LOTAIP" page, /reportes/<institution>/<YYYY-MM>/cumplimiento/."""
from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from ..accountability import compliance, pace, reasons, summaries
from ..models import Goal, Report

# The goals behind schedule or stalled a report's page lists; the goal list has them all.
STUCK_GOALS_SHOWN = 20


def report_compliance(request, institution, period):
    report = get_object_or_404(
        Report.objects.published().select_related("institution"),
        institution__slug=institution,
        period=period,
    )
    goals = Goal.objects.filter(report=report)
    stuck = (
        goals.filter(pace.condition(pace.BEHIND) | pace.condition(pace.STALLED))
        .select_related("report", "unit").order_by("position")[:STUCK_GOALS_SHOWN]
    )
    pace_counts = pace.counts(goals)
    reason_counts = reasons.counts(goals)
    return render(request, "metas/report_compliance.html", {
        "report": report,
        "check": compliance.Check.of_report(report),
        "summary": summaries.report_summary(report),
        "paces": [
            {"label": label, "count": pace_counts[slug]} for slug, label in pace.FILTER_CHOICES
        ],
        "reasons": [
            {"label": label, "count": reason_counts[value]}
            for value, label in reasons.FILTER_CHOICES
        ],
        "stuck": list(stuck),
        "stuck_total": pace_counts[pace.BEHIND] + pace_counts[pace.STALLED],
        "trend": compliance.trend(report.institution_id),
    })
