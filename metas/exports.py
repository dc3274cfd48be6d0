"""Open-data exports: rows as CSV or JSON, streamed, so memory stays flat whatever their number.

`stream_csv()` and `stream_json()` take any iterable of rows and a list of `Column`s, so every
list of the site (the goals, a report's changes...) exports the same way. `goal_columns()` is
the goal export's columns; /datos/ documents them from the same list.

Column names are a data contract ("institucion", "periodo"...): they are the same whatever the
reader's language and are never translated; their descriptions are.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Goal, GoalNeighbourhood, GoalParish

# OWASP "CSV Injection": a spreadsheet runs a cell that starts with one of these as a formula
# (tab and carriage return let the formula through some importers; ASVS 1.2.10 adds NUL).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
BOM = "\ufeff"
LIST_SEPARATOR = "; "
# Rows are sent in pieces of about this many characters: one write per row would be slow, one
# write for everything would hold the whole export in memory.
CHUNK_CHARS = 64 * 1024
# Goals read from the database at a time (each batch also runs its prefetch queries).
QUERY_CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Column:
    """One exported field: its stable name, what it means, its type and how to read it from a row.

    `value(row)` returns None, a bool, an int, a Decimal, a str, or a list of str.
    """

    name: str
    description: str
    kind: str
    value: Callable[[object], object]


def neutralise(cell: str) -> str:
    """Make a cell that a spreadsheet would run as a formula read as text (OWASP)."""
    if cell.startswith(FORMULA_TRIGGERS):
        return "'" + cell
    return cell


def _number(value: Decimal):
    """45.00 -> 45, 12.50 -> 12.5: the shortest exact spelling."""
    return int(value) if value == value.to_integral_value() else float(value)


def _csv_cell(value, yes: str, no: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes if value else no
    if isinstance(value, Decimal):
        return str(_number(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        value = LIST_SEPARATOR.join(value)
    return neutralise(str(value))


def _json_value(value):
    if isinstance(value, Decimal):
        return _number(value)
    return value


class _Line:
    """A write-only file whose write() hands back what it was given, for csv.writer."""

    def write(self, text):
        return text


def _in_chunks(pieces: Iterable[str]) -> Iterator[str]:
    buffer, size = [], 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK_CHARS:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


def stream_csv(rows: Iterable, columns: Sequence[Column]) -> Iterator[str]:
    """UTF-8 CSV text with a BOM (so a Spanish-locale Excel reads the accents right), a header
    row, then one line per row; text cells are neutralised against formula injection."""
    # Translated here, once, while the view's language is active.
    yes, no = _("yes"), _("no")

    def lines():
        writer = csv.writer(_Line())
        yield BOM + writer.writerow([column.name for column in columns])
        for row in rows:
            yield writer.writerow([_csv_cell(column.value(row), yes, no) for column in columns])

    return _in_chunks(lines())


def stream_json(rows: Iterable, columns: Sequence[Column], head: dict) -> Iterator[str]:
    """A JSON object: the members of `head` (e.g. count and filters), then "results", the rows,
    written one by one."""

    def pieces():
        opening = json.dumps(head, ensure_ascii=False)[:-1]
        yield opening + (", " if head else "") + '"results": ['
        separator = ""
        for row in rows:
            record = {column.name: _json_value(column.value(row)) for column in columns}
            yield separator + json.dumps(record, ensure_ascii=False)
            separator = ", "
        yield "]}"

    return _in_chunks(pieces())


# --- The goal export -------------------------------------------------------------------------

# Kinds of value, as /datos/ names them.
_TEXT = gettext_lazy("text")
_INTEGER = gettext_lazy("integer")
_NUMBER = gettext_lazy("number")
_MONTH = gettext_lazy("month (YYYY-MM)")
_YES_NO = gettext_lazy("yes / no")
_LIST = gettext_lazy("list of names")
_URL = gettext_lazy("URL")


def export_goals(goals):
    """The queryset with everything a goal row needs, read in batches: a fixed number of queries
    per batch, never the whole result in memory."""
    named_parishes = Prefetch(
        "parish_tags",
        queryset=GoalParish.objects.filter(via_coverage=False)
        .select_related("parish")
        .order_by("parish__name"),
        to_attr="named_parish_tags",
    )
    neighbourhoods = Prefetch(
        "neighbourhood_tags",
        queryset=GoalNeighbourhood.objects.select_related("neighbourhood").order_by(
            "neighbourhood__name"
        ),
        to_attr="jdb_tags",
    )
    return (
        goals.select_related(
            "report__institution", "unit__level", "unit__parent", "source_file"
        )
        .prefetch_related(named_parishes, neighbourhoods)
        .iterator(chunk_size=QUERY_CHUNK_SIZE)
    )


def _path_maker(viewname: str) -> Callable[[int], str]:
    """reverse() for a URL with one integer argument, without reversing once per row."""
    sentinel = 987654321
    prefix, suffix = reverse(viewname, args=[sentinel]).split(str(sentinel))
    return lambda pk: f"{prefix}{pk}{suffix}"


def goal_columns(absolute_url: Callable[[str], str] = str) -> list[Column]:
    """The fields of a goal row. `absolute_url` turns a path into a full URL
    (request.build_absolute_uri); by default paths are left as they are."""
    status_labels = {value: str(label) for value, label in Goal.Status.choices}
    coverage_labels = {value: str(label) for value, label in Goal.Coverage.choices if value}
    goal_path = _path_maker("metas:goal-detail")
    file_urls = {}

    def file_url(goal):
        source = goal.source_file
        if source is None:
            return ""
        if source.pk not in file_urls:
            report = goal.report
            path = reverse(
                "metas:source-file-download",
                args=[report.institution.slug, report.period_slug, source.pk],
            )
            file_urls[source.pk] = absolute_url(path)
        return file_urls[source.pk]

    def unit_level(goal):
        level = goal.unit.level
        return level.name if level else ""

    def parent_unit(goal):
        parent = goal.unit.parent
        return parent.published_name if parent else ""

    return [
        Column("id", gettext_lazy("Number of the goal on this site."), _INTEGER, lambda g: g.pk),
        Column(
            "institucion",
            gettext_lazy("Institution that published the report."),
            _TEXT,
            lambda g: g.report.institution.name,
        ),
        Column(
            "periodo",
            gettext_lazy("Month the report is about."),
            _MONTH,
            lambda g: g.report.period_slug,
        ),
        Column(
            "nivel",
            gettext_lazy("Process level of the unit; empty in reports without levels."),
            _TEXT,
            unit_level,
        ),
        Column(
            "codigo_unidad",
            gettext_lazy("Code of the unit as published (e.g. 16.6); may be empty."),
            _TEXT,
            lambda g: g.unit.code,
        ),
        Column(
            "unidad",
            gettext_lazy("Name of the unit, exactly as published."),
            _TEXT,
            lambda g: g.unit.published_name,
        ),
        Column(
            "unidad_superior",
            gettext_lazy("Name of the unit the unit belongs to; empty for a top-level unit."),
            _TEXT,
            parent_unit,
        ),
        Column("objetivo", gettext_lazy("Objective of the unit."), _TEXT, lambda g: g.objective),
        Column("indicador", gettext_lazy("Indicator."), _TEXT, lambda g: g.indicator),
        Column(
            "meta_publicada",
            gettext_lazy("Target exactly as published, with its percentage and note."),
            _TEXT,
            lambda g: g.target,
        ),
        Column(
            "avance",
            gettext_lazy(
                "Progress in percent (0 to 100), read from the target; empty when the goal "
                "does not apply, has no information or has a target in words."
            ),
            _NUMBER,
            lambda g: g.progress,
        ),
        Column(
            "estado",
            gettext_lazy(
                "Progress reported, does not apply, information not available or text target."
            ),
            _TEXT,
            lambda g: status_labels.get(g.status, g.status),
        ),
        Column(
            "nota",
            gettext_lazy("Text that follows the percentage in the target."),
            _TEXT,
            lambda g: g.note,
        ),
        Column(
            "sin_financiamiento",
            gettext_lazy("Whether the note says the goal lacks financing."),
            _YES_NO,
            lambda g: g.lacks_financing,
        ),
        Column(
            "parroquias",
            gettext_lazy("Parishes the objective names."),
            _LIST,
            lambda g: [tag.parish.name for tag in g.named_parish_tags],
        ),
        Column(
            "jdb",
            gettext_lazy("Neighbourhood councils (JDB) the objective names."),
            _LIST,
            lambda g: [tag.neighbourhood.name for tag in g.jdb_tags],
        ),
        Column(
            "cobertura",
            gettext_lazy(
                "All urban parishes, all rural parishes or all parishes when the objective "
                "covers them together; empty otherwise."
            ),
            _TEXT,
            lambda g: coverage_labels.get(g.coverage, ""),
        ),
        Column(
            "enlace_verificacion",
            gettext_lazy("Verification link published with the goal."),
            _URL,
            lambda g: g.verification_link,
        ),
        Column(
            "archivo_fuente",
            gettext_lazy("Name of the original file the goal was read from."),
            _TEXT,
            lambda g: g.source_file.original_name if g.source_file else "",
        ),
        Column(
            "url_archivo_fuente",
            gettext_lazy("Where to download that original file."),
            _URL,
            file_url,
        ),
        Column(
            "linea_fuente",
            gettext_lazy("Line (or spreadsheet row) of the original file."),
            _INTEGER,
            lambda g: g.source_line,
        ),
        Column(
            "url",
            gettext_lazy("Page of the goal on this site."),
            _URL,
            lambda g: absolute_url(goal_path(g.pk)),
        ),
    ]

