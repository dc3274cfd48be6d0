"""The whole data set as prebuilt files, so that the largest downloads never stream from the
database: every goal of every period, each institution's latest report, and every month (the
goals of every institution's report of that month: /metas.csv?periodo=2019-08), as CSV and JSON.

    downloads.rebuild([institution.pk], reports=[report.pk])   # the worker, after a publication
    downloads.rebuild()                    # everything (the build_downloads command)
    downloads.current("metas-todos.csv")   # the Download row, if it holds the latest publication
    downloads.pieces(download.parts)       # its bytes, as they are sent
    downloads.datapackage({"periodo": "todos"})   # its datapackage.json, from the same rows

Each report's rows are written once, as a part (DOWNLOADS_ROOT/partes/<institution>/), when it
is published (metas.publication.files, in the worker); a whole file is never written: its
Download row lists its parts, which are sent one after the other. A publication so writes
the bytes of its own report, whatever the size of the country; the whole files' sizes and
SHA-256 are measured by reading their parts, only for the files whose parts changed. Parts
are written under a temporary name and moved into place, never overwritten.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from collections.abc import Iterable, Iterator
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
# A report's part of each format: CSV lines, or its JSON records joined by ", ".
PART_SUFFIX = {"csv": "csv", "json": "json"}


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
    """The current files, for /datos/: [{"download", "url", "description"}], in one query."""
    version = Institution.objects.version()
    current_files = Download.objects.filter(version=version, parts__isnull=False).defer("parts")
    built = {download.name: download for download in current_files}
    files = []
    for selection in SELECTIONS:
        for extension in FORMATS:
            download = built.get(f"{selection.stem}.{extension}")
            if download is not None:
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
    return download if download is not None and download.parts is not None else None


@dataclass
class Built:
    downloads: list[Download]
    bytes_written: int  # the parts written (the whole files are made of them, never written)


def rebuild(institution_ids: list[int] | None = None, reports: list[int] | None = None) -> Built:
    """Write the parts of these institutions' reports (every institution's when None; only
    `reports` among them when given), and any part missing; then describe every whole file
    as its parts put together. One rebuild at a time (a lock file), so two never mix."""
    with _lock(), translation.override(settings.LANGUAGE_CODE):
        version = Institution.objects.version()
        columns = goal_columns(absolute_url=site_url)
        indexes, written = _write_parts(columns, institution_ids, reports)
        built = [_combine(selection, extension, columns, version, indexes)
                 for selection in SELECTIONS + month_selections() for extension in FORMATS]
        _remove_all_but(built)
        _remove_unused_parts(indexes, built)
        return Built(built, written)


def _remove_all_but(built: list[Download]) -> None:
    """A month no longer published (its reports withdrawn) leaves no row behind; nor does a
    whole file written by an earlier version of this module."""
    names = {download.name for download in built}
    for stale in Download.objects.exclude(name__in=names):
        stale.delete()
    for name in names:
        path_of(name).unlink(missing_ok=True)


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


# --- Parts: each report's rows, written once ------------------------------------------------
# DOWNLOADS_ROOT/partes/<institution>/<report>-<hash>.<csv|json>, named after their contents
# and never overwritten (a download being sent keeps reading the parts it started with);
# indice.json says which are current. Parts no file uses are removed PART_GRACE after.

INDEX = "indice.json"
UNUSED = "sin-uso.json"  # {part: since when no file names it}
PART_GRACE = 3600  # seconds: longer than any download of a file made of them takes


def _part_folder(institution_id: int) -> Path:
    return root() / "partes" / str(institution_id)


def _read_index(institution_id: int) -> dict[str, dict[str, str]]:
    try:
        return json.loads((_part_folder(institution_id) / INDEX).read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def part_path(institution_id: int, report_id: int, extension: str) -> Path | None:
    """A report's current part: its rows as CSV lines ("csv") or JSON records joined by
    ", " ("json"); None if it was never written."""
    entry = _read_index(institution_id).get(str(report_id))
    return _part_folder(institution_id) / entry[extension] if entry else None


def _write_parts(columns, institution_ids, reports) -> tuple[dict, int]:
    """The index of every institution with published reports ({institution: {report:
    {extension: file name}}}) after writing the parts asked for, and those missing; and the
    bytes written."""
    published: dict[int, list[int]] = {}
    for report, institution in Report.objects.published().values_list("pk", "institution_id"):
        published.setdefault(institution, []).append(report)
    indexes, written = {}, 0
    for institution, report_ids in published.items():
        asked = institution_ids is None or institution in institution_ids
        old = _read_index(institution)
        index = {}
        for report in report_ids:
            entry = old.get(str(report))
            again = asked and (reports is None or report in reports)
            if again or entry is None or not _parts_exist(institution, entry):
                entry, size = _write_report_parts(institution, report, columns)
                written += size
            index[str(report)] = entry
        if index != old:
            _write_atomically(_part_folder(institution) / INDEX,
                              [json.dumps(index).encode("utf-8")])
        indexes[institution] = index
    return indexes, written


def _parts_exist(institution: int, entry: dict[str, str]) -> bool:
    return all((_part_folder(institution) / name).exists() for name in entry.values())


def _write_report_parts(institution: int, report: int, columns) -> tuple[dict, int]:
    """Write one report's parts unless parts of the same contents are there; (index entry,
    bytes written)."""
    rows = list(export_goals(Goal.objects.filter(report=report).order_by("position")))
    contents = {
        "csv": "".join(csv_lines(rows, columns)).encode("utf-8"),
        "json": ", ".join(json_records(rows, columns)).encode("utf-8"),
    }
    folder = _part_folder(institution)
    folder.mkdir(parents=True, exist_ok=True)
    entry, written = {}, 0
    for extension, data in contents.items():
        name = f"{report}-{hashlib.sha256(data).hexdigest()[:16]}.{PART_SUFFIX[extension]}"
        if not (folder / name).exists():
            written += _write_atomically(folder / name, [data])[0]
        entry[extension] = name
    return entry, written


def _remove_unused_parts(indexes: dict, built: list[Download]) -> None:
    """Parts neither an index nor a file names are removed once unused for PART_GRACE (a
    download of the file that named them may still be reading): UNUSED remembers since when."""
    used = {f"{institution}/{name}" for institution, index in indexes.items()
            for entry in index.values() for name in entry.values()}
    for download in built:
        used.update(part.removeprefix("partes/") for part in download.parts["parts"])
    folder = root() / "partes"
    try:
        unused_since = json.loads((folder / UNUSED).read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        unused_since = {}
    now, kept = time.time(), {}
    for path in folder.glob("*/*"):
        relative = f"{path.parent.name}/{path.name}"
        if path.name == INDEX or relative in used:
            continue
        since = unused_since.get(relative, now)
        if now - since > PART_GRACE:
            path.unlink(missing_ok=True)
        else:
            kept[relative] = since
    if kept != unused_since:
        _write_atomically(folder / UNUSED, [json.dumps(kept).encode("utf-8")])


# --- Whole files: the parts put together when they are sent ------------------------------

def _reports_of(selection: Selection):
    """The selection's reports, in the goal list's order (institution, newest period first)."""
    period = selection.period or (None if selection.latest_only else periods.ALL)
    reports = Report.objects.in_scope(period=period)
    return reports.order_by("institution__name", "-period").values_list(
        "pk", "institution_id", "goal_count")


def _combine(selection: Selection, extension: str, columns, version, indexes) -> Download:
    """The Download row of a whole file: its parts, size and SHA-256 (the parts are read to
    hash them only when the list of parts changed)."""
    reports = list(_reports_of(selection))
    rows = sum(goals for _report, _institution, goals in reports)
    parts = [f"partes/{institution}/{indexes[institution][str(report)][extension]}"
             for report, institution, _goals in reports]
    if extension == "csv":
        layout = {"head": csv_header(columns), "parts": parts, "separator": "", "closing": ""}
    else:
        head = json_opening({"count": rows, "filters": selection.query})
        layout = {"head": head, "parts": parts, "separator": ", ", "closing": JSON_CLOSING}
    name = f"{selection.stem}.{extension}"
    download = Download.objects.filter(name=name).first()
    if download is not None and download.parts == layout:
        download.version = version
        download.save(update_fields=["version"])
        return download
    size, sha256 = _measured(pieces(layout))
    download, _created = Download.objects.update_or_create(
        name=name,
        defaults={"rows": rows, "size": size, "sha256": sha256, "version": version,
                  "built_at": timezone.now(), "parts": layout},
    )
    return download


def pieces(layout: dict) -> Iterator[bytes]:
    """The bytes of a whole file made of parts: the head, each non-empty part (joined by the
    separator), the closing. Read in chunks, never held whole."""
    yield layout["head"].encode("utf-8")
    separator = layout["separator"].encode("utf-8")
    first = True
    for part in layout["parts"]:
        path = root() / part
        if path.stat().st_size == 0:
            continue
        if not first and separator:
            yield separator
        first = False
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk
    yield layout["closing"].encode("utf-8")


CHUNK = 1 << 20


def _measured(chunks: Iterable[bytes]) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def _write_atomically(path: Path, pieces: Iterable[bytes]) -> tuple[int, str]:
    """Written under a temporary name, then moved into place; the temporary file never stays
    behind, whatever fails."""
    digest, size = hashlib.sha256(), 0
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with open(temporary, "wb") as handle:
            for piece in pieces:
                handle.write(piece)
                digest.update(piece)
                size += len(piece)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return size, digest.hexdigest()
