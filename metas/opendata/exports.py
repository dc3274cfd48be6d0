"""Open-data exports: rows as CSV or JSON, streamed, so memory stays flat whatever their number.

`stream_csv()` and `stream_json()` take any iterable of rows and a list of `Column`s, so every
list of the site (the goals, a report's changes...) exports the same way; so does
metas.opendata.xlsx for Excel workbooks. `export_goals()` reads the goal rows; their columns,
and the change list's, are declared in metas.opendata.columns.
"""
from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain

from django.utils.translation import gettext as _

from ..models import GoalNeighbourhood, GoalParish
from ..presentation.numbers import json_number, plain

# OWASP "CSV Injection": a spreadsheet runs a cell that starts with one of these as a formula
# (tab and carriage return let the formula through some importers; ASVS 1.2.10 adds NUL).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
# Spreadsheets also run a formula written with the full-width signs of East Asian keyboards,
# with the small signs (U+FE66 "﹦", U+FE62 "﹢", U+FE63 "﹣", U+FE6B "﹫") and with any other
# sign whose compatibility form (NFKC) is one of the above, and one after leading spaces: all
# are treated as the signs above.
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
    first = cell[:1]
    if first < "\x80" and not first.isspace():  # the common case: plain ASCII text
        return False
    first = cell.lstrip()[:1]
    return first in _TRIGGERS or unicodedata.normalize("NFKC", first)[:1] in FORMULA_TRIGGERS


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
    "ocr",
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
