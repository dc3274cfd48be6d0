"""Open-data exports: rows as CSV or JSON, streamed, so memory stays flat whatever their number.

`stream_csv()` and `stream_json()` take any iterable of rows and a list of `Column`s, so every
list of the site (the goals, a report's changes...) exports the same way; so does
metas.opendata.xlsx for Excel workbooks. `goal_columns()` is
the goal export's columns and `change_columns()` the change list's (rows from `change_rows()`);
/datos/ documents both from the same lists.

Column names are a data contract ("institucion", "periodo"...): they are the same whatever the
reader's language and are never translated; their descriptions are.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain
from operator import itemgetter

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import periods
from ..history import Changes, Entry
from ..models import Goal, GoalNeighbourhood, GoalParish
from ..presentation.numbers import json_number, plain
from ..text import location

# OWASP "CSV Injection": a spreadsheet runs a cell that starts with one of these as a formula
# (tab and carriage return let the formula through some importers; ASVS 1.2.10 adds NUL).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
# Spreadsheets also run a formula written with the full-width signs of East Asian keyboards, and
# one after leading spaces: both are treated as the signs above.
FULL_WIDTH_TRIGGERS = ("＝", "＋", "－", "＠")
_TRIGGERS = FORMULA_TRIGGERS + FULL_WIDTH_TRIGGERS
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
    return "'" + cell if runs_as_formula(cell) else cell


def runs_as_formula(cell: str) -> bool:
    if cell.startswith(_TRIGGERS):
        return True
    return cell[:1].isspace() and cell.lstrip().startswith(_TRIGGERS)


def _csv_cell(value, yes: str, no: str, decimal: Callable[[Decimal], str] = plain) -> str:
    # Called for every cell of every row: the commonest type is tested first.
    kind = type(value)
    if kind is str:
        return "'" + value if runs_as_formula(value) else value
    if value is None:
        return ""
    if kind is bool:
        return yes if value else no
    if kind is int:
        return str(value)
    if kind is Decimal:
        return decimal(value)
    if kind is list:
        return neutralise(LIST_SEPARATOR.join(value))
    return neutralise(str(value))


def _json_value(value):
    if isinstance(value, Decimal):
        return json_number(value)
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


# ?sep= of the CSV exports: the comma (RFC 4180, the default) or the semicolon that Excel in a
# Spanish locale expects, with decimal commas then, so that a number reads as a number there.
COMMA, SEMICOLON = ",", ";"
SEPARATORS = (COMMA, SEMICOLON)


def decimal_comma(value: Decimal) -> str:
    """12.50 -> "12,5": the semicolon CSV's numbers."""
    return plain(value).replace(".", ",")


def stream_csv(rows: Iterable, columns: Sequence[Column], delimiter: str = COMMA) -> Iterator[str]:
    """UTF-8 CSV text with a BOM (so a Spanish-locale Excel reads the accents right), a header
    row, then one line per row; text cells are neutralised against formula injection. With
    the semicolon as `delimiter`, decimals are written with a comma (12,5)."""
    return _in_chunks(chain([csv_header(columns, delimiter)], csv_lines(rows, columns, delimiter)))


def csv_header(columns: Sequence[Column], delimiter: str = COMMA) -> str:
    writer = csv.writer(_Line(), delimiter=delimiter)
    return BOM + writer.writerow([column.name for column in columns])


def csv_lines(rows: Iterable, columns: Sequence[Column], delimiter: str = COMMA) -> Iterator[str]:
    """One CSV line per row, without the header (see stream_csv)."""
    # Translated here, once, while the caller's language is active.
    yes, no = _("yes"), _("no")
    decimal = decimal_comma if delimiter == SEMICOLON else plain
    writer = csv.writer(_Line(), delimiter=delimiter)
    for row in rows:
        yield writer.writerow(
            [_csv_cell(column.value(row), yes, no, decimal) for column in columns]
        )


def stream_json(rows: Iterable, columns: Sequence[Column], head: dict) -> Iterator[str]:
    """A JSON object: the members of `head` (e.g. count and filters), then "results", the rows,
    written one by one."""

    def pieces():
        yield json_opening(head)
        separator = ""
        for record in json_records(rows, columns):
            yield separator + record
            separator = ", "
        yield JSON_CLOSING

    return _in_chunks(pieces())


JSON_CLOSING = "]}"


def json_opening(head: dict) -> str:
    opening = json.dumps(head, ensure_ascii=False)[:-1]
    return opening + (", " if head else "") + '"results": ['


def json_records(rows: Iterable, columns: Sequence[Column]) -> Iterator[str]:
    """Each row as a JSON object on its own, for the "results" of stream_json."""
    for row in rows:
        record = {column.name: _json_value(column.value(row)) for column in columns}
        yield json.dumps(record, ensure_ascii=False)


