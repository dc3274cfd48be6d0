"""The staff area, /gestion/: upload a month's report, check its preview, publish or cancel it,
and read the import log.

Only users with the permission to add reports may upload, and only for the institutions they
are assigned to (superusers: all). Every attempt writes one ImportLog row: forbidden, rejected,
previewed, then accepted or cancelled. Nothing reaches the public site before "Publicar".

After "Publicar" the staff member lands on /gestion/publicado/<id>/, a staff page (the public
report page is cached and sets no cookies, so it cannot carry the confirmation). The same
upload published or cancelled again is answered with what became of it (409), never a 404.
The same people may withdraw a published report, with a reason, and restore it
(/gestion/reportes/): nothing is deleted, and both are in the import log.
"""
from __future__ import annotations

import errno
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import date as date_filter
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import history, publication
from ..accountability import compliance
from ..counts import Counts
from ..importer import Problem, ReportInvalid, import_report, record_attempt, run_attempt
from ..importer.result import form_label, role_label
from ..models import ImportLog, PendingUpload, Report
from . import pending as pending_uploads
from . import reading
from .files import latest_build_of
from .filters import ImportLogFilter
from .forms import UploadForm, UploadLimitHandler, WithdrawForm
from .permissions import (
    allowed_institutions,
    is_publisher,
    may_publish,
    may_read_log,
    may_see_pending,
    readable_log,
)
from .scan_review import review_context

WEB = ImportLog.Source.WEB
Outcome = ImportLog.Outcome
Decision = PendingUpload.Decision
State = PendingUpload.State
LOG_PAGE_SIZE = 50
REPORTS_PAGE_SIZE = 50


# --- Upload -------------------------------------------------------------------------------

@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def staff_upload(request):
    """The upload form. The size limit is enforced while the upload is read, which must be set
    up before the CSRF check reads the request body (Django docs, "Modifying upload handlers
    on the fly"); the check itself runs in `_upload`."""
    if request.method == "POST":
        request.upload_handlers.insert(0, UploadLimitHandler(request))
    return _upload(request)


@csrf_protect
def _upload(request):
    user = request.user
    if request.method == "GET":
        if not is_publisher(user):
            return forbidden(request)
        return _upload_page(request, UploadForm(user=user))

    form = UploadForm(
        request.POST,
        request.FILES,
        user=user,
        too_large=getattr(request, "upload_too_large", False),
    )
    if not is_publisher(user):
        _log_forbidden(request, form)
        return forbidden(request)
    if not form.is_valid():
        return _upload_page(request, form)

    institution = form.cleaned_data["institution"]
    period = form.cleaned_data["period"]
    sheet = form.cleaned_data["sheet"]
    files = form.input_files()
    stored = reading.for_worker(files) if may_publish(user, institution) else None
    if stored:
        # A scan (OCR) or a long PDF, bare or in a ZIP: stored now, read by the worker
        # (metas.staff.reading).
        return _read_by_worker(request, form, stored, institution, period, sheet)
    attempt = _run_web_attempt(
        request, files, institution, period, sheet=sheet, dry_run=True,
        allowed=may_publish(user, institution),
    )
    if attempt.outcome == Outcome.FORBIDDEN:
        return forbidden(request, institution=institution)
    if not attempt.accepted:
        return _upload_page(request, form, problems=attempt.problems)

    pending_uploads.discard_expired()
    try:
        pending = pending_uploads.keep(
            user=user,
            institution=institution,
            period=period,
            files=files,
            sheet=sheet,
        )
    except OSError as error:
        if error.errno != errno.ENOSPC:
            raise
        return _disk_full(request, form, files, institution, period)
    return redirect("metas:staff-preview", pk=pending.pk)


def _read_by_worker(request, form, files, institution, period, sheet):
    """The files stored as an upload being read; the answer, at once, is its page, which
    says how far the reading is until it becomes the preview."""
    pending_uploads.discard_expired()
    try:
        pending = reading.start(user=request.user, institution=institution, period=period,
                                files=files, sheet=sheet)
    except OSError as error:
        if error.errno != errno.ENOSPC:
            raise
        return _disk_full(request, form, files, institution, period)
    return redirect("metas:staff-preview", pk=pending.pk)


