"""The staff's check of a scanned report before "Publicar": each cell's image, and the
staff's corrections of what OCR read.

The preview (views.staff_preview) lists the goals marked for review
(metas.importer.scanned.review, through scan_review.review_context); each cell's image comes
from staff_scan_cell. staff_scan_corrections checks the corrections as any cell is checked (the
report is read again with them, as "Publicar" will read it) and keeps them with the upload
(metas.staff.pending.correct), or refuses them with the problems and keeps nothing.
"""
from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..importer import ReportInvalid, import_report
from ..importer.parsed import InputFile
from ..models import PendingUpload
from . import pending as pending_uploads
from .permissions import may_publish
from .views import _institution_name, _own_pending, forbidden, with_own_pending

# A correction's field in the form: c-<file>-<page>-<row>-<column>.
CORRECTION = re.compile(r"c-(\d{1,3})-(\d{1,4})-(\d{1,5})-(\d{1,3})")
MAX_CORRECTION_CHARS = 10_000  # as metas.importer.cells.MAX_CELL_CHARS


@login_required
@require_GET
def staff_scan_cell(request, pk, number, page, row, column):
    """The image of a cell of a pending scan, as it was read."""
    pending = _own_pending(request, pk)
    if not may_publish(request.user, pending.institution):
        return forbidden(request, institution=pending.institution)
    entry, scan = _scan(pending, number)
    scan_page = scan.page(page)
    if scan_page is None or not 1 <= row <= len(scan_page.rows):
        raise Http404
    cells = scan_page.rows[row - 1].cells
    if not 0 <= column < len(cells) or cells[column].box is None:
        raise Http404
    with default_storage.open(entry["path"], "rb") as stored:
        data = stored.read()
    # Imported here: metas.importer.ocr loads OpenCV, which only a scan's review needs.
    from ..importer.ocr import cell_image

    image = cell_image(InputFile(entry["name"], data), scan_page, cells[column].box)
    response = HttpResponse(image, content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
@with_own_pending
def staff_scan_corrections(request, pending):
    """Keeps the staff's corrections of what OCR read, once the report reads well with them."""
    if pending.decision:
        return redirect("metas:staff-published", pk=pending.pk)
    if pending.state != PendingUpload.State.READY:  # still being read: its page says so
        return redirect("metas:staff-preview", pk=pending.pk)
    corrections = _posted_corrections(request.POST, pending)
    files = pending_uploads.load(pending)
    for file in files:
        if file.scan is not None:
            file.scan.corrections = {**file.scan.corrections, **corrections.get(file.name, {})}
            file.scan.corrections = {
                key: text for key, text in file.scan.corrections.items()
                if _read(file.scan, key) not in (None, text)
            }
    try:
        import_report(
            files, sheet=pending_uploads.sheet(pending),
            institution=_institution_name(pending.institution), period=pending.period,
            user=request.user, dry_run=True,
        )
    except ReportInvalid as invalid:
        messages.error(request, _(
            "The corrections were not kept: with them, the report has these problems."))
        for problem in invalid.problems:
            messages.error(request, str(problem))
        return redirect(reverse("metas:staff-preview", args=[pending.pk]) + "#revisar")
    for file in files:
        if file.scan is not None:
            pending_uploads.correct(pending, file.name, file.scan.corrections)
    messages.info(request, _("The corrections were kept; check the preview again."))
    return redirect(reverse("metas:staff-preview", args=[pending.pk]) + "#revisar")


def _posted_corrections(data, pending) -> dict[str, dict]:
    """{file name: {(page, row, column): text}} from the form's c-… fields."""
    names = {number: entry["name"] for number, entry in enumerate(pending.files, start=1)}
    corrections: dict[str, dict] = {}
    for field, value in data.items():
        match = CORRECTION.fullmatch(field)
        if match is None or int(match[1]) not in names:
            continue
        number, page, row, column = map(int, match.groups())
        text = " ".join(value[:MAX_CORRECTION_CHARS + 1].split())
        corrections.setdefault(names[number], {})[(page, row, column)] = text
    return corrections


def _read(scan, key) -> str | None:
    """What OCR read in the cell (page, row, column), None for a cell that is not there."""
    page, row, column = key
    scan_page = scan.page(page)
    if scan_page is None or not 1 <= row <= len(scan_page.rows):
        return None
    cells = scan_page.rows[row - 1].cells
    return cells[column].text if 0 <= column < len(cells) else None


def _scan(pending, number):
    if not 1 <= number <= len(pending.files) or not pending.files[number - 1].get("scan"):
        raise Http404
    entry = pending.files[number - 1]
    return entry, pending_uploads.scan_of(entry)

