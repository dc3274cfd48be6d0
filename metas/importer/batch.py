"""Many reports at once: files and folders grouped into reports, each imported on its own.

    batch = collect(["informes/"])              # every file under the folder, recursively
    for report in batch.reports:                # grouped: one matrix, or a month's portal files
        outcome = import_one(report, dry_run=False)

What a file is comes from its bytes, as for one import (metas.importer.sources and layout):
- a report matrix, a ZIP archive, or a file that cannot be read or recognised is a report by
  itself (the import then says what is wrong with it);
- the portal's files (data set, metadata, dictionary) of one folder are one report; a folder
  holding several months of them is split by file name, the words naming the role left out
  ("2025-01-datos.csv", "2025-01-metadatos.csv" and "2025-01-diccionario.csv" go together).

Each report is imported by run_attempt, in its own transaction, with its own import-log row:
a bad report stores nothing and does not stop the others.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from metas.text import fold

from .attempt import Attempt, run_attempt
from .layout import DATASET, DICTIONARY, MATRIX, METADATA, role_and_header
from .parsed import InputFile, Problem
from .sources import is_plain_archive, read_table
from .table import Unreadable

PORTAL_ROLES = (DATASET, METADATA, DICTIONARY)
# Words of a portal file's name that say its role, left out to pair a month's files.
_ROLE_WORDS = re.compile(
    r"\b(?:conjunto\s+de\s+datos|datos|dataset|data|metadatos|metadata|diccionario(?:\s+de\s+datos)?"
    r"|dictionary)\b"
)


@dataclass
class ReportFiles:
    """The files of one report, as the paths they came from."""

    paths: list[Path]
    files: list[InputFile]


@dataclass
class Batch:
    reports: list[ReportFiles] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # paths that could not be read


def collect(paths) -> Batch:
    """The files under each path (folders recursively, in name order), grouped into reports."""
    batch, files = Batch(), []
    for path in map(Path, paths):
        for file_path in _files_under(path) if path.is_dir() else [path]:
            try:
                files.append((file_path, InputFile(file_path.name, file_path.read_bytes())))
            except FileNotFoundError:
                batch.problems.append(Problem(str(file_path), _(
                    "The file does not exist. Check the path."
                )))
            except OSError:
                batch.problems.append(Problem(str(file_path), _(
                    "The file cannot be read. Check that you may read it."
                )))
    batch.reports = group(files)
    return batch


def _files_under(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.rglob("*")) if p.is_file() and not _hidden(p, folder)]


def _hidden(path: Path, root: Path) -> bool:
    """Files a system leaves beside others (".DS_Store", "~$libro.xlsx", "__MACOSX/…")."""
    parts = path.relative_to(root).parts
    return any(part.startswith((".", "~$", "__MACOSX")) for part in parts)


def group(files: list[tuple[Path, InputFile]]) -> list[ReportFiles]:
    """Reports in the order their first file was given (see the module's docstring)."""
    if len(files) == 1:  # nothing to group: the file is read once, by its import
        return [ReportFiles([files[0][0]], [files[0][1]])]
    reports, portal = [], defaultdict(list)  # folder -> [(path, file, role)]
    for path, file in files:
        role = role_of(file)
        if role in PORTAL_ROLES:
            if not portal[path.parent]:
                reports.append(path.parent)  # the folder's report(s) take this place
            portal[path.parent].append((path, file, role))
        else:
            reports.append(ReportFiles([path], [file]))
    ordered = []
    for item in reports:
        if isinstance(item, ReportFiles):
            ordered.append(item)
        else:
            ordered += _portal_reports(portal[item])
    return ordered


def role_of(file: InputFile) -> str | None:
    """MATRIX, a portal role, or None (a ZIP, an unreadable or unrecognised file)."""
    if is_plain_archive(file.data):
        return None
    try:
        table = read_table(file)
    except Unreadable:
        return None
    return role_and_header(table)[0]


def _portal_reports(files) -> list[ReportFiles]:
    """One folder's portal files: one report, or one per name stem when a role repeats."""
    roles = [role for _path, _file, role in files]
    if all(roles.count(role) == 1 for role in roles):
        stems = {"": files}
    else:
        stems = defaultdict(list)
        for item in files:
            stems[_stem(item[0])].append(item)
    return [
        ReportFiles([path for path, _file, _role in items], [file for _path, file, _role in items])
        for items in stems.values()
    ]


def _stem(path: Path) -> str:
    name = fold(path.name.split(".")[0].replace("_", " ").replace("-", " "))
    return " ".join(_ROLE_WORDS.sub(" ", name).split())


def import_one(report: ReportFiles, **options) -> Attempt:
    """run_attempt for one report of a batch (its own transaction and import-log row)."""
    return run_attempt(report.files, **options)
