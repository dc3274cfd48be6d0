"""/gestion/archivos/: the prebuilt files the worker rebuilds after each publication
(metas.publication.files), each build "pendiente", "en construcción", "listo" or "falló",
with "Reintentar" for a failed one. Staff see the builds of their own institutions."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import publication
from ..models import FileBuild, Institution
from .permissions import allowed_institutions, is_publisher, may_read_log

RECENT_BUILDS = 50


def readable_builds(user, builds) -> list[FileBuild]:
    """The builds `user` may see among `builds`: a superuser's all, else those of the
    institutions they publish for."""
    builds = list(builds)
    if user.is_superuser:
        return builds
    own = set(allowed_institutions(user).values_list("pk", flat=True))
    return [build for build in builds if build.institutions and own & set(build.institutions)]


def latest_build_of(user, institution_id: int, since) -> FileBuild | None:
    """The latest build of an institution's files requested since `since` (a publication)."""
    recent = FileBuild.objects.filter(created_at__gte=since).order_by("-created_at", "-pk")
    for build in readable_builds(user, recent[:RECENT_BUILDS]):
        if build.institutions is None or institution_id in build.institutions:
            return build
    return None


@login_required
@require_GET
def staff_files(request):
    if not may_read_log(request.user):
        return _forbidden(request)
    builds = readable_builds(request.user, FileBuild.objects.all()[:RECENT_BUILDS])
    names = _institution_names(builds)
    rows = [{"build": build, "institutions": [names.get(pk, "") for pk in build.institutions]
             if build.institutions is not None else None} for build in builds]
    return render(request, "metas/staff/files.html",
                  {"rows": rows, "may_retry": is_publisher(request.user)})


@login_required
@require_POST
def staff_files_retry(request, pk):
    build = get_object_or_404(FileBuild, pk=pk)
    if not build.may_retry:
        messages.info(request, _("These files are already being prepared."))
        return redirect("metas:staff-files")
    if not is_publisher(request.user) or not readable_builds(request.user, [build]):
        return _forbidden(request)
    with transaction.atomic():
        publication.retry_files(build)
    messages.info(request, _("The files will be prepared again in a moment."))
    return redirect("metas:staff-files")


def _institution_names(builds) -> dict[int, str]:
    pks = {pk for build in builds for pk in (build.institutions or ())}
    return dict(Institution.objects.filter(pk__in=pks).values_list("pk", "name"))


def _forbidden(request):
    """The staff area's Spanish 403 page, as metas.staff.views.forbidden writes it."""
    context = {"institution": None, "action": "publish"}
    return render(request, "metas/staff/forbidden.html", context, status=403)
