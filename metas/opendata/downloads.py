"""The whole data set as prebuilt files, so that the largest downloads never stream from the
database: every goal of every period, each institution's latest report, and every month (the
goals of every institution's report of that month: /metas.csv?periodo=2019-08), as CSV and JSON.

    downloads.rebuild([institution.pk])    # after it publishes (metas.publication does it)
    downloads.rebuild()                    # everything (the build_downloads command)
    downloads.current("metas-todos.csv")   # the Download row, if it holds the latest publication
    downloads.datapackage({"periodo": "todos"})   # its datapackage.json, from the same rows

Each report's rows are written once, as a part (DOWNLOADS_ROOT/partes/<institution>/<report>),
when its institution publishes; the whole files are then the parts put together, which takes a
fraction of a second whatever the number of reports. Files are written under a temporary name
and moved into place, so a reader never sees half a file.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy

from .. import periods
from ..filters import DEFAULT_ORDER
from ..models import Download, Goal, Institution, Report
from .columns import goal_columns
from .datapackage import csv_resource, json_resource, package
from .exports import (
    JSON_CLOSING,
    csv_header,
    csv_lines,
    export_goals,
    json_opening,
    json_records,
)


@dataclass(frozen=True)
class Selection:
    """One prebuilt set of goals: the query of /metas.csv it answers, and its reports."""

    stem: str  # the file name without extension
    query: dict[str, str]  # the goal list's filters it equals
    latest_only: bool
    description: str
    period: date | None = None  # a month's selection: the reports of that month


def month_selection(period: date) -> Selection:
    slug = periods.slug(period)
    return Selection(
        f"metas-{slug}", {"periodo": slug}, latest_only=False,
        description=format_lazy(gettext_lazy("the goals of every report of {month}"),
                                month=periods.label(period)),
        period=period,
    )


def month_selections() -> list[Selection]:
    """One selection for each month with a published report, newest first."""
    months = (Report.objects.published().order_by("-period")
              .values_list("period", flat=True).distinct())
    return [month_selection(period) for period in months]


SELECTIONS = [
    Selection("metas-todos", {"periodo": "todos"}, latest_only=False,
              description=gettext_lazy("every goal of every period")),
    Selection("metas-recientes", {}, latest_only=True,
              description=gettext_lazy("the goals of each institution's latest report")),
]
FORMATS = ("csv", "json")
# A report's part of each format: CSV lines, or one JSON record per line.
PART_SUFFIX = {"csv": "csv", "json": "jsonl"}


def root() -> Path:
    return Path(settings.METAS_DOWNLOADS_ROOT or Path(settings.MEDIA_ROOT) / "descargas")


def path_of(name: str) -> Path:
    return root() / name


def for_query(query: dict[str, str], extension: str) -> Download | None:
    """The prebuilt file that answers a goal-list query (its filters, "orden" as published
    included), if it holds the latest publication."""
    selection = selection_for(query)
    return current(f"{selection.stem}.{extension}") if selection else None


def selection_for(query: dict[str, str]) -> Selection | None:
    filters = {key: value for key, value in query.items() if value != ""}
    if filters.get("orden") == DEFAULT_ORDER:
        del filters["orden"]
    for selection in SELECTIONS:
        if filters == selection.query:
            return selection
    if filters.keys() == {"periodo"} and (period := periods.parse(filters["periodo"])):
        return month_selection(period)
    return None


def datapackage(query: dict[str, str]) -> dict | None:
    """The Data Package of the prebuilt CSV and JSON that answer a goal-list query, written
    from their Download rows (size, rows, SHA-256), so it always describes the files served;
    None when they are not current (the export then streams, and so is described)."""
    selection = selection_for(query)
    files = {extension: current(f"{selection.stem}.{extension}") for extension in FORMATS} \
        if selection else {}
    if not files.get("csv"):
        return None
    with translation.override(settings.LANGUAGE_CODE):
        columns = goal_columns(absolute_url=site_url)
        query_string = f"?{urlencode(selection.query)}" if selection.query else ""
        resources = [csv_resource(
            f"{selection.stem}-csv", site_url(reverse("metas:goal-export-csv") + query_string),
            columns, rows=files["csv"].rows, size=files["csv"].size,
            sha256=files["csv"].sha256, title=f"{selection.stem}.csv",
        )]
        if files.get("json"):
            resources.append(json_resource(
                f"{selection.stem}-json",
                site_url(reverse("metas:goal-export-json") + query_string),
                size=files["json"].size, sha256=files["json"].sha256,
                title=f"{selection.stem}.json",
            ))
        return package(
            selection.stem,
            str(gettext_lazy("Goals and objectives of the LOTAIP reports")),
            capfirst(str(selection.description)) + ".",
            resources,
            absolute_url=site_url,
            homepage=site_url(reverse("metas:goal-list") + query_string),
            sources=[{
                "title": str(gettext_lazy("The reports as each institution published them")),
                "path": site_url(reverse("metas:report-list")),
            }],
            filters=selection.query,
        )


def listed() -> list[dict]:
    """The current files, for /datos/: [{"download", "url", "description"}], in two queries."""
    version = Institution.objects.version()
    built = {download.name: download for download in Download.objects.filter(version=version)}
    files = []
    for selection in SELECTIONS:
        for extension in FORMATS:
            download = built.get(f"{selection.stem}.{extension}")
            if download is not None and path_of(download.name).exists():
                query = f"?{urlencode(selection.query)}" if selection.query else ""
                url = reverse(f"metas:goal-export-{extension}") + query
                files.append({"download": download, "url": url,
                              "description": selection.description})
    return files


def current(name: str) -> Download | None:
    """The file's row if it holds the latest publication (one query: a repeated download is
    answered with little more than this)."""
    download = Download.objects.filter(
        name=name, version=Institution.objects.version_subquery()
    ).first()
    return download if download is not None and path_of(name).exists() else None


def rebuild(institution_ids: list[int] | None = None) -> list[Download]:
    """Rewrite the parts of these institutions' reports (every institution's when None), then
    every whole file. One rebuild at a time (a lock file), so two publications never mix."""
    with _lock(), translation.override(settings.LANGUAGE_CODE):
        version = Institution.objects.version()
        columns = goal_columns(absolute_url=site_url)
        institutions = Institution.objects.all()
        if institution_ids is None:
            shutil.rmtree(root() / "partes", ignore_errors=True)
        else:
            institutions = institutions.filter(pk__in=institution_ids)
        for institution in institutions:
            _write_parts(institution, columns)
        built = [_combine(selection, extension, columns, version)
                 for selection in SELECTIONS + month_selections() for extension in FORMATS]
        _remove_all_but(built)
        return built


def _remove_all_but(built: list[Download]) -> None:
    """A month no longer published (its reports withdrawn) leaves no file behind."""
    names = {download.name for download in built}
    for stale in Download.objects.exclude(name__in=names):
        path_of(stale.name).unlink(missing_ok=True)
        stale.delete()


def site_url(path: str) -> str:
    """An absolute URL without a request: files are read far from this site."""
    return settings.METAS_SITE_URL.rstrip("/") + path


@contextmanager
def _lock():
    root().mkdir(parents=True, exist_ok=True)
    with open(root() / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _part_folder(institution_id: int) -> Path:
    return root() / "partes" / str(institution_id)


def part_path(institution_id: int, report_id: int, extension: str) -> Path:
    """A report's part: its rows as CSV lines ("csv") or JSON records ("json")."""
    return _part_folder(institution_id) / f"{report_id}.{PART_SUFFIX[extension]}"


