"""Format B, the current law (LOTAIP Art. 19 numeral 1.3), as filed on the national
transparency portal: each month, three CSV files, recognised by content (see layout.py).

- the data set: `Unidad, Objetivo(s), Indicador, Meta cuantificable, Enlace al sistema de
  gestión de planificación …`, then one goal per row; often many empty columns to the right;
- the metadata: two columns, no header: `FECHA ACTUALIZACIÓN DE LA INFORMACIÓN`, periodicity,
  holder unit, responsible person, e-mail, phone;
- the dictionary: two columns, the first row `Institución` -> the institution's name.

There are no unit codes and no process levels: goals are stored without a level.

A data row wider than its header (a separator without quotes inside a text: "vías; aceras")
would shift every later cell into the wrong column: its extra cells are joined back into the
objective (the long text where such separators are), and the preview says so for the row
(repair_wide_rows). Empty trailing fields are no such row.
"""
from __future__ import annotations

from django.utils.translation import gettext as _

from metas.text import fold

from .layout import PORTAL_COLUMN_NAMES, Header
from .matrix import Matrix, missing_column_problems, no_goals_problem
from .parsed import Problem, ReportMetadata
from .rows import build_goals, read_metadata
from .table import Table


def parse_dataset(table: Table, header: Header) -> Matrix:
    result = Matrix()
    result.problems = missing_column_problems(table, header, PORTAL_COLUMN_NAMES)
    if result.problems:
        return result
    cells = table.cells
    rows = cells[(cells.index > header.line) & cells.ne("").any(axis=1)].copy()
    repair_wide_rows(table, header, rows)
    result.goals, result.problems = build_goals(table, header, rows)
    if rows.empty:
        result.problems.append(no_goals_problem(table))
    return result


def repair_wide_rows(table: Table, header: Header, rows) -> None:
    """Joins back into the objective the cells a separator inside it split off; notes each
    row mended in `table.notes`."""
    width = filled_width(table.cells.loc[header.line].tolist())
    objective = header.columns["objective"]
    joint = f"{table.delimiter} " if table.delimiter.strip() else " "
    for line in rows.index:
        cells = rows.loc[line].tolist()
        extra = filled_width(cells) - width
        if extra <= 0:
            continue
        joined = joint.join(part for part in cells[objective:objective + extra + 1])
        mended = cells[:objective] + [joined] + cells[objective + extra + 1:]
        rows.loc[line] = mended + [""] * (len(cells) - len(mended))
        table.notes.append(table.problem(_(
            "This row has %(found)s cells and the header %(expected)s: a separator without "
            "quotes inside a text split it. Its parts were joined back in this column; check "
            "the row."
        ) % {"found": width + extra, "expected": width}, line=line,
            column=header.labels["objective"], value=joined[:80]))


def filled_width(cells: list[str]) -> int:
    """The cells up to the last one with text."""
    return max((index + 1 for index, cell in enumerate(cells) if cell), default=0)


def parse_metadata(table: Table) -> tuple[ReportMetadata, list[Problem]]:
    return read_metadata(table, table.cells)


def parse_dictionary(table: Table) -> str | None:
    """The institution's name, from the row labelled "Institución"."""
    for row in table.cells.itertuples(index=False, name=None):
        if fold(row[0].replace(":", " ")) in ("institucion", "nombre de la institucion"):
            return ", ".join(cell for cell in row[1:] if cell) or None
    return None


def duplicate_role_problem(table: Table, role_name: str, first: Table) -> Problem:
    return table.problem(_(
        "There are two %(role)s files, this one and “%(other)s”. "
        "Give the files of one month only."
    ) % {"role": role_name, "other": first.name})
