"""Recognising what a table is from its content: its header row, and so its role.

A Format A matrix and a Format B data set share the goal columns (unit, objective, indicator,
target); the matrix also has unit codes ("No."), page titles above the header, process-level
rows and a metadata footer, while the data set has a verification-link column. Metadata and
dictionary files have no header: they are told apart by their first labels.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from metas.text import fold

from .table import Table
from .values import metadata_field

# Roles, as metas.models.SourceFile.Role values.
MATRIX, DATASET, METADATA, DICTIONARY = "matrix", "dataset", "metadata", "dictionary"

# The goal columns every report must have, by ParsedGoal field, with the name a user knows.
REQUIRED_COLUMNS = {
    "unit_name": "Descripción de la unidad",
    "objective": "Objetivo de la unidad",
    "indicator": "Indicador",
    "target": "Meta cuantificable",
}
PORTAL_COLUMN_NAMES = {
    "unit_name": "Unidad",
    "objective": "Objetivo",
    "indicator": "Indicador",
    "target": "Meta cuantificable",
}
# Rows looked at for a header: it sits under the page titles, near the top.
HEADER_SEARCH_ROWS = 30

_CODE_HEADER = re.compile(r"(no|n|nro|num|numero|cod|codigo|#|n°)\.?(\s.*)?")


def column_field(header_cell: str) -> str | None:
    """The ParsedGoal field a header cell names ("Objetivo(s)", "gestiÓn" and all)."""
    folded = fold(header_cell)
    if not folded:
        return None
    if folded.startswith("objetivo"):
        return "objective"
    if folded.startswith("indicador"):
        return "indicator"
    if folded.startswith("meta"):
        return "target"
    if folded.startswith(("enlace", "link")):
        return "verification_link"
    if _CODE_HEADER.fullmatch(folded):
        return "unit_code"
    if "unidad" in folded or folded.startswith(("descripcion", "direccion", "dependencia")):
        return "unit_name"
    return None


@dataclass
class Header:
    line: int  # the line (or sheet row) of the first header row
    columns: dict[str, int]  # ParsedGoal field -> column index
    labels: dict[str, str]  # ParsedGoal field -> header as published

    def has(self, field: str) -> bool:
        return field in self.columns

    def missing(self) -> list[str]:
        return [field for field in REQUIRED_COLUMNS if field not in self.columns]


def find_header(table: Table) -> Header | None:
    """The first row naming at least three of the four goal columns."""
    for line, row in table.cells.head(HEADER_SEARCH_ROWS).iterrows():
        columns, labels = {}, {}
        for index, cell in row.items():
            field = column_field(cell)
            if field and field not in columns:
                columns[field] = index
                labels[field] = cell
        if sum(field in columns for field in REQUIRED_COLUMNS) >= 3:
            return Header(line=int(line), columns=columns, labels=labels)
    return None


def role_and_header(table: Table) -> tuple[str | None, Header | None]:
    """The table's role (MATRIX, DATASET, METADATA, DICTIONARY or None) and its header."""
    header = find_header(table)
    if header is not None:
        return (MATRIX if is_matrix(table, header) else DATASET), header
    labels = first_labels(table.cells)
    if sum(metadata_field(label) is not None for label in labels) >= 2:
        return METADATA, None
    if any(fold(label.replace(":", " ")) in ("institucion", "nombre de la institucion")
           for label in labels):
        return DICTIONARY, None
    return None, None


def is_matrix(table: Table, header: Header) -> bool:
    if header.has("verification_link") and not header.has("unit_code"):
        return False
    if header.has("unit_code"):
        return True
    cells = table.cells
    nonblank = cells.ne("").any(axis=1)
    if nonblank[cells.index < header.line].any():
        return True  # page titles above the header
    return bool(section_like(cells)[cells.index > header.line].any())


def section_like(cells: pd.DataFrame) -> pd.Series:
    """Rows whose only text is in the first column: process levels (and page titles)."""
    filled = cells.ne("")
    return filled[0] & (filled.sum(axis=1) == 1)


def first_labels(cells: pd.DataFrame, count: int = 6) -> list[str]:
    nonblank = cells[cells.ne("").any(axis=1)]
    return list(nonblank[0].head(count)) if len(cells.columns) else []
