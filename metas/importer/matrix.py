"""Format A, the 2015–2023 matrix (LOTAIP Art. 7 literal a4).

The layout, as published (see fixtures/loja-lotaip-a4-2019-08.tsv):

    Art. 7 de la Ley Orgánica de Transparencia …        <- page titles, repeated at page breaks
    No. | Descripción de la unidad | Objetivo de la unidad | Indicador | Meta cuantificable
    PROCESOS GOBERNANTES / NIVEL DIRECTIVO              <- a process level: text in column 1 only
    1 | Alcaldía | Cumplir y hacer cumplir … | NO APLICA … | NO APLICA …
    …
    FECHA ACTUALIZACIÓN DE LA INFORMACIÓN: | | | 31/08/2019    <- the metadata footer

Every row is classified by its shape, not by a list of names: other municipalities use other
level names and titles.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from metas.text import fold

from .layout import REQUIRED_COLUMNS, Header, section_like
from .parsed import ParsedGoal, Problem, ReportMetadata
from .rows import build_goals, read_metadata
from .table import Table
from .values import metadata_field


@dataclass
class Matrix:
    levels: list[str] = field(default_factory=list)
    goals: list[ParsedGoal] = field(default_factory=list)
    metadata: ReportMetadata = field(default_factory=ReportMetadata)
    problems: list[Problem] = field(default_factory=list)


def missing_column_problems(table: Table, header: Header, names: dict[str, str]) -> list[Problem]:
    return [
        table.problem(
            _("The column “%(column)s” is missing from the header row. Add it (the header "
              "must name the columns %(columns)s).") % {
                "column": names[missing],
                "columns": ", ".join(f"“{name}”" for name in names.values()),
            },
            line=header.line, column=names[missing],
        )
        for missing in header.missing()
    ]


def parse_matrix(table: Table, header: Header) -> Matrix:
    result = Matrix()
    result.problems = missing_column_problems(table, header, REQUIRED_COLUMNS)
    if result.problems:
        return result
    shape = RowShapes(table.cells, header)

    # Each goal belongs to the last level row above it.
    level_rows = table.cells[0].astype("string").where(shape.level)
    levels_by_row = level_rows.ffill()[shape.goal]
    result.levels = distinct_in_order(level_rows.dropna())
    # Each level as first published, for every spelling of it ("Nivel de apoyo", "NIVEL …").
    first_spelling = {fold(name): name for name in result.levels}
    canonical = {name: first_spelling[fold(name)] for name in level_rows.dropna().unique()}
    result.problems += orphan_problems(table, levels_by_row)
    result.problems += after_footer_problems(table, shape)

    goals_frame = table.cells[shape.goal & levels_by_row.reindex(table.cells.index).notna()]
    goals_frame = goals_frame[goals_frame.index < shape.footer_start]
    levels = levels_by_row.dropna()[goals_frame.index].map(canonical).tolist()
    result.goals, goal_problems = build_goals(table, header, goals_frame, levels)
    result.problems += goal_problems

    result.metadata, metadata_problems = read_metadata(table, table.cells[shape.footer])
    result.problems += metadata_problems
    if not shape.goal.any():
        result.problems.append(no_goals_problem(table))
    return result


class RowShapes:
    """Boolean masks over the table's rows: header repeats, titles, levels, footer, goals."""

    def __init__(self, cells: pd.DataFrame, header: Header):
        lines = pd.Series(cells.index, index=cells.index)
        filled = cells.ne("")
        blank = ~filled.any(axis=1)
        after_header = lines > header.line

        first_labels = {value: metadata_field(value) for value in cells[0].unique()}
        self.footer = cells[0].map(first_labels).notna() & (lines != header.line)
        footer_lines = lines[self.footer & after_header]
        self.footer_start = footer_lines.iloc[0] if len(footer_lines) else float("inf")

        # The header as repeated at page breaks, compared ignoring case.
        repeated = pd.Series(True, index=cells.index)
        for name, index in header.columns.items():
            if name in REQUIRED_COLUMNS:
                repeated &= cells[index].str.casefold() == header.labels[name].casefold()

        # Page titles: the rows above the first header, wherever they come back.
        single = filled.sum(axis=1) == 1
        titles = {
            " ".join(cell for cell in row if cell).casefold()
            for row in cells[(lines < header.line) & ~blank].itertuples(index=False)
        }
        # The one text of a single-text row is its greatest cell ("" sorts first).
        single_text = cells[single].max(axis=1).astype(str)
        title = single_text.str.casefold().isin(titles).reindex(cells.index, fill_value=False)

        in_body = after_header & (lines < self.footer_start)
        self.level = section_like(cells) & ~title & ~self.footer & in_body
        self.goal = (
            after_header & ~blank & ~repeated & ~title & ~self.level & ~self.footer
            & ~(single & (lines > self.footer_start))  # notes under the footer
        )


def distinct_in_order(names: pd.Series) -> list[str]:
    seen, distinct = set(), []
    for name in names:
        if fold(name) not in seen:
            seen.add(fold(name))
            distinct.append(name)
    return distinct


def orphan_problems(table: Table, levels_by_row: pd.Series) -> list[Problem]:
    """Goal rows above the first level row: one problem for all of them."""
    orphans = levels_by_row[levels_by_row.isna()].index
    if not len(orphans):
        return []
    return [table.problem(
        ngettext(
            "This goal row comes before any process-level row. Add the row of its level "
            "(its name in the first column only, e.g. “PROCESOS GOBERNANTES”) above it.",
            "These %(count)s goal rows (from %(first)s to %(last)s) come before any "
            "process-level row. Add the row of their level (its name in the first column "
            "only, e.g. “PROCESOS GOBERNANTES”) above them.",
            len(orphans),
        ) % {"count": len(orphans), "first": table.location(orphans[0]),
             "last": table.location(orphans[-1])},
        line=orphans[0],
    )]


def after_footer_problems(table: Table, shape: RowShapes) -> list[Problem]:
    late = shape.goal[shape.goal].index
    late = late[late > shape.footer_start]
    return [
        table.problem(
            _("This goal row comes after the report's footer (which starts at %(footer)s). "
              "Move it above the footer or delete it.") % {
                "footer": table.location(shape.footer_start)},
            line=line,
        )
        for line in late
    ]


def no_goals_problem(table: Table) -> Problem:
    return table.problem(_(
        "The file has no goals: there are no rows under the header row. "
        "Check that this is the month's report."
    ))