def _disk_full(request, form, files, institution, period):
    """No room left for the upload's files: keep() removed what it had written; the log says
    the attempt failed and the staff read why, instead of a 500."""
    problem = Problem("", _(
        "The server has no room left to keep these files, so nothing was kept. Tell the "
        "site's administrators; once they free some space, upload the files again."
    ))
    record_attempt(source=WEB, outcome=Outcome.FAILED, files=files, user=request.user,
                   institution=getattr(institution, "name", institution) or "", period=period,
                   problems=[problem])
    return _upload_page(request, form, problems=[problem])


def _upload_page(request, form, *, problems=()):
    context = {
        "form": form,
        "problems": problems,
        "institutions": allowed_institutions(request.user),
        # The user's uploads the worker is still reading: a way back to their pages.
        "being_read": PendingUpload.objects.filter(
            user=request.user, state=State.READING, decision="").order_by("created_at"),
    }
    return render(request, "metas/staff/upload.html", context)


def forbidden(request, *, institution=None, action="publish"):
    """The Spanish 403 page; `action` "withdraw" says the user may not withdraw or restore."""
    context = {"institution": institution, "action": action}
    return render(request, "metas/staff/forbidden.html", context, status=403)


# --- Preview, publish, cancel ---------------------------------------------------------------

def _own_pending(request, pk) -> PendingUpload:
    """The pending upload, if it is the user's own (superusers: anyone's); else 404, so that
    nobody learns of other people's uploads."""
    pending = get_object_or_404(
        PendingUpload.objects.select_related("institution", "user"), pk=pk
    )
    if not may_see_pending(request.user, pending):
        raise Http404
    return pending


def with_own_pending(view):
    """Calls `view(request, pending)` with the user's own pending upload `pk` (404 otherwise),
    refused (403) if the user may no longer publish for its institution."""

    @wraps(view)
    def checked(request, pk):
        pending = _own_pending(request, pk)
        if not may_publish(request.user, pending.institution):
            return forbidden(request, institution=pending.institution)
        return view(request, pending)

    return checked


@login_required
@require_GET
@with_own_pending
def staff_preview(request, pending):
    if pending.decision:  # Back to a preview already published or cancelled: its files are gone
        return redirect("metas:staff-published", pk=pending.pk)
    if pending.state == State.READING:
        return _reading_page(request, pending)
    if pending.state == State.REFUSED:
        return _refused_page(request, pending)
    files = pending_uploads.load(pending)
    try:
        result = import_report(
            files, sheet=pending_uploads.sheet(pending),
            institution=_institution_name(pending.institution), period=pending.period,
            user=request.user, dry_run=True,
        )
    except ReportInvalid as invalid:
        # The same bytes read fine at upload time; only a change of the importer gets here.
        return _upload_page(request, UploadForm(user=request.user), problems=invalid.problems)
    parsed, report = result.parsed, result.report
    # An institution that does not exist yet (a superuser's first upload) has no history.
    institution = report.institution if report.institution.pk else None
    existing = (
        Report.objects.select_related("published_by")
        .filter(institution=institution, period=report.period)
        .first()
        if institution
        else None
    )
    context = {
        "pending": pending,
        "parsed": parsed,
        "result": result,
        "report": report,
        "files": _file_rows(pending, parsed),
        "levels": _level_rows(parsed),
        "totals": result,
        "existing": existing,
        "changes": history.compare(parsed.goals, institution, report.period),
        "named_institution": parsed.institution,
        # The check the report page will show, as if published today: staff fix the file first.
        "check": compliance.check_parsed(parsed, report.period),
        **review_context(pending, parsed),  # what OCR read of a scan, to check
    }
    return render(request, "metas/staff/preview.html", context)