def _write_parts(institution: Institution, columns) -> None:
    folder = _part_folder(institution.pk)
    shutil.rmtree(folder, ignore_errors=True)  # replaced reports leave no part behind
    folder.mkdir(parents=True)
    for report in institution.reports.published():
        rows = list(export_goals(Goal.objects.filter(report=report).order_by("position")))
        csv_part = "".join(csv_lines(rows, columns))
        json_part = "".join(record + "\n" for record in json_records(rows, columns))
        (folder / f"{report.pk}.{PART_SUFFIX['csv']}").write_text(csv_part, "utf-8")
        (folder / f"{report.pk}.{PART_SUFFIX['json']}").write_text(json_part, "utf-8")


def _reports_of(selection: Selection):
    """The selection's reports, in the goal list's order (institution, newest period first)."""
    period = selection.period or (None if selection.latest_only else periods.ALL)
    reports = Report.objects.in_scope(period=period)
    return reports.order_by("institution__name", "-period").values_list("pk", "institution_id")


def _combine(selection: Selection, extension: str, columns, version) -> Download:
    reports = list(_reports_of(selection))
    suffix = PART_SUFFIX[extension]
    parts = [_part_folder(institution) / f"{report}.{suffix}" for report, institution in reports]
    rows = Goal.objects.filter(report_id__in=[report for report, _ in reports]).count()
    name = f"{selection.stem}.{extension}"
    if extension == "csv":
        pieces = _concatenated(csv_header(columns), parts, separator=None, closing="")
    else:
        head = json_opening({"count": rows, "filters": selection.query})
        pieces = _concatenated(head, parts, separator=", ", closing=JSON_CLOSING)
    size, sha256 = _write_atomically(path_of(name), pieces)
    download, _created = Download.objects.update_or_create(
        name=name,
        defaults={"rows": rows, "size": size, "sha256": sha256, "version": version,
                  "built_at": timezone.now()},
    )
    return download


def _concatenated(head: str, parts: list[Path], *, separator, closing) -> Iterable[bytes]:
    """The head, each part's lines (joined by `separator`, for JSON's records), the closing."""
    yield head.encode("utf-8")
    first = True
    for part in parts:
        if not part.exists():
            continue  # an institution whose parts were never built: rebuild() builds them all
        with open(part, "rb") as handle:
            if separator is None:  # CSV: the lines as they are
                yield handle.read()
                continue
            for line in handle:
                yield (b"" if first else separator.encode()) + line.rstrip(b"\n")
                first = False
    yield closing.encode("utf-8")


def _write_atomically(path: Path, pieces: Iterable[bytes]) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "wb") as handle:
        for piece in pieces:
            handle.write(piece)
            digest.update(piece)
            size += len(piece)
    os.replace(temporary, path)
    return size, digest.hexdigest()