# --- The goal export -------------------------------------------------------------------------

# Kinds of value, as /datos/ names them.
_TEXT = gettext_lazy("text")
_INTEGER = gettext_lazy("integer")
_NUMBER = gettext_lazy("number")
_MONTH = gettext_lazy("month (YYYY-MM)")
_YES_NO = gettext_lazy("yes / no")
_LIST = gettext_lazy("list of names")
_URL = gettext_lazy("URL")
_DATE = gettext_lazy("date (YYYY-MM-DD)")


# What a goal row reads; values() rather than model instances, which would cost several objects
# per row (goal, report, institution, unit, level, parent unit, file) and dominate the time.
GOAL_FIELDS = (
    "pk",
    "report__institution__name",
    "report__institution__slug",
    "report__period",
    "unit__level__name",
    "unit__code",
    "unit__published_name",
    "unit__parent__published_name",
    "objective",
    "indicator",
    "target",
    "progress",
    "status",
    "note",
    "lacks_financing",
    "coverage",
    "verification_link",
    "source_file_id",
    "source_file__original_name",
    "source_file__detected_format",
    "source_line",
    "series",
    "source_page",
    "months_unchanged",
    "reason",
    "reason_words",
    "report__updated_on",
    "report__unchanged_since",
)


def export_goals(goals) -> Iterator[dict]:
    """Each goal of the queryset as a dict of GOAL_FIELDS plus "parishes" and "councils" (the
    names the objective names), read in batches: the goals through `iterator(chunk_size=...)`,
    and for each batch one query per kind of tag. Memory holds one batch, whatever the total."""
    rows = goals.values(*GOAL_FIELDS).iterator(chunk_size=QUERY_CHUNK_SIZE)
    for batch in _batches(rows, QUERY_CHUNK_SIZE):
        ids = [row["pk"] for row in batch]
        parishes = _names_by_goal(
            GoalParish.objects.filter(goal_id__in=ids, via_coverage=False), "parish__name"
        )
        councils = _names_by_goal(
            GoalNeighbourhood.objects.filter(goal_id__in=ids), "neighbourhood__name"
        )
        for row in batch:
            row["parishes"] = parishes.get(row["pk"], [])
            row["councils"] = councils.get(row["pk"], [])
            yield row


def _batches(iterable, size):
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _names_by_goal(tags, name_field) -> dict[int, list[str]]:
    names = {}
    for goal_id, name in tags.order_by(name_field).values_list("goal_id", name_field):
        names.setdefault(goal_id, []).append(name)
    return names


def _url_maker(viewname: str, absolute_url: Callable[[str], str]) -> Callable[[int], str]:
    """The URL of a view with one integer argument, without reversing (or asking the request
    for its host) once per row."""
    sentinel = 987654321
    prefix, suffix = absolute_url(reverse(viewname, args=[sentinel])).split(str(sentinel))
    return lambda pk: f"{prefix}{pk}{suffix}"


SPREADSHEETS = ("xlsx", "xls", "ods")


def source_location(row) -> str:
    """A goal's place in its original file, worded by metas.importer.parsed.location."""
    spreadsheet = row["source_file__detected_format"] in SPREADSHEETS
    return location(row["source_line"], page=row["source_page"], sheet=spreadsheet)


