"""The one rule for the text of every cell, whatever the file it came from.

- A byte-order mark inside the text (U+FEFF, left where files were pasted together) is removed:
  it would make "PROCESOS" and "\\ufeffPROCESOS" two levels that look the same.
- Control characters (Unicode category Cc) other than tab and line break, and a carriage return
  that is not part of a line ending, are replaced by a space: a form feed copied from a PDF
  separates two words, and XML (Atom, XLSX) forbids them. The import goes on with a warning.
- Bidirectional formatting characters (U+202E "right-to-left override" and its kin, U+200E,
  U+200F, U+061C, U+202A–U+202E, U+2066–U+2069) are removed: a Spanish report has no use for
  them, and they show a text backwards or in another order than it is stored (a goal, a link
  or a number that reads differently from what is searched and exported). The import goes on
  with a warning.
- A quote that opens a cell and is never closed (`"Manejo de torrentes`, an odd number of
  quotes) is removed with a warning: it is what is left of the CSV's quoting (see
  metas.importer.sources.line_by_line), not part of the text.
- A NUL character, and a cell longer than MAX_CELL_CHARS, are refused: neither is ever part
  of a report, and a too long cell is usually a quote left open that swallowed the file.

clean() applies the rule to a table before its rows are recognised (a BOM in the header must
not hide it); the findings become problems and warnings once the header names the columns.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import ngettext

from metas.presentation.numbers import count_text
from metas.text import CONTROL_RANGES

from .parsed import Problem

MAX_CELL_CHARS = 10_000
# Warnings listed one by one; the rest are counted in one more line.
MAX_LISTED_WARNINGS = 20

# The control characters every output refuses (metas.text), and a lone carriage return.
_CONTROL = re.compile(f"[{CONTROL_RANGES}]|\r(?!\n)")
# Bidirectional formatting characters: marks, embeddings, overrides, isolates.
BIDI_RANGES = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_BIDI = re.compile(f"[{BIDI_RANGES}]")
_SUSPECT = re.compile(f'[{CONTROL_RANGES}{BIDI_RANGES}\ufeff]|\\r(?!\\n)|^\\s*"')
# The same without the lone carriage return: a plain class the regex engine scans quickly.
_SUSPECT_CHARACTER = re.compile(f'[{CONTROL_RANGES}{BIDI_RANGES}\ufeff"]')

NUL, TOO_LONG, CONTROL, BIDI, OPEN_QUOTE = "nul", "too_long", "control", "bidi", "open_quote"


@dataclass(frozen=True)
class Finding:
    kind: str  # NUL, TOO_LONG or CONTROL
    line: int  # the table's index
    column: int  # the table's column
    value: str  # the cell as it was (shortened)


def clean(cells: pd.DataFrame) -> tuple[pd.DataFrame, list[Finding]]:
    """The cells with the rule applied, and what was found, in reading order."""
    findings = []
    for column in cells.columns:
        texts = cells[column]
        values = texts.tolist()
        if max(map(len, values), default=0) <= MAX_CELL_CHARS and not needs_cleaning(values):
            continue
        long = texts.str.len() > MAX_CELL_CHARS
        suspect = texts.str.contains(_SUSPECT, regex=True)
        texts = texts.copy()
        for line in texts.index[long]:
            findings.append(Finding(TOO_LONG, int(line), column, texts[line]))
        for line in texts.index[suspect & ~long]:
            original = texts[line]
            texts[line], kinds = clean_cell(original)
            findings += [Finding(kind, int(line), column, original) for kind in kinds]
        cells[column] = texts
    findings.sort(key=lambda finding: (finding.line, finding.column))
    return cells, findings


def clean_cell(original: str) -> tuple[str, list[str]]:
    """One cell with the rule applied, and the kinds of what was found in it."""
    kinds = []
    if "\0" in original:
        kinds.append(NUL)
    elif _CONTROL.search(original):
        kinds.append(CONTROL)
    cleaned = _CONTROL.sub(" ", original.replace("\ufeff", ""))
    if _BIDI.search(cleaned):
        kinds.append(BIDI)
        cleaned = _BIDI.sub("", cleaned)
    cleaned = cleaned.strip()
    if cleaned.startswith('"') and cleaned.count('"') % 2:
        kinds.append(OPEN_QUOTE)
        cleaned = cleaned[1:].strip()
    return cleaned, kinds


def needs_cleaning(values: list[str]) -> bool:
    """Whether any of the texts breaks the rule: the common case (none does), answered on
    the column's text joined, at the regex engine's speed."""
    text = "".join(values)
    return bool(_SUSPECT_CHARACTER.search(text) or ("\r" in text and _SUSPECT.search(text)))


def refusals(table, findings: list[Finding], column_name) -> list[Problem]:
    """The problems among the findings; `column_name(index)` names a column."""
    problems = []
    for finding in findings:
        if finding.kind == NUL:
            message = _(
                "The text holds a NUL character (a zero byte), which is never part of a "
                "report: the file is damaged or not text. Export the report again."
            )
        elif finding.kind == TOO_LONG:
            message = _(
                "The text is too long (%(length)s characters; at most %(max)s). A quote "
                "left open can join many rows into one cell: check the quotes around it."
            ) % {"length": count_text(len(finding.value)), "max": count_text(MAX_CELL_CHARS)}
        else:
            continue
        problems.append(table.problem(
            message, line=finding.line, column=column_name(finding.column),
            value=visible(finding.value[:80]),
        ))
    return problems


def warnings(table, findings: list[Finding], column_name) -> list[Problem]:
    """One warning per cell whose text was mended (the first few of each kind), then how many
    more."""
    listed = []
    for kind, message, more in _WARNINGS:
        found = [finding for finding in findings if finding.kind == kind]
        listed += [
            table.problem(
                str(message), line=finding.line, column=column_name(finding.column),
                value=visible(finding.value[:80]),
            )
            for finding in found[:MAX_LISTED_WARNINGS]
        ]
        rest = len(found) - MAX_LISTED_WARNINGS
        if rest > 0:
            listed.append(table.problem(more(rest) % {"count": rest}))
    return listed


_WARNINGS = (
    (CONTROL, gettext_lazy(
        "This text held control characters (such as a form feed copied from a PDF); each was "
        "replaced by a space."
    ), lambda count: ngettext(
        "One more cell held control characters; they were replaced by spaces.",
        "%(count)s more cells held control characters; they were replaced by spaces.",
        count,
    )),
    (BIDI, gettext_lazy(
        "This text held invisible direction marks (such as U+202E, which shows a text "
        "backwards); they were removed, so that the text reads as it is stored."
    ), lambda count: ngettext(
        "One more cell held invisible direction marks; they were removed.",
        "%(count)s more cells held invisible direction marks; they were removed.",
        count,
    )),
    (OPEN_QUOTE, gettext_lazy(
        "This text opens a quote that is never closed; the quote was removed. Check that the "
        "text and the next cells are as published."
    ), lambda count: ngettext(
        "One more cell opened a quote that is never closed; the quote was removed.",
        "%(count)s more cells opened a quote that is never closed; the quote was removed.",
        count,
    )),
)


def visible(text: str) -> str:
    """The value as shown in a message: each control character and direction mark written as
    its code (a live U+202E would turn the page's text around)."""
    text = _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)
    return _BIDI.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def column_letter(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA": the column as a spreadsheet names it."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
