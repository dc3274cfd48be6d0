"""Goal rows and metadata rows, shared by both formats."""
from __future__ import annotations

import pandas as pd
from django.utils.translation import gettext as _

from metas import periods

from .layout import Header
from .parsed import ParsedGoal, Problem, ReportMetadata
from .scanned import review
from .sources import Table
from .values import ValueProblem, metadata_field, parse_date, parse_target, split_link


def column(frame: pd.DataFrame, header: Header, field: str) -> list[str]:
    index = header.columns.get(field)
    if index is None or index not in frame.columns:
        return [""] * len(frame)
    return frame[index].tolist()


def build_goals(
    table: Table, header: Header, frame: pd.DataFrame, levels: list[str | None] | None = None
) -> tuple[list[ParsedGoal], list[Problem]]:
    """One ParsedGoal per row of `frame` (goal rows only), with every problem of those rows.

    Targets repeat a lot ("100%", "NO APLICA, …"), so each distinct text is read once.
    """
    lines = frame.index.tolist()
    codes = column(frame, header, "unit_code")
    units = column(frame, header, "unit_name")
    objectives = column(frame, header, "objective")
    indicators = column(frame, header, "indicator")
    targets = column(frame, header, "target")
    links = column(frame, header, "verification_link")
    if header.has("verification_link") and table.links:
        # A cell linked to its address ("Ver" -> https://...): the address is the link.
        link_column = header.columns["verification_link"]
        links = [table.links.get((line, link_column), text) for line, text in zip(lines, links)]
    levels = levels if levels is not None else [None] * len(frame)

    parsed_targets: dict[str, object] = {}
    for text in set(targets):
        try:
            parsed_targets[text] = parse_target(text)
        except ValueProblem as problem:
            parsed_targets[text] = problem

    goals, problems = [], []
    for line, code, unit, objective, indicator, target, link, level in zip(
        lines, codes, units, objectives, indicators, targets, links, levels
    ):
        row_problems = []
        if not unit:
            row_problems.append(table.problem(
                _("The unit is empty. Write the name of the unit this goal belongs to."),
                line=line, column=header.labels["unit_name"],
            ))
        if not objective:
            row_problems.append(table.problem(
                _("The objective is empty. Write the goal's objective or delete the row."),
                line=line, column=header.labels["objective"],
            ))
        parsed = parsed_targets[target]
        if isinstance(parsed, ValueProblem):
            row_problems.append(table.problem(
                str(parsed), line=line, column=header.labels["target"], value=target
            ))
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