def _reading_page(request, pending):
    """The page of an upload the worker is reading: how far it is, reloading itself."""
    reading.recover_stalled(pending)
    if pending.state == State.REFUSED:  # stalled once too often
        return _refused_page(request, pending)
    context = reading.reading_context(pending)
    # Reloading by itself can be turned off (WCAG 2.2.1): a screen reader starts the page
    # again at each reload.
    context["reloads"] = request.GET.get("recarga") != "no"
    response = render(request, "metas/staff/reading.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _refused_page(request, pending):
    """The upload form with the problems the worker found, the institution, period and sheet
    as they were chosen, for the files to be sent again."""
    initial = {
        "institution": pending.institution_id,
        "period": pending.period.strftime("%Y-%m") if pending.period else "",
        "sheet": pending_uploads.sheet(pending) or "",
    }
    return _upload_page(request, UploadForm(user=request.user, initial=initial),
                        problems=pending_uploads.problems(pending))


@login_required
@require_POST
@with_own_pending
def staff_publish(request, pending):
    with transaction.atomic():
        # Locked, so that a double click cannot publish the same upload twice: the second
        # request waits here, then finds it decided.
        pending = _locked(pending)
        if pending.decision:
            return _decided(request, pending, again=True)
        if pending.state != State.READY:  # still being read, or refused: its page says so
            return redirect("metas:staff-preview", pk=pending.pk)
        attempt = _run_web_attempt(
            request, pending_uploads.load(pending), pending.institution, pending.period,
            sheet=pending_uploads.sheet(pending),
        )
        if attempt.accepted:
            pending_uploads.settle(pending, Decision.PUBLISHED, attempt.result.report)
    if not attempt.accepted:
        return _upload_page(request, UploadForm(user=request.user), problems=attempt.problems)
    return redirect("metas:staff-published", pk=pending.pk)


@login_required
@require_POST
@with_own_pending
def staff_cancel(request, pending):
    with transaction.atomic():
        pending = _locked(pending)
        if pending.decision:
            return _decided(request, pending, again=True)
        if pending.state == State.REFUSED:  # nothing kept to cancel: its page says why
            return redirect("metas:staff-preview", pk=pending.pk)
        record_attempt(
            source=WEB, outcome=Outcome.CANCELLED, files=pending_uploads.load(pending),
            user=request.user, institution=str(pending.institution or ""),
            period=pending.period,
        )
        pending_uploads.settle(pending, Decision.CANCELLED)
    messages.info(
        request,
        _("The upload of %(files)s was discarded; nothing was published.")
        % {"files": _file_names(pending)},
    )
    return redirect("metas:staff-upload")


@login_required
@require_GET
@with_own_pending
def staff_published(request, pending):
    """The confirmation after "Publicar" (what became of the upload, if it was decided)."""
    if not pending.decision:
        return redirect("metas:staff-preview", pk=pending.pk)
    return _decided(request, pending)


def _locked(pending) -> PendingUpload:
    """The pending upload again, locked until the transaction ends (404 if it expired)."""
    # of=("self",): the institution is optional (an outer join), and only the upload is locked.
    locked = (
        PendingUpload.objects.select_for_update(of=("self",)).select_related("institution")
        .filter(pk=pending.pk).first()
    )
    if locked is None:
        raise Http404
    return locked


def _decided(request, pending, *, again=False):
    """What became of a published or cancelled upload. `again`: it was posted once more
    (a double click, Back), so nothing was done now: 409."""
    report = (
        Report.objects.select_related("institution", "withdrawn_by")
        .filter(pk=pending.report_id).first()
        if pending.report_id else None
    )
    context = {
        "pending": pending,
        "report": report,
        "files": report and latest_build_of(request.user, report.institution_id,
                                            report.imported_at),
        "published": pending.decision == Decision.PUBLISHED,
        "again": again,
        "file_names": _file_names(pending),
    }
    return render(
        request, "metas/staff/decided.html", context, status=409 if again else 200
    )


def _file_names(pending) -> str:
    return ", ".join(entry["name"] for entry in pending.files)


# --- Withdraw and restore --------------------------------------------------------------------

@login_required
@require_GET
def staff_reports(request):
    """The published reports of the user's institutions, to withdraw or restore."""
    user = request.user
    if not is_publisher(user):
        return forbidden(request, action="withdraw")
    reports = (
        Report.objects.filter(institution__in=allowed_institutions(user))
        .select_related("institution", "published_by", "withdrawn_by")
        .order_by("institution__name", "-period")
    )
    page = Paginator(reports, REPORTS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "metas/staff/reports.html", {"page_obj": page})


def with_own_report(view):
    """Calls `view(request, report)` if the user may publish for the report's institution
    (403 otherwise, 404 for a report that does not exist)."""

    @wraps(view)
    def checked(request, pk):
        report = get_object_or_404(
            Report.objects.select_related("institution", "withdrawn_by"), pk=pk
        )
        if not may_publish(request.user, report.institution):
            return forbidden(request, institution=report.institution, action="withdraw")
        return view(request, report)

    return checked


@login_required
@require_http_methods(["GET", "POST"])
@with_own_report
def staff_withdraw(request, report):
    """GET: the confirmation step, which asks for the reason; POST: withdraw."""
    if report.withdrawn_at:
        return _back_to_reports(request, _("That report was already withdrawn."))
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if not form.is_valid():
        context = {"report": report, "form": form}
        return render(request, "metas/staff/withdraw.html", context)
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.withdrawn_at:  # someone else withdrew it meanwhile
            return _back_to_reports(request, _("That report was already withdrawn."))
        publication.withdraw(report, user=request.user, reason=form.cleaned_data["reason"])
    return _back_to_reports(request, _(
        "The report of %(period)s of %(institution)s was withdrawn from the public pages and "
        "downloads. It stays here and in the import log, and can be restored."
    ) % _report_names(report))


@login_required
@require_POST
@with_own_report
def staff_restore(request, report):
    with transaction.atomic():
        report = Report.objects.select_for_update().select_related("institution").get(
            pk=report.pk
        )
        if not report.withdrawn_at:
            return _back_to_reports(request, _("That report is already published."))
        publication.restore(report, user=request.user)
    return _back_to_reports(request, _(
        "The report of %(period)s of %(institution)s is published again."
    ) % _report_names(report))


def _report_names(report) -> dict:
    return {
        "period": date_filter(report.period, "YEAR_MONTH_FORMAT"),
        "institution": report.institution.name,
    }


def _back_to_reports(request, message) -> HttpResponseRedirect:
    messages.info(request, message)
    return redirect("metas:staff-reports")


# --- Import log -----------------------------------------------------------------------------

@login_required
@require_GET
def staff_import_log(request):
    user = request.user
    if not may_read_log(user):
        return forbidden(request)
    log = ImportLogFilter(request.GET, queryset=readable_log(user), user=user)
    page = Paginator(log.qs, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "metas/staff/import_log.html", {"page_obj": page, "filter": log})


# --- Helpers -----------------------------------------------------------------------------

def _institution_name(institution) -> str | None:
    return institution.name if institution else None


def _run_web_attempt(request, files, institution, period, *, sheet=None, dry_run=False,
                     allowed=True):
    """The importer's run_attempt for this request's user, logged as an upload from the page."""
    return run_attempt(
        files, source=WEB, user=request.user, institution=institution, period=period,
        sheet=sheet, dry_run=dry_run, allowed=allowed,
    )


def _log_forbidden(request, form):
    """A user without the permission tried to upload: log what they sent, read nothing."""
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    files = form.input_files() if "files" in data else []
    _run_web_attempt(request, files, data.get("institution"), data.get("period"), allowed=False)


def _file_rows(pending, parsed):
    """Each uploaded file with its size and SHA-256, and what the importer read in it (a ZIP's
    members are named "archive.zip/member")."""
    rows = []
    for entry in pending.files:
        read = [
            {
                "member": parsed_file.source.name[len(entry["name"]) + 1:],
                "role": role_label(parsed_file.role),
                "format": form_label(parsed_file),
                "encoding": parsed_file.encoding,
                "rows": parsed_file.row_count,
            }
            for parsed_file in parsed.files
            if parsed_file.source.name == entry["name"]
            or parsed_file.source.name.startswith(entry["name"] + "/")
        ]
        rows.append({"entry": entry, "read": read})
    return rows


def _level_rows(parsed):
    """The figures of each process level, in the report's order (Format B has no levels)."""
    by_level = {}
    for goal in parsed.goals:
        by_level.setdefault(goal.level, []).append(goal)
    order = list(parsed.levels) + [level for level in by_level if level not in parsed.levels]
    return [
        {"name": level, "counts": Counts.of_parsed(by_level[level])}
        for level in order
        if level in by_level
    ]
