"""Goal rows and metadata rows, shared by both formats."""
from __future__ import annotations

import pandas as pd
from django.utils.translation import gettext as _

from metas import periods

from .layout import Header
from .parsed import ParsedGoal, Problem, ReportMetadata
from .scanned import review
from .table import Table
from .values import ValueProblem, metadata_field, parse_date, parse_target, split_link


def column(frame: pd.DataFrame, header: Header, field: str) -> list[str]:
    index = header.columns.get(field)
    if index is None or index not in frame.columns:
        return [""] * len(frame)
    return frame[index].tolist()


def build_goals(
    table: Table, header: Header, frame: pd.DataFrame, levels: list[str | None] | None = None
) -> tuple[list[ParsedGoal], list[Problem]]:
    """One ParsedGoal per row of `frame` (goal rows only), with every problem of those rows."""
    lines = frame.index.tolist()
    levels = levels if levels is not None else [None] * len(frame)
    targets = column(frame, header, "target")
    parsed_targets = read_targets(targets)
    goals, problems = [], []
    for line, code, unit, objective, indicator, target, link, level in zip(
        lines, column(frame, header, "unit_code"), column(frame, header, "unit_name"),
        column(frame, header, "objective"), column(frame, header, "indicator"), targets,
        verification_links(table, header, frame), levels,
    ):
        parsed = parsed_targets[target]
        row_problems = goal_problems(table, header, line, unit, objective, target, parsed)
        if row_problems:
            problems.extend(row_problems)
            continue
        page, row = table.position(line)
        goals.append(ParsedGoal(
            level=level,
            unit_code=code,
            unit_name=unit,
            objective=objective,
            indicator=indicator,
            target=target,
            progress=parsed.progress,
            status=parsed.status,
            note=parsed.note,
            lacks_financing=parsed.lacks_financing,
            verification_link=link,
            file=table.name,
            line=row,
            page=page,
            sheet=table.sheet,
            ocr=review(table, line, header.columns),
        ))
    return goals, problems


def verification_links(table: Table, header: Header, frame: pd.DataFrame) -> list[str]:
    """Each row's verification link: a cell linked to its address ("Ver" -> https://...)
    gives the address, any other cell its text."""
    links = column(frame, header, "verification_link")
    if not (header.has("verification_link") and table.links):
        return links
    link_column = header.columns["verification_link"]
    lines = frame.index.tolist()
    return [table.links.get((line, link_column), text) for line, text in zip(lines, links)]


def read_targets(targets: list[str]) -> dict[str, object]:
    """Each distinct target text read once (targets repeat a lot: "100%", "NO APLICA, …"): its
    parse_target() value, or the ValueProblem saying why it cannot be read."""
    parsed_targets: dict[str, object] = {}
    for text in set(targets):
        try:
            parsed_targets[text] = parse_target(text)
        except ValueProblem as problem:
            parsed_targets[text] = problem
    return parsed_targets


def goal_problems(table: Table, header: Header, line, unit, objective, target, parsed):
    """What is wrong with one goal row: an empty unit or objective, a target not read."""
    problems = []
    if not unit:
        problems.append(table.problem(
            _("The unit is empty. Write the name of the unit this goal belongs to."),
            line=line, column=header.labels["unit_name"],
        ))
    if not objective:
        problems.append(table.problem(
            _("The objective is empty. Write the goal's objective or delete the row."),
            line=line, column=header.labels["objective"],
        ))
    if isinstance(parsed, ValueProblem):
        problems.append(table.problem(
            str(parsed), line=line, column=header.labels["target"], value=target
        ))
    return problems


def read_metadata(table: Table, frame: pd.DataFrame) -> tuple[ReportMetadata, list[Problem]]:
    """The metadata in label/value rows: a matrix's footer or a portal metadata file.

    The value is in the filled cells right of the label ("FECHA ACTUALIZACIÓN …:" ⇥⇥⇥
    "31/08/2019"; several when an unquoted comma split it), or what follows the label's colon
    when it shares the label's cell. A label given twice keeps its first value.
    """
    metadata, problems = ReportMetadata(), []
    for line, row in zip(frame.index, frame.itertuples(index=False, name=None)):
        label = row[0]
        field = metadata_field(label)
        key = "link_text" if field == "link" else field
        if field is None or key in metadata.locations:
            continue
        value = ", ".join(cell for cell in row[1:] if cell)
        if not value and field == "link":
            value = split_link(label)[1]  # "LINK PARA DESCARGAR … https://…" in one cell
        elif not value and ":" in label:
            label, value = (part.strip() for part in label.split(":", 1))
        column_name = label.rstrip(": ")
        if field == "updated_on":
            if not value:
                continue
            updated_on = parse_date(value)
            if updated_on is None:
                problems.append(table.problem(
                    _("The update date “%(value)s” is not a date. "
                      "Write it as day/month/year, e.g. 31/08/2019.") % {"value": value},
                    line=line, column=column_name, value=value,
                ))
                continue
            if not periods.plausible(updated_on):
                problems.append(table.problem(
                    _("The update date “%(value)s” is outside the possible months (%(first)s "
                      "to %(last)s). Correct the date.") % {
                        "value": value, "first": periods.label(periods.FIRST_PLAUSIBLE),
                        "last": periods.label(periods.last_plausible())},
                    line=line, column=column_name, value=value,
                ))
                continue
            metadata.updated_on = updated_on
        elif field == "link":
            metadata.link_text, metadata.link_url = split_link(value)
            # The address behind the text ("Reporte del GPR"), in a workbook or a PDF.
            metadata.link_url = metadata.link_url or next(
                (table.links[(line, index)] for index in range(len(row))
                 if (line, index) in table.links), "")
        else:
            setattr(metadata, field, value)
        page, row_number = table.position(line)
        metadata.locations[key] = (table.name, row_number, page, table.sheet)
    return metadata, problems