def goal_columns(absolute_url: Callable[[str], str] = str) -> list[Column]:
    """The fields of a goal row from export_goals(). `absolute_url` turns a path into a full
    URL (request.build_absolute_uri); by default paths are left as they are."""
    status_labels = {value: str(label) for value, label in Goal.Status.choices}
    coverage_labels = {value: str(label) for value, label in Goal.Coverage.choices if value}
    goal_url = _url_maker("metas:goal-detail", absolute_url)
    series_url = _series_url_maker(absolute_url)
    months = _Memo(periods.slug)
    file_urls = _Memo(
        lambda key: absolute_url(reverse("metas:source-file-download", args=key))
    )

    def file_url(row):
        if row["source_file_id"] is None:
            return ""
        institution, period = row["report__institution__slug"], months(row["report__period"])
        return file_urls((institution, period, row["source_file_id"]))

    return [
        Column("id", gettext_lazy("Number of the goal on this site."), _INTEGER, itemgetter("pk")),
        Column(
            "institucion",
            gettext_lazy("Institution that published the report."),
            _TEXT,
            itemgetter("report__institution__name"),
        ),
        Column(
            "periodo",
            gettext_lazy("Month the report is about."),
            _MONTH,
            lambda row: months(row["report__period"]),
        ),
        Column(
            "nivel",
            gettext_lazy("Process level of the unit; empty in reports without levels."),
            _TEXT,
            itemgetter("unit__level__name"),
        ),
        Column(
            "codigo_unidad",
            gettext_lazy("Code of the unit as published (e.g. 16.6); may be empty."),
            _TEXT,
            itemgetter("unit__code"),
        ),
        Column(
            "unidad",
            gettext_lazy("Name of the unit, exactly as published."),
            _TEXT,
            itemgetter("unit__published_name"),
        ),
        Column(
            "unidad_superior",
            gettext_lazy("Name of the unit the unit belongs to; empty for a top-level unit."),
            _TEXT,
            itemgetter("unit__parent__published_name"),
        ),
        Column("objetivo", gettext_lazy("Objective of the unit."), _TEXT, itemgetter("objective")),
        Column("indicador", gettext_lazy("Indicator."), _TEXT, itemgetter("indicator")),
        Column(
            "meta_publicada",
            gettext_lazy("Target exactly as published, with its percentage and note."),
            _TEXT,
            itemgetter("target"),
        ),
        Column(
            "avance",
            gettext_lazy(
                "Progress in percent (0 to 100), read from the target; empty when the goal "
                "does not apply, has no information or has a target in words."
            ),
            _NUMBER,
            itemgetter("progress"),
        ),
        Column(
            "estado",
            gettext_lazy(
                "Progress reported, does not apply, information not available or text target."
            ),
            _TEXT,
            lambda row: status_labels.get(row["status"], row["status"]),
        ),
        Column(
            "nota",
            gettext_lazy("Text that follows the percentage in the target."),
            _TEXT,
            itemgetter("note"),
        ),
        Column(
            "sin_financiamiento",
            gettext_lazy("Whether the note says the goal lacks financing."),
            _YES_NO,
            itemgetter("lacks_financing"),
        ),
        Column(
            "parroquias",
            gettext_lazy("Parishes the objective names."),
            _LIST,
            itemgetter("parishes"),
        ),
        Column(
            "jdb",
            gettext_lazy("Neighbourhood councils (JDB) the objective names."),
            _LIST,
            itemgetter("councils"),
        ),
        Column(
            "cobertura",
            gettext_lazy(
                "All urban parishes, all rural parishes or all parishes when the objective "
                "covers them together; empty otherwise."
            ),
            _TEXT,
            lambda row: coverage_labels.get(row["coverage"], ""),
        ),
        Column(
            "enlace_verificacion",
            gettext_lazy("Verification link published with the goal."),
            _URL,
            itemgetter("verification_link"),
        ),
        Column(
            "archivo_fuente",
            gettext_lazy("Name of the original file the goal was read from."),
            _TEXT,
            itemgetter("source_file__original_name"),
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
            itemgetter("source_line"),
        ),
        Column(
            "ubicacion_fuente",
            gettext_lazy(
                "Where the goal is in the original file, as a reader finds it: the line of a "
                "text file, the row of a spreadsheet, the page and row of a PDF (linea_fuente "
                "is then the row within the page)."
            ),
            _TEXT,
            source_location,
        ),
        Column(
            "url",
            gettext_lazy("Page of the goal on this site."),
            _URL,
            lambda row: goal_url(row["pk"]),
        ),
        Column(
            "url_serie",
            gettext_lazy(
                "Permanent page of the goal on this site: its latest report and its whole "
                "history; it stays the same when a month is imported again."
            ),
            _URL,
            lambda row: series_url(row["report__institution__slug"], row["series"]),
        ),
        *accountability_columns(months),
    ]


def accountability_columns(months) -> list[Column]:
    """Pace, reason and "vigente" (metas.accountability), after the older columns so that
    none of those moves."""
    from ..accountability import pace

    # Goals share a few (progress, status, months, month) combinations: each is worked out once.
    paces = _Memo(lambda key: pace.pace_of(*key))
    expected = _Memo(lambda month: round(pace.expected(month), 2))

    def pace_of(row):
        return paces((row["progress"], row["status"], row["months_unchanged"],
                      row["report__period"]))

    def stalled_months(row):
        found = pace_of(row)
        return found.months if found.slug == pace.STALLED else None

    def day(value):
        return value.isoformat() if value else ""

    return [
        Column(
            "ritmo",
            gettext_lazy(
                "Pace against the share of the year gone by at the report's month: en-ritmo, "
                "atrasada, estancada, cumplida or sin-dato (see /metodologia/)."
            ),
            _TEXT,
            lambda row: pace_of(row).slug,
        ),
        Column(
            "avance_esperado",
            gettext_lazy("Share of the year gone by at the end of the report's month (%)."),
            _NUMBER,
            lambda row: expected(row["report__period"].month),
        ),
        Column(
            "meses_estancada",
            gettext_lazy("Reports in a row with the same percentage, for a stalled goal."),
            _INTEGER,
            stalled_months,
        ),
        Column(
            "motivo",
            gettext_lazy(
                "Why the goal does not progress, read from its note: falta-de-financiamiento, "
                "solo-estudios, en-contratacion, en-ejecucion, no-aplica, "
                "informacion-no-disponible or otra; empty when it states none."
            ),
            _TEXT,
            itemgetter("reason"),
        ),
        Column(
            "motivo_palabras",
            gettext_lazy("The words of the note that gave that reason."),
            _TEXT,
            itemgetter("reason_words"),
        ),
        Column(
            "vigente_al",
            gettext_lazy("Date the institution last confirmed the report (its update date)."),
            _DATE,
            lambda row: day(row["report__updated_on"]),
        ),
        Column(
            "sin_cambios_desde",
            gettext_lazy(
                "When the report's goals read exactly as the previous report's: the first month "
                "they read so; empty when they changed."
            ),
            _MONTH,
            lambda row: months(row["report__unchanged_since"]) if row["report__unchanged_since"]
            else "",
        ),
    ]


