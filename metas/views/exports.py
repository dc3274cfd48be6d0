"""/metas.csv, /metas.json and /metas.xlsx: every goal the same filters of /metas/ select;
/metas.datapackage.json: the descriptor of /metas.csv with those filters.

Not paginated: the whole selection. `?sep=;` gives the CSV Excel opens in columns in a Spanish
locale (semicolons, decimal commas). The workbook is built in a temporary file, in constant
memory, then sent from it (metas.opendata.xlsx). Each file is named after what it holds
(metas.opendata.filenames). The whole data set (no filter, or every period) is a file
prebuilt at each publication (metas.opendata.downloads), sent with its size and hash, so the
largest downloads never hold a database query open; any other selection is read from the
database in batches and streamed as it is read. Like every public page they set no cookie.
"""
import tempfile

from django.conf import settings
from django.http import (
    FileResponse,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header, http_date
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

from ..filters import DEFAULT_ORDER, ORDER_CHOICES, GoalFilter
from ..http import slots
from ..http.caching import publication_scope, whole_site
from ..models import Goal
from ..opendata import datapackage, downloads, filenames, xlsx
from ..opendata.columns import goal_columns
from ..opendata.exports import COMMA, SEPARATORS, export_goals, stream_csv, stream_json
from ..presentation.numbers import count_text

CSV_TYPE = "text/csv; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
# xlsxwriter writes about 4,000 rows a second here: a larger workbook would hold a worker for
# more than its timeout. The CSV (prebuilt for the whole data set) has no limit.
XLSX_MAX_ROWS = 50_000
# Every request has a budget (issue 19). A selection that is not a prebuilt file is read from
# the database as it is sent, 8,000 to 26,000 rows a second on two busy cores: beyond this many
# it would hold a worker for more than a few seconds, and the prebuilt files hold them all.
STREAM_MAX_ROWS = 50_000
# Exports made on request (not prebuilt files), per client address (PROXY_COUNT-aware).
EXPORT_RATE = "30/m"
# Seconds a reader is asked to wait while a prebuilt file is being prepared (the worker takes a
# few at most).
RETRY_AFTER = 15
# Seconds a reader is asked to wait while every slot for files made on request is taken.
BUSY_RETRY_AFTER = 10


@publication_scope(whole_site)
def goal_export_csv(request):
    separator = request.GET.get("sep", COMMA)
    if separator not in SEPARATORS:
        return HttpResponseBadRequest(_invalid_separator_text(separator), content_type=TEXT_TYPE)
    query = request.GET.dict()
    query.pop("sep", None)
    prebuilt = downloads.for_query(query, "csv") if separator == COMMA else None
    if prebuilt is not None and (not_modified := _not_modified(request, prebuilt)) is not None:
        return not_modified
    filterset = GoalFilter(request.GET, queryset=Goal.objects.all())
    if not filterset.is_valid():
        return HttpResponseBadRequest(_invalid_filters_text(filterset), content_type=TEXT_TYPE)
    if prebuilt is not None:
        response = prebuilt_response(request, prebuilt, CSV_TYPE)
        return _as_attachment(response, filterset, "csv")
    whole_file = separator == COMMA and downloads.selection_for(query) is not None
    if (refused := _over_budget(request, filterset, STREAM_MAX_ROWS, whole_file=whole_file)):
        return refused
    if (slot := slots.take()) is None:
        return _busy_response()
    rows = export_goals(filterset.qs)
    response = StreamingHttpResponse(
        slots.Released(stream_csv(rows, goal_columns(request.build_absolute_uri), separator),
                       slot),
        content_type=CSV_TYPE,
    )
    return _as_attachment(response, filterset, "csv")


@publication_scope(whole_site)
def goal_export_xlsx(request):
    filterset = GoalFilter(request.GET, queryset=Goal.objects.all())
    if not filterset.is_valid():
        return HttpResponseBadRequest(_invalid_filters_text(filterset), content_type=TEXT_TYPE)
    if (refused := _over_budget(request, filterset, XLSX_MAX_ROWS, _too_many_for_a_workbook)):
        return refused
    if (slot := slots.take()) is None:
        return _busy_response()
    # Deleted when closed, which FileResponse does once the body is sent.
    handle = tempfile.TemporaryFile(prefix="metas-", suffix=".xlsx")
    try:
        xlsx.write_workbook(
            handle, export_goals(filterset.qs), goal_columns(request.build_absolute_uri),
            about=_about(request, filterset),
            title=_("Goals and objectives of the LOTAIP reports"),
        )
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    finally:
        slots.give_back(slot)
    return _as_attachment(FileResponse(handle, content_type=xlsx.CONTENT_TYPE), filterset, "xlsx")


def _over_budget(request, filterset, maximum: int, too_many=None,
                 count: int | None = None, whole_file: bool = False) -> HttpResponse | None:
    """The answer to an export made on request that would cost more than a request may: too
    many from one client (429), or more rows than `maximum` (400, naming the prebuilt file;
    for a prebuilt file's own selection (`whole_file`) not built yet, 503 "se está
    preparando"); None when it may go on."""
    if is_ratelimited(request, group="exports", key="ip", rate=EXPORT_RATE, increment=True):
        response = HttpResponse(_too_many_requests_text(), content_type=TEXT_TYPE, status=429)
        response["Retry-After"] = "60"
        return response
    if count is None:
        count = filterset.qs.count()
    if count > maximum and whole_file:
        # Its own prebuilt file is the only way to it (a 400 would name this very address):
        # being rebuilt, or to be rebuilt by the next build (a failed one is the staff's to retry).
        return preparing_response(request)
    if count > maximum:
        text = (too_many or _too_many_rows_text)(request, count, maximum)
        return HttpResponseBadRequest(text, content_type=TEXT_TYPE)
    return None


def _busy_response() -> HttpResponse:
    """Every slot for files made on request is taken (metas.http.slots): a Spanish 503 at once,
    rather than a worker more held while the pages wait."""
    text = _(
        "The site is making other files on request right now. Try again in a few seconds, or "
        "download the whole data set, which is ready: %(url)s"
    ) % {"url": reverse("metas:goal-export-csv") + "?periodo=todos"} + "\n"
    response = HttpResponse(text, content_type=TEXT_TYPE, status=503)
    response["Retry-After"] = str(BUSY_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def _too_many_for_a_workbook(request, count: int, maximum: int) -> str:
    csv_url = request.build_absolute_uri(reverse("metas:goal-export-csv"))
    query = request.GET.urlencode()
    return _(
        "This selection has %(count)s goals; the Excel file is made for up to %(maximum)s. "
        "Choose an institution or a period, or download the CSV, which has them all: %(url)s"
    ) % {
        "count": count_text(count),
        "maximum": count_text(maximum),
        "url": f"{csv_url}?{query}" if query else csv_url,
    }


def _too_many_requests_text() -> str:
    return _(
        "Too many files made on request from your address in the last minute. Wait a minute, "
        "or download the whole data set, which is ready: %(url)s"
    ) % {"url": reverse("metas:goal-export-csv") + "?periodo=todos"} + "\n"


def _too_many_rows_text(request, count: int, maximum: int) -> str:
    whole = request.build_absolute_uri(reverse("metas:goal-export-csv")) + "?periodo=todos"
    return _(
        "This selection has %(count)s goals; files made on request hold up to %(maximum)s. "
        "Choose an institution or a period, or download the whole data set, ready as a file "
        "(CSV with commas; Excel opens it with Data > From Text/CSV): %(url)s"
    ) % {"count": count_text(count), "maximum": count_text(maximum), "url": whole} + "\n"


def _about(request, filterset) -> list[tuple[str, object]]:
    """What the workbook's filters sheet says: each filter (label, value), where the list is,
    when the file was made, and under which licence."""
    list_path = reverse("metas:goal-list")
    rows = [(_("Filter of the list"), _("Its value"))]
    data = filterset.form.cleaned_data
    if not data.get("periodo"):
        rows.append((filterset.filters["periodo"].label, _("Latest report of each institution")))
    for chip in filterset.chips(list_path):
        rows.append((chip["label"], chip["value"]))
        if chip["name"] == "parroquia" and data.get("colectivas"):
            rows.append((filterset.filters["colectivas"].label, _("yes")))
    order = data.get("orden")
    if order and order != DEFAULT_ORDER:
        rows.append((filterset.filters["orden"].label, dict(ORDER_CHOICES)[order]))
    absolute = request.build_absolute_uri
    licence = datapackage.licence(absolute)
    return rows + [
        ("", ""),
        (_("The list on the site"), absolute(filterset.url(list_path))),
        (_("Generated on"), timezone.localtime()),
        (_("Source"), _("Transparencia Metas, from the reports each institution published "
                        "under the LOTAIP: %(url)s") % {"url": absolute(reverse("metas:home"))}),
        (_("Licence"), f"{licence['title']}: {licence['path']}"),
    ]


@publication_scope(whole_site)
def goal_export_json(request):
    prebuilt = downloads.for_query(request.GET.dict(), "json")
    if prebuilt is not None and (not_modified := _not_modified(request, prebuilt)) is not None:
        return not_modified
    filterset = GoalFilter(request.GET, queryset=Goal.objects.all())
    if not filterset.is_valid():
        return JsonResponse(
            {"error": _invalid_filters_text(filterset), "filters": _errors(filterset)},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    if prebuilt is not None:
        response = prebuilt_response(request, prebuilt, "application/json; charset=utf-8")
        return _as_attachment(response, filterset, "json")
    goals = filterset.qs
    # One COUNT first, so "count" can lead the document while the rows are still unread.
    head = {"count": goals.count(), "filters": filterset.applied()}
    whole_file = downloads.selection_for(request.GET.dict()) is not None
    if (refused := _over_budget(request, filterset, STREAM_MAX_ROWS, count=head["count"],
                                whole_file=whole_file)):
        return refused
    if (slot := slots.take()) is None:
        return _busy_response()
    response = StreamingHttpResponse(
        slots.Released(
            stream_json(export_goals(goals), goal_columns(request.build_absolute_uri), head),
            slot),
        content_type="application/json; charset=utf-8",
    )
    return _as_attachment(response, filterset, "json")


def goal_export_datapackage(request):
    """/metas.datapackage.json?<filters> describes /metas.csv?<the same filters>. For the whole
    data set (no filter, or every period) it is written from the prebuilt files' stored size,
    rows and SHA-256. For any other filters the hash needs the bytes: the CSV is generated
    exactly as /metas.csv generates it (same rows, same addresses) and measured as it streams,
    never held whole, so the descriptor costs what the download costs. Its figures are those of
    the moment it was asked for: a publication between the two requests changes the CSV (the
    descriptor's `homepage` and `filters` say which rows it selects)."""
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
        if (refused := _over_budget(request, filterset, STREAM_MAX_ROWS)) is not None:
            return refused
        if (slot := slots.take()) is None:
            return _busy_response()
        try:
            descriptor = _filtered(request, params, filterset)
        finally:
            slots.give_back(slot)
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


def _errors(filterset):
    return {name: list(messages) for name, messages in filterset.form.errors.items()}


def _invalid_separator_text(separator):
    return _(
        "The separator “%(value)s” is not valid: write sep=; for semicolons (Excel in Spanish), "
        "or leave it out for commas."
    ) % {"value": separator[:50]} + "\n"


def _invalid_filters_text(filterset):
    lines = [_("The filters of this address are not valid:")]
    for name, messages in _errors(filterset).items():
        lines.extend(f"- {name}: {message}" for message in messages)
    return "\n".join(lines) + "\n"


def _not_modified(request, download):
    """The 304 of a repeated request for a prebuilt file (its hash is its ETag), else None.
    Asked before the filters are read: only valid filters name a prebuilt file."""
    return get_conditional_response(
        request, etag=f'"{download.sha256}"', last_modified=int(download.built_at.timestamp())
    )


def preparing_response(request) -> HttpResponse:
    """A file the worker has still to write after a publication (metas.publication.files):
    503 with Retry-After, never an older file. A month's ZIP not yet rebuilt says so; a whole
    CSV or JSON streams from the database meanwhile when it is within the stream budget, and
    says so beyond it."""
    response = render(request, "metas/preparing.html", {"retry_after": RETRY_AFTER}, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def prebuilt_response(request, download, content_type):
    """The file as an attachment with its length, hash (ETag) and date; a repeated request
    with the same validators gets 304. A whole file is its parts sent one after the other
    (metas.opendata.downloads); a month's ZIP, behind nginx (DOWNLOADS_ACCEL_PREFIX), is sent
    by the proxy itself."""
    etag = f'"{download.sha256}"'
    if (not_modified := _not_modified(request, download)) is not None:
        return not_modified
    prefix = settings.METAS_DOWNLOADS_ACCEL_PREFIX
    if getattr(download, "parts", None) is not None:
        response = StreamingHttpResponse(downloads.pieces(download.parts),
                                         content_type=content_type)
    elif prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + download.name
    else:
        response = FileResponse(open(downloads.path_of(download.name), "rb"),
                                content_type=content_type)
    response["Content-Length"] = str(download.size)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(download.built_at.timestamp())
    response["Content-Disposition"] = content_disposition_header(True, download.name)
    return response


def _as_attachment(response, filterset, extension):
    if response.status_code != 200:
        return response  # a 304 has no body to name
    response["Content-Disposition"] = filenames.attachment(
        filterset.form.cleaned_data, timezone.localdate(), extension
    )
    return response
