"""A scan or a long PDF read by the worker, off the staff's request.

OCR of a 13-page scan takes tens of seconds of both processors, and a long PDF several
seconds: inside the upload's request that is a page that stays blank, and may outlast the web
worker's timeout (30 s). So the upload (views._upload) only stores the files, as a pending
upload "reading" (metas.staff.pending.keep), and answers at once with a page that says how far
the reading is and reloads itself (views.staff_preview shows it while the upload is read):

    stored = for_worker(files)        # None: the request reads them
    if stored: pending = start(user, institution, period, stored, sheet)
    read_upload                       # the task (django-tasks' database backend), which
                                      # `manage.py db_worker` runs
    reading_context(pending)          # what the page says

The task reads the files as the request did (each scan by OCR, then the dry run, which writes
the import log's "previewed" or "rejected" row for the uploader), keeps each scan's reading
and makes the upload "ready": the same address is then its preview. With problems, the upload
is "refused", its problems kept and its files deleted: the address then shows the upload form
with them. Small born-digital files (a spreadsheet, a PDF of up to PDF_PAGES_IN_REQUEST
pages and PDF_BYTES_IN_REQUEST bytes, as the month's report is) are still read in the request:
under a second or two, and their preview at once.

A ZIP archive holding a scan or a long PDF (the month's files zipped) goes the same way: it is
stored as its members, each named "archive.zip/member" as the preview names them, so that each
member is read by the worker and keeps its reading as a bare file would (the scan's review,
its corrections, "Publicar", read from the member's entry).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pypdfium2
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task  # the backport of django.tasks (Django 6)

from ..importer import Problem, run_attempt
from ..importer.parsed import InputFile
from ..importer.pdf import read_pdfs, reporting_progress
from ..importer.sources import expand_archives, is_plain_archive
from ..models import ImportLog, PendingUpload
from . import pending as pending_uploads
from .permissions import may_publish

logger = logging.getLogger(__name__)
State = PendingUpload.State

PDF_PAGES_IN_REQUEST = 20
PDF_BYTES_IN_REQUEST = 5 * 1024 * 1024
# A reading not started this long after the upload: the worker is stopped or busy, and the
# page says so. One that moved no further for READING_STALLED: its worker stopped halfway,
# and it is enqueued again (up to MAX_STARTS times in all).
WAITING_LONG = timedelta(minutes=1)
READING_STALLED = timedelta(minutes=10)
MAX_STARTS = 2
REFRESH_SECONDS = 3  # how often the page reloads itself while the upload is read


def for_worker(files: list[InputFile]) -> list[InputFile] | None:
    """The files as the worker is to read and keep them, or None when the request reads them
    (no scan, no PDF over the limits, bare or in a ZIP archive). An archive holding one is
    replaced by its members; one with problems (a member protected with a password, damaged,
    or over the bounds) is kept whole, for the worker's reading to say them."""
    stored, needed = [], False
    for file in files:
        members, problems = expand_archives([file])  # [file] itself when not an archive
        needed = needed or any(worker_reads(member) for member in members)
        stored.extend(members if is_plain_archive(file.data) and not problems else [file])
    return stored if needed else None


def worker_reads(file: InputFile) -> bool:
    """Whether the file is read by the worker: a scan, or a PDF over the limits."""
    # Imported here: metas.importer.ocr loads OpenCV, which a web worker needs only for uploads.
    from ..importer.ocr import is_scan

    if not file.data.startswith(b"%PDF-"):
        return False
    return (len(file.data) > PDF_BYTES_IN_REQUEST or page_count(file) > PDF_PAGES_IN_REQUEST
            or is_scan(file))


def page_count(file: InputFile) -> int:
    try:
        document = pypdfium2.PdfDocument(file.data)
    except pypdfium2.PdfiumError:
        return 0  # damaged: the request's own reading says so at once
    try:
        return len(document)
    finally:
        document.close()


