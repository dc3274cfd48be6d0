"""Uploads waiting between the preview and "Publicar" or "Cancelar".

Their files are kept byte for byte under MEDIA_ROOT/pending/<id>/ with names the server chose
(1, 2, ...); the names the user gave are only shown. Only uploads the importer read without a
problem are kept, and those the worker reads (metas.staff.reading: "reading", then "ready" or
"refused"). Once published or cancelled its files go and the row stays, with the
decision and the report, so that the same upload posted again is answered with what became of it;
every pending upload, decided or not, is forgotten a day old.

A scanned PDF keeps its OCR reading beside it (metas.importer.scanned.Scan, as JSON: reading
the images again would take tens of seconds at each preview and at "Publicar"), and the
staff's corrections of what OCR read are kept in its entry, applied whenever it is read. A
long PDF the worker read keeps its reading too (metas.importer.pdf.PdfReading), for the same
reason.
"""
from __future__ import annotations

import os
from dataclasses import asdict
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from ..importer.parsed import InputFile, Problem
from ..importer.pdf import PdfReading
from ..importer.scanned import Scan
from ..models import PendingUpload

FOLDER = "pending"
MAX_AGE = timedelta(days=1)


def keep(*, user, institution, period, files: list[InputFile], sheet=None,
         state=PendingUpload.State.READY) -> PendingUpload:
    """Store the files and the pending upload that points to them; `sheet`, the worksheet the
    user chose in a workbook of several reports, is kept with them. `state` READING: the
    files are stored before they are read (metas.staff.reading)."""
    pending = PendingUpload(user=user, institution=institution, period=period, state=state)
    entries = []
    try:
        for number, file in enumerate(files, start=1):
            path = default_storage.save(f"{FOLDER}/{pending.pk}/{number}", ContentFile(file.data))
            entries.append({
                "name": file.name, "path": path, "size": len(file.data), "sha256": file.sha256,
                "sheet": sheet or "",
            })
            if file.scan is not None:
                entries[-1]["scan"] = default_storage.save(
                    f"{FOLDER}/{pending.pk}/{number}.ocr.json",
                    ContentFile(file.scan.to_json().encode("utf-8")),
                )
        pending.files = entries
        pending.save(force_insert=True)
    except BaseException:
        _delete_files(pending.pk, _paths(entries))
        raise
    return pending


def keep_readings(pending: PendingUpload, files: list[InputFile]) -> None:
    """The worker read the upload without a problem: each scan's OCR reading and each PDF's
    reading kept beside it, and the upload ready for its preview."""
    entries = [dict(entry) for entry in pending.files]
    written = []
    try:
        for number, (entry, file) in enumerate(zip(entries, files), start=1):
            for key, reading, suffix in (("scan", file.scan, "ocr"), ("pdf", file.reading, "pdf")):
                if reading is not None and not entry.get(key):
                    entry[key] = default_storage.save(
                        f"{FOLDER}/{pending.pk}/{number}.{suffix}.json",
                        ContentFile(reading.to_json().encode("utf-8")),
                    )
                    written.append(entry[key])
        pending.files, pending.state = entries, PendingUpload.State.READY
        pending.save(update_fields=["files", "state"])
    except BaseException:
        for path in written:
            default_storage.delete(path)
        raise


def refuse(pending: PendingUpload, problems: list[Problem]) -> None:
    """The worker found problems in the upload: they are kept for its page, its files go."""
    pending.state = PendingUpload.State.REFUSED
    pending.problems = [asdict(problem) for problem in problems]
    pending.save(update_fields=["state", "problems"])
    paths, pk = _paths(pending.files), pending.pk
    transaction.on_commit(lambda: _delete_files(pk, paths))


def problems(pending: PendingUpload) -> list[Problem]:
    """The problems the worker found (refuse())."""
    return [Problem(**problem) for problem in pending.problems]


def _paths(entries: list[dict]) -> list[str]:
    """Every file an upload keeps: the files, the OCR reading of a scan, a PDF's reading."""
    return [path for entry in entries
            for path in (entry["path"], entry.get("scan"), entry.get("pdf")) if path]


