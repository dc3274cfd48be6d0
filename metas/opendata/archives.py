"""Each published month as one ZIP at a fixed address, /datos/<institution>/<YYYY-MM>.zip:

    <institution>-<YYYY-MM>/
        originales/<file>       the files the report was read from, byte for byte
        metas.csv               its goals, as /metas.csv writes them
        datapackage.json        metas.csv described (metas.opendata.datapackage)
        SHA256SUMS              every other file's SHA-256 (`sha256sum -c SHA256SUMS`)

    archives.rebuild([institution.pk], reports=[report.pk])   # the worker, after it publishes
    archives.listed()                    # what /datos/archivos/ lists

Built once at publication (after the downloads' parts, whose CSV lines it reuses), never on
request. A month whose contents did not change is not written again; the ZIP of a withdrawn
or replaced report is removed. Files are written under a temporary name and moved into place.
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..models import Goal, Institution, MonthArchive, Report
from . import datapackage, downloads
from .columns import goal_columns
from .exports import csv_header, csv_lines, export_goals

logger = logging.getLogger(__name__)

CSV_NAME = "metas.csv"
ORIGINALS = "originales"
_UNSAFE = re.compile(r"[^\w.\- ]+")


def name_of(report: Report) -> str:
    return f"{report.institution.slug}-{report.period_slug}.zip"


def listed():
    """The archives of published reports, newest month first within each institution."""
    return (
        MonthArchive.objects.published()
        .select_related("report__institution")
        .order_by("report__institution__name", "-report__period")
    )


def rebuild(institution_ids: list[int] | None = None,
            reports: list[int] | None = None) -> list[MonthArchive]:
    """Write the ZIP of each published report of these institutions (every one's when None;
    only `reports` among them when given, and any missing) whose contents changed, and
    remove those of reports no longer published."""
    institutions = Institution.objects.all()
    if institution_ids is not None:
        institutions = institutions.filter(pk__in=institution_ids)
    built = []
    with translation.override(settings.LANGUAGE_CODE):
        columns = goal_columns(absolute_url=downloads.site_url)
        for institution in institutions:
            withdrawn = MonthArchive.objects.withdrawn().filter(report__institution=institution)
            for archive in withdrawn:
                _remove(archive)
            published = institution.reports.published().select_related("institution", "archive")
            for report in published:
                if reports is None or report.pk in reports or not _has_archive(report):
                    built.append(_build(report, columns))
    _remove_orphans()
    return built


def _has_archive(report: Report) -> bool:
    archive = getattr(report, "archive", None)
    return archive is not None and downloads.path_of(archive.name).exists()


def _remove(archive: MonthArchive) -> None:
    downloads.path_of(archive.name).unlink(missing_ok=True)
    archive.delete()


def _remove_orphans() -> None:
    """ZIPs no archive row names: their report was replaced or deleted since."""
    names = set(MonthArchive.objects.values_list("name", flat=True))
    for path in downloads.root().glob("*.zip"):
        if path.name not in names:
            path.unlink(missing_ok=True)


def _build(report: Report, columns) -> MonthArchive:
    folder = name_of(report).removesuffix(".zip")
    members = _members(report, columns)
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in members)
    members.append(("SHA256SUMS", sums.encode("utf-8")))
    contents = hashlib.sha256(sums.encode("utf-8")).hexdigest()
    existing = MonthArchive.objects.filter(report=report).first()
    path = downloads.path_of(name_of(report))
    if existing and existing.contents_sha256 == contents and path.exists():
        return existing
    size, sha256 = _write_zip(path, folder, members, report)
    archive, _created = MonthArchive.objects.update_or_create(
        report=report,
        defaults={"name": path.name, "size": size, "sha256": sha256,
                  "contents_sha256": contents, "built_at": timezone.now()},
    )
    return archive


def _members(report: Report, columns) -> list[tuple[str, bytes]]:
    """(name in the folder, bytes) of the CSV, the originals and the datapackage.json."""
    csv_data = _csv(report, columns).encode("utf-8")
    originals = []
    used = set()
    for source in report.files.order_by("pk"):
        try:
            with default_storage.open(source.file.name, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            logger.warning("Original file %s of %s is missing", source.file.name, report)
            continue
        originals.append((_original_name(source, used), data, source))
    rows = Goal.objects.filter(report=report).count()
    descriptor = _descriptor(report, columns, csv_data, rows, originals)
    return [
        (CSV_NAME, csv_data),
        ("datapackage.json", datapackage.dumps(descriptor)),
        *((name, data) for name, data, _source in originals),
    ]


def _csv(report: Report, columns) -> str:
    """The month's goals as CSV: the downloads' part of the report when it is there (written
    just before, at the same publication), else read from the database."""
    part = downloads.part_path(report.institution_id, report.pk, "csv")
    if part is not None and part.exists():
        lines = part.read_bytes().decode("utf-8")  # as written: CSV lines end in \r\n
    else:
        goals = export_goals(Goal.objects.filter(report=report).order_by("position"))
        lines = "".join(csv_lines(goals, columns))
    return csv_header(columns) + lines


def _original_name(source, used: set) -> str:
    base = _UNSAFE.sub("_", Path(source.original_name.replace("\\", "/")).name).strip() or "archivo"
    name = f"{ORIGINALS}/{base}"
    if name in used:
        name = f"{ORIGINALS}/{source.pk}-{base}"
    used.add(name)
    return name


def _descriptor(report, columns, csv_data: bytes, rows: int, originals) -> dict:
    site_url = downloads.site_url
    query = f"?institucion={report.institution.slug}&periodo={report.period_slug}"
    sources = [
        {"title": _("%(file)s, as the institution published it (in %(folder)s/)")
            % {"file": source.original_name, "folder": ORIGINALS},
         "path": site_url(reverse("metas:source-file-download",
                                  args=[report.institution.slug, report.period, source.pk]))}
        for _name, _data, source in originals
    ]
    sources.append({"title": _("The report's page"), "path": site_url(report.get_absolute_url())})
    title = _("Goals of %(institution)s, report of %(period)s") % {
        "institution": report.institution.name, "period": report.period_slug}
    return datapackage.package(
        name_of(report).removesuffix(".zip"),
        title,
        _("The goals of one month's LOTAIP report, with its original files."),
        [datapackage.csv_resource(
            "metas", CSV_NAME, columns, rows=rows, size=len(csv_data),
            sha256=hashlib.sha256(csv_data).hexdigest(), title=CSV_NAME,
        )],
        absolute_url=site_url,
        homepage=site_url(reverse("metas:goal-list") + query),
        sources=sources,
        filters={"institucion": report.institution.slug, "periodo": report.period_slug},
    )


def _write_zip(path: Path, folder: str, members, report) -> tuple[int, str]:
    """The ZIP with fixed member dates (the report's import), so equal contents give equal
    bytes; (size, SHA-256)."""
    stamp = timezone.localtime(report.imported_at).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    data = buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)  # never left behind, whatever failed
    return len(data), hashlib.sha256(data).hexdigest()
