"""/metas.csv and /metas.json: every goal the same filters of /metas/ select, streamed.

Not paginated: the whole selection, read from the database in batches and written as it is
read. Like every public page they set no cookie.
"""
from django.http import HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from ..exports import export_goals, goal_columns, stream_csv, stream_json
from ..filters import GoalFilter
from ..models import Goal


def goal_export_csv(request):
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


def goal_export_json(request):
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


def _as_attachment(response, extension):
    filename = f"metas-{timezone.localdate():%Y-%m-%d}.{extension}"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
