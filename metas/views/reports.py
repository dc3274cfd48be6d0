"""/reportes/: every imported report with its original files; each report's page, what changed
since the institution's previous report (cambios/, also as cambios.csv and cambios.json) and its
"Cumplimiento LOTAIP" page (cumplimiento/), and the three files of the transparency portal
written from it (portal/conjunto-de-datos.csv, metadatos.csv, diccionario.csv).

The changes are read from the stored history links (metas.history), the same categories the
staff preview shows before publishing: new goals, goals no longer reported, progress that went
up or down, goals that now do not apply, units added or removed.
"""
from __future__ import annotations

import re

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from .. import periods
from ..accountability import compliance, pace, reasons, summaries
from ..counts import Counts
from ..history import stored_changes
from ..http.caching import institution_by_slug, publication_scope, whole_site
from ..models import Goal, MonthArchive, Report, SourceFile
from ..opendata.changes import change_rows
from ..opendata.columns import change_columns
from ..opendata.exports import stream_csv, stream_json
from ..opendata.portal import PARTS, portal_file, portal_filename

REPORTS_PER_PAGE = 25
# What a browser is told each stored format is; anything else is plain bytes.
CONTENT_TYPES = {
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "pdf": "application/pdf",
}
_SAFE_EXTENSION = re.compile(r"[a-z0-9]{1,10}")
# The goals behind schedule or stalled a report's compliance page lists; the goal list has them all.
STUCK_GOALS_SHOWN = 20


@publication_scope(whole_site)
def report_list(request):
    reports = (
        Report.objects.published().select_related("institution").prefetch_related("files")
        .order_by("institution__name", "-period")
    )
    page = Paginator(reports, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "metas/report_list.html", {"page_obj": page, "reports": page.object_list}
    )


@publication_scope(institution_by_slug)
def report_detail(request, institution, period):
    report = get_object_or_404(
        Report.objects.select_related("institution", "published_by"),
        institution__slug=institution,
        period=period,
    )
    if report.withdrawn_at:
        return _withdrawn(request, report)
    goals = Goal.objects.filter(report=report)
    files = list(report.files.all())
    return render(
        request,
        "metas/report_detail.html",
        {
            "report": report,
            "counts": Counts.of_stored(goals),
            "summary_text": summaries.summary(goals),
            "files": files,
            "read_by_ocr": any(file.read_by_ocr for file in files),
            "archive": MonthArchive.objects.filter(report=report).first(),
        },
    )


def _withdrawn(request, report):
    """410 rather than 404: whoever kept the address learns that the institution withdrew the
    report, when and why. Browsers keep a 410 for ever unless told otherwise, and the report
    may be restored: no-cache (the public cache keeps only 200 answers anyway)."""
    response = render(request, "metas/report_withdrawn.html", {"report": report}, status=410)
    patch_cache_control(response, no_cache=True)
    return response


@publication_scope(institution_by_slug)
def source_file_download(request, institution, period, pk):
    """The original file, byte for byte, as an attachment under a name the server chooses."""
    source = get_object_or_404(
        SourceFile.objects.published().select_related("report__institution"),
        pk=pk,
        report__institution__slug=institution,
        report__period=period,
    )
    report = source.report
    extension = source.detected_format.lower()
    if not _SAFE_EXTENSION.fullmatch(extension):
        extension = "bin"
    try:
        stored = source.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The original file is no longer stored."))
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=f"{report.institution.slug}-{report.period_slug}-{source.pk}.{extension}",
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- What changed: cambios/, cambios.csv, cambios.json ---------------------------------------


def published_report(institution, period) -> Report:
    """The published report of the institution's slug and month, or 404."""
    return get_object_or_404(
        Report.objects.published().select_related("institution"),
        institution__slug=institution,
        period=period,
    )


@publication_scope(institution_by_slug)
def report_changes(request, institution, period):
    report = published_report(institution, period)
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
    report = published_report(institution, period)
    rows = change_rows(stored_changes(report))
    response = StreamingHttpResponse(
        stream_csv(rows, change_columns(request.build_absolute_uri)),
        content_type="text/csv; charset=utf-8",
    )
    return _changes_attachment(response, report, "csv")


@publication_scope(institution_by_slug)
def report_changes_json(request, institution, period):
    report = published_report(institution, period)
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
    return _changes_attachment(response, report, "json")


@publication_scope(institution_by_slug)
def report_portal_file(request, institution, period, part):
    """One of the three CSV files the transparency portal takes for numeral 1.3, written from
    the published report whatever form it came in (metas.opendata.portal)."""
    if part not in PARTS:
        raise Http404(_("There is no such file of the transparency portal."))
    report = published_report(institution, period)
    response = HttpResponse(portal_file(report, part), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        True, portal_filename(report, part)
    )
    return response


def _changes_attachment(response, report, extension):
    filename = f"cambios-{report.institution.slug}-{report.period_slug}.{extension}"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# --- Cumplimiento LOTAIP: cumplimiento/ --------------------------------------------------------


def report_compliance(request, institution, period):
    report = published_report(institution, period)
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
