"""/reportes/<institution>/<YYYY-MM>/cambios/: what changed since the institution's previous
report, as a page and as open data (cambios.csv, cambios.json).

The changes are read from the stored history links (metas.history), the same categories the
staff preview shows before publishing: new goals, goals no longer reported, progress that went
up or down, goals that now do not apply, units added or removed.
"""
from __future__ import annotations

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header

from .. import periods
from ..history import stored_changes
from ..http.caching import institution_by_slug, publication_scope
from ..models import Report
from ..opendata.changes import change_rows
from ..opendata.columns import change_columns
from ..opendata.exports import stream_csv, stream_json


def _report(institution, period) -> Report:
    return get_object_or_404(
        Report.objects.published().select_related("institution"),
        institution__slug=institution,
        period=period,
    )


@publication_scope(institution_by_slug)
def report_changes(request, institution, period):
    report = _report(institution, period)
    changes = stored_changes(report)
    previous = (
        Report.objects.filter(institution=report.institution_id, period=changes.previous_period)
        .select_related("institution")
        .first()
        if changes.has_previous
        else None
    )
    return render(
        request,
        "metas/report_changes.html",
        {"report": report, "changes": changes, "previous": previous},
    )


@publication_scope(institution_by_slug)
def report_changes_csv(request, institution, period):
    report = _report(institution, period)
    rows = change_rows(stored_changes(report))
    response = StreamingHttpResponse(
        stream_csv(rows, change_columns(request.build_absolute_uri)),
        content_type="text/csv; charset=utf-8",
    )
    return _as_attachment(response, report, "csv")


@publication_scope(institution_by_slug)
def report_changes_json(request, institution, period):
    report = _report(institution, period)
    changes = stored_changes(report)
    rows = change_rows(changes)
    head = {
        "institucion": report.institution.name,
        "periodo": report.period_slug,
        "periodo_anterior": (
            periods.slug(changes.previous_period) if changes.has_previous else None
        ),
        "count": len(rows),
    }
    response = StreamingHttpResponse(
        stream_json(rows, change_columns(request.build_absolute_uri), head),
        content_type="application/json; charset=utf-8",
    )
    return _as_attachment(response, report, "json")


def _as_attachment(response, report, extension):
    filename = f"cambios-{report.institution.slug}-{report.period_slug}.{extension}"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
