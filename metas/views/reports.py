"""/reportes/: every imported report with its original files; /datos/: the open data explained."""
from __future__ import annotations

import re

from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from ..accountability import summaries
from ..counts import Counts
from ..http.caching import institution_by_slug, publication_scope, whole_site
from ..models import Goal, MonthArchive, Report, SourceFile
from ..opendata import downloads
from ..opendata.columns import change_columns, goal_columns
from .exports import XLSX_MAX_ROWS

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
    return render(
        request,
        "metas/report_detail.html",
        {
            "report": report,
            "counts": Counts.of_stored(goals),
            "summary_text": summaries.summary(goals),
            "files": list(report.files.all()),
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


@publication_scope(whole_site)
def data_dictionary(request):
    return render(
        request,
        "metas/data_dictionary.html",
        {
            "columns": goal_columns(),
            "change_columns": change_columns(),
            "whole_files": downloads.listed(),
            "xlsx_max_rows": XLSX_MAX_ROWS,
        },
    )