def load(pending: PendingUpload) -> list[InputFile]:
    """The files as uploaded; a scan with its OCR reading and the staff's corrections."""
    files = []
    for entry in pending.files:
        with default_storage.open(entry["path"], "rb") as stored:
            files.append(InputFile(name=entry["name"], data=stored.read(), scan=scan_of(entry),
                                   reading=pdf_reading_of(entry)))
    return files


def pdf_reading_of(entry: dict) -> PdfReading | None:
    if not entry.get("pdf"):
        return None
    with default_storage.open(entry["pdf"], "rb") as stored:
        return PdfReading.from_json(stored.read().decode("utf-8"))


def scan_of(entry: dict) -> Scan | None:
    if not entry.get("scan"):
        return None
    with default_storage.open(entry["scan"], "rb") as stored:
        scan = Scan.from_json(stored.read().decode("utf-8"))
    scan.corrections = {
        (page, row, column): text for page, row, column, text in entry.get("corrections", [])
    }
    return scan


def correct(pending: PendingUpload, name: str, corrections: dict) -> None:
    """Keeps the staff's corrections of the scan `name` ((page, row, column) -> text), in
    place of the earlier ones."""
    for entry in pending.files:
        if entry["name"] == name and entry.get("scan"):
            entry["corrections"] = [[*key, text] for key, text in sorted(corrections.items())]
    pending.save(update_fields=["files"])


def sheet(pending: PendingUpload) -> str | None:
    """The worksheet the user chose, if any."""
    return next((entry.get("sheet") for entry in pending.files if entry.get("sheet")), None)


def discard(pending: PendingUpload) -> None:
    """Delete the pending upload, and its files once the transaction (if any) commits."""
    paths = _paths(pending.files)
    pk = pending.pk
    pending.delete()
    transaction.on_commit(lambda: _delete_files(pk, paths))


def settle(pending: PendingUpload, decision: str, report=None) -> None:
    """Record what became of the upload and delete its files once the transaction commits."""
    pending.decision, pending.report = decision, report
    pending.save(update_fields=["decision", "report"])
    paths = _paths(pending.files)
    pk = pending.pk
    transaction.on_commit(lambda: _delete_files(pk, paths))


def expired(now=None):
    """The uploads older than MAX_AGE: those nobody published or cancelled, and the records
    of those decided."""
    return PendingUpload.objects.filter(created_at__lt=(now or timezone.now()) - MAX_AGE)


def discard_expired(now=None) -> int:
    """Forget the expired uploads, and their files; returns how many."""
    uploads = list(expired(now))
    for pending in uploads:
        discard(pending)
    return len(uploads)


def orphan_folders(now=None) -> list[str]:
    """Folders under MEDIA_ROOT/pending/ that no pending upload owns (an upload killed while
    its files were written), older than MAX_AGE."""
    if not default_storage.exists(FOLDER):
        return []
    owned = {str(pk) for pk in PendingUpload.objects.values_list("pk", flat=True)}
    cutoff = (now or timezone.now()) - MAX_AGE
    orphans = []
    for name in default_storage.listdir(FOLDER)[0]:
        files = default_storage.listdir(f"{FOLDER}/{name}")[1]
        paths = [f"{FOLDER}/{name}/{file}" for file in files]
        if name not in owned and all(
            default_storage.get_modified_time(path) < cutoff for path in paths
        ):
            orphans.append(f"{FOLDER}/{name}")
    return orphans


def delete_folder(folder: str) -> None:
    """A pending folder and its files."""
    files = default_storage.listdir(folder)[1]
    _delete_files(folder.rsplit("/", 1)[-1], [f"{folder}/{file}" for file in files])


def _delete_files(pk, paths) -> None:
    for path in paths:
        default_storage.delete(path)
    # And what a failed write left in the upload's own folder (a full disk leaves the file it
    # was writing, under a name no entry records yet).
    folder = f"{FOLDER}/{pk}"
    try:
        _folders, left = default_storage.listdir(folder)
    except (NotImplementedError, OSError):
        left = []
    for name in left:
        default_storage.delete(f"{folder}/{name}")
    # The folder itself, when the storage is a local folder (the default).
    try:
        os.rmdir(default_storage.path(f"{FOLDER}/{pk}"))
    except (NotImplementedError, OSError):
        pass
