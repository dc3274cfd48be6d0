"""read_report: from the files a user gave to a validated ParsedReport, or every problem."""
from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import bounds, cells
from .layout import DATASET, DICTIONARY, MATRIX, METADATA, Header, role_and_header
from .matrix import parse_matrix
from .parsed import InputFile, ParsedFile, ParsedReport, Problem, ReportInvalid, ReportMetadata
from .portal import duplicate_role_problem, parse_dataset, parse_dictionary, parse_metadata
from .result import role_label
from .scanned import ScannedTable, left_out_warnings
from .sources import expand_archives, read_table
from .table import Table, Unreadable

FORMAT_A, FORMAT_B = "A", "B"


def read_report(files: list[InputFile], sheet: str | None = None) -> ParsedReport:
    """Detects the format (a Format A matrix, or the Format B files, maybe in a ZIP) and the
    encodings from the bytes, reads and validates everything. `sheet` names the worksheet of
    a workbook with more than one report.

    Raises ReportInvalid listing every problem of every file. Touches no database.
    """
    if not files:
        raise ReportInvalid([Problem("", _("No file was given. Choose the month's report."))])
    inputs, problems = expand_archives(files)
    tables = []
    for file in inputs:
        try:
            tables.append(read_table(file, sheet))
        except Unreadable as unreadable:
            problems.append(unreadable.problem)

    by_role = {MATRIX: [], DATASET: [], METADATA: [], DICTIONARY: []}
    warnings = []
    for table in tables:
        table.cells, findings = cells.clean(table.cells)
        role, header = role_and_header(table)
        name = column_namer(table, header)
        problems += cells.refusals(table, findings, name)
        warnings += cells.warnings(table, findings, name)
        warnings += left_out_warnings(table)
        if role is None:
            problems.append(unrecognised_problem(table))
        else:
            by_role[role].append((table, header))

    report = None
    if by_role[MATRIX]:
        report, more_problems = assemble_matrix(by_role)
        problems += more_problems
    elif any(by_role.values()):
        report, more_problems = assemble_portal(by_role)
        problems += more_problems
    if report is not None:
        try:
            bounds.check_goal_count(report.files[0].source.name, len(report.goals))
        except bounds.OutOfBounds as refusal:
            problems.append(refusal.problem)
    if problems:
        raise ReportInvalid(problems)
    notes = [note for table in tables for note in table.notes]  # a PDF's, a data set's
    report.warnings = warnings + notes + repeated_goal_warnings(report)
    return report


def column_namer(table: Table, header: Header | None):
    """A column's name for messages: its header as published, else its spreadsheet letter."""
    names = {}
    if header is not None:
        names = {index: text for index, text in table.cells.loc[header.line].items() if text}
    return lambda index: names.get(index) or cells.column_letter(index)


def repeated_goal_warnings(report: ParsedReport) -> list[Problem]:
    """Goal rows published twice, the same unit, objective, indicator and target: both are
    stored, as published, but the preview and the command say where."""
    rows = defaultdict(list)
    for goal in report.goals:
        rows[(goal.unit_code, goal.unit_name, goal.objective, goal.indicator, goal.target)].append(
            goal
        )
    warnings = []
    for repeated in rows.values():
        if len(repeated) < 2:
            continue
        first, *others = repeated
        warnings.append(Problem(first.file, ngettext(
            "This goal is published again, with the same unit, objective, indicator and "
            "target, at %(others)s. Both are stored as published; delete the repetition if it "
            "is a mistake.",
            "This goal is published %(count)s more times, with the same unit, objective, "
            "indicator and target, at %(others)s. All are stored as published; delete the "
            "repetitions if they are mistakes.",
            len(others),
        ) % {"count": len(others), "others": "; ".join(goal.location for goal in others)},
            line=first.line, page=first.page, sheet=first.sheet))
    return warnings


def unrecognised_problem(table: Table) -> Problem:
    return table.problem(_(
        "This file was not recognised. A report needs a header row with the columns "
        "“Descripción de la unidad” (or “Unidad”), “Objetivo de la unidad”, “Indicador” and "
        "“Meta cuantificable”; the portal's metadata file starts with “FECHA ACTUALIZACIÓN DE "
        "LA INFORMACIÓN” and its dictionary with “Institución”."
    ))


def parsed_file(table: Table, role: str, header=None) -> ParsedFile:
    return ParsedFile(
        source=table.source,
        role=role,
        detected_format=table.detected_format,
        encoding=table.encoding,
        row_count=last_row(table),
        columns=dict(header.labels) if header else {},
        sheet=table.sheet,
        pages=table.pages,
        ocr=isinstance(table, ScannedTable),
    )


def last_row(table: Table) -> int:
    """The rows read: up to the last line (or sheet row) with text, whatever the format; all
    the rows of a PDF's pages."""
    if table.positions is not None:
        return len(table.positions)
    filled = table.cells.ne("").any(axis=1)
    return int(table.cells.index[filled].max()) if filled.any() else 0


def assemble_matrix(by_role) -> tuple[ParsedReport | None, list[Problem]]:
    problems = []
    (first, _header), *others = by_role[MATRIX]
    for table, _ignored in others:
        problems.append(table.problem(_(
            "There is more than one report matrix (the first is “%(first)s”). "
            "Import one month at a time."
        ) % {"first": first.name}))
    for role in (DATASET, METADATA, DICTIONARY):
        for table, _ignored in by_role[role]:
            problems.append(table.problem(_(
                "This file of the transparency portal (%(role)s) cannot be imported together "
                "with a report matrix. Import them separately."
            ) % {"role": role_label(role)}))
    matrices = [(table, header, parse_matrix(table, header)) for table, header in by_role[MATRIX]]
    for _table, _header, matrix in matrices:
        problems += matrix.problems
    table, header, matrix = matrices[0]
    report = ParsedReport(
        format=FORMAT_A,
        files=[parsed_file(table, MATRIX, header)],
        metadata=matrix.metadata,
        levels=matrix.levels,
        goals=matrix.goals,
    )
    return report, problems


def assemble_portal(by_role) -> tuple[ParsedReport | None, list[Problem]]:
    problems = []
    for role in (DATASET, METADATA, DICTIONARY):
        first = by_role[role][0][0] if by_role[role] else None
        for table, _header in by_role[role][1:]:
            problems.append(duplicate_role_problem(table, role_label(role), first))
    if not by_role[DATASET]:
        if not problems:
            name = next(tables[0][0].name for tables in by_role.values() if tables)
            problems.append(Problem(name, _(
                "The goals are missing: none of the files is a report matrix or the portal's "
                "data set (with the columns “Unidad”, “Objetivo”, “Indicador” and “Meta "
                "cuantificable”). Add that file."
            )))
        return None, problems

    table, header = by_role[DATASET][0]
    dataset = parse_dataset(table, header)
    problems += dataset.problems
    files = [parsed_file(table, DATASET, header)]
    metadata = ReportMetadata()
    if by_role[METADATA]:
        metadata_table = by_role[METADATA][0][0]
        metadata, metadata_problems = parse_metadata(metadata_table)
        problems += metadata_problems
        files.append(parsed_file(metadata_table, METADATA))
    institution = None
    if by_role[DICTIONARY]:
        dictionary_table = by_role[DICTIONARY][0][0]
        institution = parse_dictionary(dictionary_table)
        files.append(parsed_file(dictionary_table, DICTIONARY))
    report = ParsedReport(
        format=FORMAT_B,
        files=files,
        metadata=metadata,
        goals=dataset.goals,
        institution=institution,
    )
    return report, problems
