"""The original files of each stored report, kept by their content's name (its SHA-256).

    files = store_files(report, parsed, saved)   # inside store_report's transaction
    unreferenced_files()                         # what the cleanup_files command removes

An original is written (under its content's name) before the transaction commits, so a
committed SourceFile always has its file; the same bytes imported again share one file. A
process killed in between leaves a file no SourceFile refers to: unreferenced_files() finds
those, once they are older than any import takes (SWEEP_GRACE), for cleanup_files to remove.
"""
from __future__ import annotations

import os
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from metas.models import Report, SourceFile

from .parsed import ParsedReport

ORIGINALS = "reports"  # the folder of MEDIA_ROOT where SourceFile keeps the originals
SWEEP_GRACE = timedelta(hours=1)  # far longer than an import takes


def store_files(report: Report, parsed: ParsedReport, saved: list) -> dict[str, SourceFile]:
    """The original bytes of each file, under a name the server chooses (its SHA-256)."""
    files = {}
    for parsed_file in parsed.files:
        source = parsed_file.source
        record = SourceFile(
            report=report,
            role=parsed_file.role,
            original_name=source.name[-SourceFile._meta.get_field("original_name").max_length:],
            sha256=source.sha256,
            size=len(source.data),
            detected_format=parsed_file.detected_format,
            encoding=parsed_file.encoding,
            row_count=parsed_file.row_count,
            read_by_ocr=parsed_file.ocr,
        )
        name = record.file.field.generate_filename(record, source.name)
        if default_storage.exists(name):
            record.file.name = name  # the same bytes are already stored
            touch(name)  # newly wanted: the sweep's grace period starts again
        else:
            record.file.save(source.name, ContentFile(source.data), save=False)
            saved.append(record.file.name)
        record.save()
        files[source.name] = record
    return files


def touch(name: str) -> None:
    try:
        os.utime(default_storage.path(name))
    except (NotImplementedError, OSError):
        pass  # a storage without local paths keeps its own times


def delete_unreferenced(names: list[str]) -> None:
    """Removes replaced files that no report refers to any more (files are stored by
    content, so a re-imported file is shared with the new report)."""
    still_used = set(SourceFile.objects.filter(file__in=names).values_list("file", flat=True))
    for name in set(names) - still_used:
        default_storage.delete(name)


def unreferenced_files(now=None) -> list[str]:
    """The originals under MEDIA_ROOT/reports/ that no SourceFile refers to, written more than
    SWEEP_GRACE ago (a younger one may belong to an import under way): left by a killed
    import."""
    referenced = set(SourceFile.objects.values_list("file", flat=True))
    cutoff = (now or timezone.now()) - SWEEP_GRACE
    return [
        name for name in stored_names(ORIGINALS)
        if name not in referenced and default_storage.get_modified_time(name) < cutoff
    ]


def stored_names(folder: str) -> list[str]:
    if not default_storage.exists(folder):
        return []
    folders, files = default_storage.listdir(folder)
    names = [f"{folder}/{name}" for name in sorted(files)]
    for name in sorted(folders):
        names += stored_names(f"{folder}/{name}")
    return names