def start(*, user, institution, period, files: list[InputFile], sheet=None) -> PendingUpload:
    """The files stored as an upload being read, and the task that reads them enqueued once
    the transaction (if any) commits."""
    pending = pending_uploads.keep(user=user, institution=institution, period=period,
                                   files=files, sheet=sheet, state=State.READING)
    transaction.on_commit(lambda: read_upload.enqueue(str(pending.pk)))
    return pending


@task()
def read_upload(pending_pk: str) -> str:
    """The task: reads a pending upload's files, then makes it ready or refused."""
    pending = (PendingUpload.objects.select_related("institution", "user")
               .filter(pk=pending_pk, state=State.READING, decision="").first())
    if pending is None:
        return "skipped"  # already read, or expired
    with translation.override(settings.LANGUAGE_CODE):
        try:
            return read(pending)
        except Exception:
            logger.exception("An upload could not be read (pending upload %s)", pending.pk)
            pending_uploads.refuse(pending, [Problem("", _(
                "Reading the files failed unexpectedly; the error was recorded for the site's "
                "administrators. Upload the files again, or try later."
            ))])
            return "failed"


def read(pending: PendingUpload) -> str:
    # Imported here: metas.importer.ocr loads OpenCV.
    from ..importer.ocr import read_scans

    def report(done: int, total: int) -> None:
        note_progress(pending, done, total)

    note_start(pending)
    files = read_scans(pending_uploads.load(pending), report)
    with reporting_progress(report):
        files = read_pdfs(files)  # kept, so that the preview reads no page again
        attempt = run_attempt(
            files, source=ImportLog.Source.WEB, user=pending.user,
            institution=pending.institution, period=pending.period,
            sheet=pending_uploads.sheet(pending), dry_run=True,
            allowed=may_publish(pending.user, pending.institution),
        )
    if not attempt.accepted:
        pending_uploads.refuse(pending, attempt.problems)
        return "refused"
    pending_uploads.keep_readings(pending, files)
    return "read"


def note_start(pending: PendingUpload) -> None:
    """The task starts reading (again, after a worker stopped halfway: recover_stalled)."""
    note_progress(pending, 0, 0, starts=pending.progress.get("starts", 0) + 1)


def note_progress(pending: PendingUpload, done: int, total: int, starts=None) -> None:
    """How far the reading is, kept for the page: `done` of `total` pages."""
    pending.progress = {"done": done, "total": total,
                        "starts": pending.progress.get("starts", 1) if starts is None else starts,
                        "at": timezone.now().isoformat()}
    PendingUpload.objects.filter(pk=pending.pk).update(progress=pending.progress)


def reading_context(pending: PendingUpload, now=None) -> dict:
    """What the page of an upload being read says: how far it is, or that it waits."""
    now = now or timezone.now()
    progress = pending.progress
    started = bool(progress)
    last = datetime.fromisoformat(progress["at"]) if started else pending.created_at
    return {
        "pending": pending,
        "started": started,
        "done": progress.get("done", 0),
        "total": progress.get("total", 0),
        "waiting_long": not started and now - pending.created_at > WAITING_LONG,
        "stalled": started and now - last > READING_STALLED,
        "refresh": REFRESH_SECONDS,
        "file_names": ", ".join(entry["name"] for entry in pending.files),
        "expires": pending.created_at + pending_uploads.MAX_AGE,
    }


def recover_stalled(pending: PendingUpload, now=None) -> None:
    """A reading whose worker stopped halfway (no page read for READING_STALLED) is
    enqueued again, up to MAX_STARTS times in all; then the upload is refused, saying so."""
    now = now or timezone.now()
    progress = pending.progress
    if not progress or now - datetime.fromisoformat(progress["at"]) <= READING_STALLED:
        return
    if progress.get("starts", 1) >= MAX_STARTS:
        pending_uploads.refuse(pending, [Problem("", _(
            "Reading the files stopped halfway twice, so it was given up. Upload the files "
            "again; if a scan, scan it at 200 to 300 dpi, or upload the report's spreadsheet."
        ))])
        return
    PendingUpload.objects.filter(pk=pending.pk).update(
        progress={**progress, "at": now.isoformat()})
    transaction.on_commit(lambda: read_upload.enqueue(str(pending.pk)))
