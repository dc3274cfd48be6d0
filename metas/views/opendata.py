"""Open data beside the exports: each export's datapackage.json, and each published month as
one ZIP (/datos/<institution>/<YYYY-MM>.zip, listed on /datos/archivos/).

/metas.datapackage.json?<filters> describes /metas.csv?<the same filters>. For the whole data
set (no filter, or every period) it is written from the prebuilt files' stored size, rows and
SHA-256. For any other filters the hash needs the bytes: the CSV is generated exactly as
/metas.csv generates it (same rows, same addresses) and measured as it streams, never held
whole, so the descriptor costs what the download costs. Its figures are those of the moment it
was asked for: a publication between the two requests changes the CSV (the descriptor's
`homepage` and `filters` say which rows it selects).
"""
from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from ..filters import GoalFilter
from ..models import Goal, MonthArchive
from ..opendata import archives, datapackage, downloads
from ..opendata.columns import goal_columns
from ..opendata.exports import export_goals, stream_csv
from .exports import _errors, _invalid_filters_text, prebuilt_response

ARCHIVES_PER_PAGE = 50


def goal_export_datapackage(request):
    # Describes the comma CSV (RFC 4180): ?sep=; is the same rows for Excel in Spanish.
    params = request.GET.copy()
    params.pop("sep", None)
    descriptor = downloads.datapackage(params.dict())
    if descriptor is None:
        filterset = GoalFilter(params, queryset=Goal.objects.all())
        if not filterset.is_valid():
            return JsonResponse(
                {"error": _invalid_filters_text(filterset), "filters": _errors(filterset)},
                status=400,
                json_dumps_params={"ensure_ascii": False},
            )
        descriptor = _filtered(request, params, filterset)
    return HttpResponse(datapackage.dumps(descriptor), content_type="application/json")


def _filtered(request, params, filterset) -> dict:
    absolute = request.build_absolute_uri
    columns = goal_columns(absolute)
    rows = datapackage.Counted(export_goals(filterset.qs))
    size, sha256 = datapackage.measured(stream_csv(rows, columns))
    query = params.urlencode()
    suffix = f"?{query}" if query else ""
    return datapackage.package(
        "metas-filtradas",
        _("Goals and objectives of the LOTAIP reports"),
        _("The goals the filters of this address select, as /metas.csv gives them."),
        [datapackage.csv_resource(
            "metas", absolute(reverse("metas:goal-export-csv") + suffix), columns,
            rows=rows.count, size=size, sha256=sha256, title="metas.csv",
        )],
        absolute_url=absolute,
        homepage=absolute(reverse("metas:goal-list") + suffix),
        sources=[{
            "title": _("The reports as each institution published them"),
            "path": absolute(reverse("metas:report-list")),
        }],
        filters=filterset.applied(),
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
        raise Http404(_("There is no archive of that month."))
    return prebuilt_response(request, archive, "application/zip")
