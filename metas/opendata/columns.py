"""The columns of the exports, declared: the goal export's (GOAL_COLUMNS) and a report's change
list's (CHANGE_COLUMNS). /datos/ documents them, datapackage.json describes them, and the CSV,
JSON and Excel streams (metas.opendata.exports, .xlsx) write them, all from these lists:

    goal_columns(request.build_absolute_uri)   # [Column], for rows of exports.export_goals()
    change_columns()                           # [Column], for rows of changes.change_rows()

Each declared column reads its value from a row: a key of the row, or a method of the
export's values (GoalValues, ChangeValues), which hold what one export shares: how it writes
URLs (a path by default, absolute for files read far from the site) and the few distinct
months, paces and files its rows repeat.

Column names are a data contract ("institucion", "periodo"...): they are the same whatever the
reader's language and are never translated; their descriptions are.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from types import MethodType

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import periods
from ..accountability import pace
from ..models import Goal
from ..text import location
from .exports import Column

# Kinds of value, as /datos/ names them.
_TEXT = _("text")
_INTEGER = _("integer")
_NUMBER = _("number")
_MONTH = _("month (YYYY-MM)")
_YES_NO = _("yes / no")
_LIST = _("list of names")
_URL = _("URL")
_DATE = _("date (YYYY-MM-DD)")

SPREADSHEETS = ("xlsx", "xls", "ods")
# The exported name of each goal field OCR reads (metas.importer.scanned.FIELDS).
OCR_FIELD_COLUMNS = {
    "unit_code": "codigo_unidad", "unit_name": "unidad", "objective": "objetivo",
    "indicator": "indicador", "target": "meta_publicada",
}


@dataclass(frozen=True)
class Declared:
    """A column as declared: `value` is the key of the row it shows, or a method of the
    export's values that computes it from the row."""

    name: str
    description: str
    kind: str
    value: str | Callable


def bound(declared: list[Declared], values) -> list[Column]:
    """The declared columns with their values read from rows, for one export."""
    return [
        Column(column.name, column.description, column.kind,
               itemgetter(column.value) if isinstance(column.value, str)
               else MethodType(column.value, values))
        for column in declared
    ]


def source_location(row) -> str:
    """A goal's place in its original file, worded by metas.text.location."""
    spreadsheet = row["source_file__detected_format"] in SPREADSHEETS
    return location(row["source_line"], page=row["source_page"], sheet=spreadsheet)


class _Memo:
    """A function's results kept by argument: a few distinct values, asked for on every row."""

    def __init__(self, function):
        self.function = function
        self.results = {}

    def __call__(self, key):
        if key not in self.results:
            self.results[key] = self.function(key)
        return self.results[key]


# --- The goal export -------------------------------------------------------------------------

class GoalValues:
    """The computed values of a goal row (a dict of exports.GOAL_FIELDS), for one export."""

    def __init__(self, absolute_url: Callable[[str], str] = str):
        # Read once, in the language active when the export starts.
        self.status_labels = {value: str(label) for value, label in Goal.Status.choices}
        self.coverage_labels = {
            value: str(label) for value, label in Goal.Coverage.choices if value
        }
        self.goal_url = _url_maker("metas:goal-detail", absolute_url)
        self.series_url_of = _series_url_maker(absolute_url)
        self.months = _Memo(periods.slug)
        self.file_urls = _Memo(
            lambda key: absolute_url(reverse("metas:source-file-download", args=key))
        )
        # Goals share a few (progress, status, months, month) combinations: each worked out once.
        self.paces = _Memo(lambda key: pace.pace_of(*key))
        self.expected_by_month = _Memo(lambda month: round(pace.expected(month), 2))

    def period(self, row):
        return self.months(row["report__period"])

    def status(self, row):
        return self.status_labels.get(row["status"], row["status"])

    def coverage(self, row):
        return self.coverage_labels.get(row["coverage"], "")

    def file_url(self, row):
        if row["source_file_id"] is None:
            return ""
        institution, period = row["report__institution__slug"], self.period(row)
        return self.file_urls((institution, period, row["source_file_id"]))

    def location(self, row):
        return source_location(row)

    def url(self, row):
        return self.goal_url(row["pk"])

    def series_url(self, row):
        return self.series_url_of(row["report__institution__slug"], row["series"])

    def pace(self, row):
        return self.paces((row["progress"], row["status"], row["months_unchanged"],
                           row["report__period"])).slug

    def expected(self, row):
        return self.expected_by_month(row["report__period"].month)

    def stalled_months(self, row):
        found = self.paces((row["progress"], row["status"], row["months_unchanged"],
                            row["report__period"]))
        return found.months if found.slug == pace.STALLED else None

    def confirmed_on(self, row):
        day = row["report__updated_on"]
        return day.isoformat() if day else ""

    def unchanged_since(self, row):
        month = row["report__unchanged_since"]
        return self.months(month) if month else ""

    def read_by_ocr(self, row):
        return bool(row["ocr"])

    def ocr_review(self, row):
        """The columns OCR read with little confidence: "objetivo (62 %, corregida)"."""
        ocr = row["ocr"] or {}
        notes = []
        for field in ocr.get("review", []):
            details = [f"{ocr.get('confidence', {}).get(field, 0)} %"]
            if field in ocr.get("corrected", []):
                details.append(gettext("corrected"))
            notes.append(f"{OCR_FIELD_COLUMNS.get(field, field)} ({', '.join(details)})")
        return "; ".join(notes)


