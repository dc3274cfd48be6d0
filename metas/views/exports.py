"""/metas.csv and /metas.json: every goal the same filters of /metas/ select.

Not paginated: the whole selection. The whole data set (no filter, or every period) is a file
prebuilt at each publication (metas.opendata.downloads), sent with its size and hash, so the
largest downloads never hold a database query open; any other selection is read from the
database in batches and streamed as it is read. Like every public page they set no cookie.
"""
from django.conf import settings
from django.http import (
    FileResponse,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
    StreamingHttpResponse,
)
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header, http_date
from django.utils.translation import gettext as _

from ..exports import export_goals, goal_columns, stream_csv, stream_json
from ..caching import publication_scope, whole_site
from ..filters import GoalFilter
from ..opendata import downloads
from ..models import Goal


@publication_scope(whole_site)
def goal_export_csv(request):
    prebuilt = downloads.for_query(request.GET.dict(), "csv")
    if prebuilt is not None:
        return prebuilt_response(request, prebuilt, "text/csv; charset=utf-8")
    filterset = GoalFilter(request.GET, queryset=Goal.objects.all())
    if not filterset.is_valid():
        return HttpResponseBadRequest(
            _invalid_filters_text(filterset), content_type="text/plain; charset=utf-8"
        )
    rows = export_goals(filterset.qs)
    response = StreamingHttpResponse(
        stream_csv(rows, goal_columns(request.build_absolute_uri)),
        content_type="text/csv; charset=utf-8",
    )
    return _as_attachment(response, "csv")


@publication_scope(whole_site)
def goal_export_json(request):
    prebuilt = downloads.for_query(request.GET.dict(), "json")
    if prebuilt is not None:
        return prebuilt_response(request, prebuilt, "application/json; charset=utf-8")
    filterset = GoalFilter(request.GET, queryset=Goal.objects.all())
    if not filterset.is_valid():
        return JsonResponse(
            {"error": _invalid_filters_text(filterset), "filters": _errors(filterset)},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    goals = filterset.qs
    # One COUNT first, so "count" can lead the document while the rows are still unread.
    head = {"count": goals.count(), "filters": filterset.applied()}
    response = StreamingHttpResponse(
        stream_json(export_goals(goals), goal_columns(request.build_absolute_uri), head),
        content_type="application/json; charset=utf-8",
    )
    return _as_attachment(response, "json")


def _errors(filterset):
    return {name: list(messages) for name, messages in filterset.form.errors.items()}


def _invalid_filters_text(filterset):
    lines = [_("The filters of this address are not valid:")]
    for name, messages in _errors(filterset).items():
        lines.extend(f"- {name}: {message}" for message in messages)
    return "\n".join(lines) + "\n"


def prebuilt_response(request, download, content_type):
    """The file as an attachment with its length, hash (ETag) and date; a repeated request
    with the same validators gets 304. Behind nginx (DOWNLOADS_ACCEL_PREFIX) the proxy sends
    the bytes itself."""
    etag = f'"{download.sha256}"'
    not_modified = get_conditional_response(
        request, etag=etag, last_modified=int(download.built_at.timestamp())
    )
    if not_modified is not None:
        return not_modified
    prefix = settings.METAS_DOWNLOADS_ACCEL_PREFIX
    if prefix:
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


def _as_attachment(response, extension):
    filename = f"metas-{timezone.localdate():%Y-%m-%d}.{extension}"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
