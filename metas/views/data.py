"""/datos/: the open data explained (columns, whole files, licence); /datos/archivos/: each
published month as one ZIP (/datos/<institution>/<YYYY-MM>.zip)."""
from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from ..http.caching import publication_scope, whole_site
from ..models import FileBuild, MonthArchive, Report
from ..opendata import archives, downloads
from ..opendata.columns import change_columns, goal_columns
from .exports import XLSX_MAX_ROWS, prebuilt_response, preparing_response

ARCHIVES_PER_PAGE = 50


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


def archive_list(request):
    page = Paginator(archives.listed(), ARCHIVES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "metas/archive_list.html", {"page_obj": page, "archives": page})


def month_archive(request, institution, period):
    archive = (
        MonthArchive.objects.published().filter(
            report__institution__slug=institution, report__period=period,
        ).first()
    )
    if archive is None or not downloads.path_of(archive.name).exists():
        if _being_built(institution, period):
            return preparing_response(request)
        raise Http404(_("There is no archive of that month."))
    return prebuilt_response(request, archive, "application/zip")


def _being_built(institution: str, period) -> bool:
    """A published report whose ZIP the worker has still to write."""
    published = Report.objects.published().filter(institution__slug=institution, period=period)
    return published.exists() and FileBuild.objects.unfinished().exists()