GOAL_COLUMNS = [
    Declared("id", _("Number of the goal on this site."), _INTEGER, "pk"),
    Declared("institucion", _("Institution that published the report."), _TEXT,
             "report__institution__name"),
    Declared("periodo", _("Month the report is about."), _MONTH, GoalValues.period),
    Declared("nivel", _("Process level of the unit; empty in reports without levels."), _TEXT,
             "unit__level__name"),
    Declared("codigo_unidad", _("Code of the unit as published (e.g. 16.6); may be empty."),
             _TEXT, "unit__code"),
    Declared("unidad", _("Name of the unit, exactly as published."), _TEXT,
             "unit__published_name"),
    Declared("unidad_superior",
             _("Name of the unit the unit belongs to; empty for a top-level unit."), _TEXT,
             "unit__parent__published_name"),
    Declared("objetivo", _("Objective of the unit."), _TEXT, "objective"),
    Declared("indicador", _("Indicator."), _TEXT, "indicator"),
    Declared("meta_publicada", _("Target exactly as published, with its percentage and note."),
             _TEXT, "target"),
    Declared("avance", _(
        "Progress in percent (0 to 100), read from the target; empty when the goal does not "
        "apply, has no information or has a target in words."
    ), _NUMBER, "progress"),
    Declared("estado", _(
        "Progress reported, does not apply, information not available or text target."
    ), _TEXT, GoalValues.status),
    Declared("nota", _("Text that follows the percentage in the target."), _TEXT, "note"),
    Declared("sin_financiamiento", _("Whether the note says the goal lacks financing."),
             _YES_NO, "lacks_financing"),
    Declared("parroquias", _("Parishes the objective names."), _LIST, "parishes"),
    Declared("jdb", _("Neighbourhood councils (JDB) the objective names."), _LIST, "councils"),
    Declared("cobertura", _(
        "All urban parishes, all rural parishes or all parishes when the objective covers them "
        "together; empty otherwise."
    ), _TEXT, GoalValues.coverage),
    Declared("enlace_verificacion", _("Verification link published with the goal."), _URL,
             "verification_link"),
    Declared("archivo_fuente", _("Name of the original file the goal was read from."), _TEXT,
             "source_file__original_name"),
    Declared("url_archivo_fuente", _("Where to download that original file."), _URL,
             GoalValues.file_url),
    Declared("linea_fuente", _("Line (or spreadsheet row) of the original file."), _INTEGER,
             "source_line"),
    Declared("ubicacion_fuente", _(
        "Where the goal is in the original file, as a reader finds it: the line of a text "
        "file, the row of a spreadsheet, the page and row of a PDF (linea_fuente is then the "
        "row within the page)."
    ), _TEXT, GoalValues.location),
    Declared("url", _("Page of the goal on this site."), _URL, GoalValues.url),
    Declared("url_serie", _(
        "Permanent page of the goal on this site: its latest report and its whole history; it "
        "stays the same when a month is imported again."
    ), _URL, GoalValues.series_url),
    # metas.accountability's pace, reason and "vigente", after the older columns so that none
    # of those moves.
    Declared("ritmo", _(
        "Pace against the share of the year gone by at the report's month: en-ritmo, "
        "atrasada, estancada, cumplida or sin-dato (see /metodologia/)."
    ), _TEXT, GoalValues.pace),
    Declared("avance_esperado",
             _("Share of the year gone by at the end of the report's month (%)."), _NUMBER,
             GoalValues.expected),
    Declared("meses_estancada",
             _("Reports in a row with the same percentage, for a stalled goal."), _INTEGER,
             GoalValues.stalled_months),
    Declared("motivo", _(
        "Why the goal does not progress, read from its note: falta-de-financiamiento, "
        "solo-estudios, en-contratacion, en-ejecucion, no-aplica, informacion-no-disponible or "
        "otra; empty when it states none."
    ), _TEXT, "reason"),
    Declared("motivo_palabras", _("The words of the note that gave that reason."), _TEXT,
             "reason_words"),
    Declared("vigente_al",
             _("Date the institution last confirmed the report (its update date)."), _DATE,
             GoalValues.confirmed_on),
    Declared("sin_cambios_desde", _(
        "When the report's goals read exactly as the previous report's: the first month they "
        "read so; empty when they changed."
    ), _MONTH, GoalValues.unchanged_since),
    Declared("leido_por_ocr", _(
        "Whether the goal was read from a scanned PDF (page images) by optical character "
        "recognition, which can make mistakes: compare with the original file."
    ), _YES_NO, GoalValues.read_by_ocr),
    Declared("revision_ocr", _(
        "For a goal read by OCR, the columns read with little confidence (or a progress value "
        "that did not read as a clean percentage), each with its confidence (0 to 100) and "
        "whether the staff corrected it before publishing; empty otherwise."
    ), _TEXT, GoalValues.ocr_review),
]