def _series_url_maker(absolute_url: Callable[[str], str]) -> Callable[[str, object], str]:
    """A goal's series URL (metas:goal-series) without reversing once per row; "" without a
    series."""
    slug, series = "institucion-x", "00000000-0000-4000-8000-000000000000"
    prefix, middle, suffix = _split_twice(
        absolute_url(reverse("metas:goal-series", args=[slug, series])), slug, series
    )
    return lambda slug, series: f"{prefix}{slug}{middle}{series}{suffix}" if series else ""


def _split_twice(url: str, first: str, second: str) -> tuple[str, str, str]:
    prefix, rest = url.split(first, 1)
    middle, suffix = rest.split(second, 1)
    return prefix, middle, suffix


# --- The change list of a report (/reportes/<institution>/<YYYY-MM>/cambios.csv) ----------

@dataclass(frozen=True)
class ChangeRow:
    """One line of the change list: `kind` is a stable code, never translated."""

    kind: str
    unit_code: str
    unit_name: str
    before: Entry | None = None
    after: Entry | None = None

    @property
    def entry(self) -> Entry | None:
        return self.after or self.before


def change_rows(changes: Changes) -> list[ChangeRow]:
    """The changes as one flat list, in the page's order."""
    rows = []
    for before, after in changes.progress:
        kind = Goal.Change.UP if after.progress > before.progress else Goal.Change.DOWN
        rows.append(ChangeRow(str(kind), after.unit_code, after.unit_name, before, after))
    new = str(Goal.Change.NEW)
    rows += [ChangeRow(new, e.unit_code, e.unit_name, after=e) for e in changes.new]
    rows += [ChangeRow("eliminada", e.unit_code, e.unit_name, before=e) for e in changes.removed]
    rows += [
        ChangeRow("no-aplica", after.unit_code, after.unit_name, before, after)
        for before, after in changes.not_applicable
    ]
    rows += [ChangeRow("unidad-nueva", code, name) for code, name in changes.units_added]
    rows += [ChangeRow("unidad-eliminada", code, name) for code, name in changes.units_removed]
    return rows


def change_columns(absolute_url=str) -> list[Column]:
    """The fields of a change row; `absolute_url` turns a path into a full URL."""
    text, number, url = _TEXT, _NUMBER, _URL

    def progress(entry):
        return entry.progress if entry else None

    def status(entry):
        return entry.status_label if entry else ""

    def goal_url(row):
        goal = row.entry.goal if row.entry else None
        return absolute_url(reverse("metas:goal-detail", args=[goal.pk])) if goal else ""

    return [
        Column(
            "cambio",
            gettext_lazy(
                "What changed: sube, baja, nueva, eliminada, no-aplica, unidad-nueva or "
                "unidad-eliminada."
            ),
            text,
            lambda row: row.kind,
        ),
        Column("codigo_unidad", gettext_lazy("Code of the unit as published."), text,
               lambda row: row.unit_code),
        Column("unidad", gettext_lazy("Name of the unit, exactly as published."), text,
               lambda row: row.unit_name),
        Column("objetivo", gettext_lazy("Objective of the goal; empty for a unit."), text,
               lambda row: row.entry.objective if row.entry else ""),
        Column("avance_anterior", gettext_lazy("Progress in the previous report (%)."), number,
               lambda row: progress(row.before)),
        Column("avance", gettext_lazy("Progress in this report (%)."), number,
               lambda row: progress(row.after)),
        Column("estado_anterior", gettext_lazy("Status in the previous report."), text,
               lambda row: status(row.before)),
        Column("estado", gettext_lazy("Status in this report."), text,
               lambda row: status(row.after)),
        Column("url", gettext_lazy("Page of the goal on this site."), url, goal_url),
    ]


class _Memo:
    """A function's results kept by argument: a few distinct values, asked for on every row."""

    def __init__(self, function):
        self.function = function
        self.results = {}

    def __call__(self, key):
        if key not in self.results:
            self.results[key] = self.function(key)
        return self.results[key]