def goal_columns(absolute_url: Callable[[str], str] = str) -> list[Column]:
    """The fields of a goal row from exports.export_goals(). `absolute_url` turns a path into
    a full URL (request.build_absolute_uri); by default paths are left as they are."""
    return bound(GOAL_COLUMNS, GoalValues(absolute_url))


def _url_maker(viewname: str, absolute_url: Callable[[str], str]) -> Callable[[int], str]:
    """The URL of a view with one integer argument, without reversing (or asking the request
    for its host) once per row."""
    sentinel = 987654321
    prefix, suffix = absolute_url(reverse(viewname, args=[sentinel])).split(str(sentinel))
    return lambda pk: f"{prefix}{pk}{suffix}"


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

class ChangeValues:
    """The values of a change row (metas.opendata.changes.ChangeRow), for one export."""

    def __init__(self, absolute_url: Callable[[str], str] = str):
        self.absolute_url = absolute_url

    def kind(self, row):
        return row.kind

    def unit_code(self, row):
        return row.unit_code

    def unit_name(self, row):
        return row.unit_name

    def objective(self, row):
        return row.entry.objective if row.entry else ""

    def progress_before(self, row):
        return row.before.progress if row.before else None

    def progress(self, row):
        return row.after.progress if row.after else None

    def status_before(self, row):
        return row.before.status_label if row.before else ""

    def status(self, row):
        return row.after.status_label if row.after else ""

    def url(self, row):
        goal = row.entry.goal if row.entry else None
        return self.absolute_url(reverse("metas:goal-detail", args=[goal.pk])) if goal else ""


CHANGE_COLUMNS = [
    Declared("cambio", _(
        "What changed: sube, baja, nueva, eliminada, no-aplica, unidad-nueva or "
        "unidad-eliminada."
    ), _TEXT, ChangeValues.kind),
    Declared("codigo_unidad", _("Code of the unit as published."), _TEXT, ChangeValues.unit_code),
    Declared("unidad", _("Name of the unit, exactly as published."), _TEXT,
             ChangeValues.unit_name),
    Declared("objetivo", _("Objective of the goal; empty for a unit."), _TEXT,
             ChangeValues.objective),
    Declared("avance_anterior", _("Progress in the previous report (%)."), _NUMBER,
             ChangeValues.progress_before),
    Declared("avance", _("Progress in this report (%)."), _NUMBER, ChangeValues.progress),
    Declared("estado_anterior", _("Status in the previous report."), _TEXT,
             ChangeValues.status_before),
    Declared("estado", _("Status in this report."), _TEXT, ChangeValues.status),
    Declared("url", _("Page of the goal on this site."), _URL, ChangeValues.url),
]


def change_columns(absolute_url: Callable[[str], str] = str) -> list[Column]:
    """The fields of a change row; `absolute_url` turns a path into a full URL."""
    return bound(CHANGE_COLUMNS, ChangeValues(absolute_url))
