"""A goal cited exactly: a ready sentence and its permanent link.

    citation(goal, "https://…/metas/123/")
    # "Municipio de Loja. «Pavimentación de vías». Metas y objetivos de las unidades
    #  administrativas (LOTAIP, art. 7, literal a4), reporte de agosto de 2019; unidad 8.1
    #  Gestión de Obras Públicas - Vialidad Urbana y Rural; loja.tsv, línea 22. En
    #  Transparencia Metas: https://…/metas/123/"

`goal` needs its report, institution, unit and source file loaded (the goal page's query).
"""
from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from metas import periods
from metas.models import Report

LITERALS = {
    Report.Format.MATRIX: gettext_lazy("LOTAIP, art. 7, literal a4"),
    Report.Format.PORTAL: gettext_lazy("LOTAIP, art. 19, numeral 1.3"),
}


def literal(report: Report) -> str:
    return str(LITERALS.get(report.format, LITERALS[Report.Format.PORTAL]))


def source_place(goal) -> str:
    """"loja.tsv, línea 22", "reporte.xlsx, fila 22", or "línea 22" without a file."""
    source = goal.source_file
    if source is None:
        return _("line %(line)s") % {"line": goal.source_line}
    if source.detected_format == "xlsx":
        return _("%(file)s, row %(row)s") % {"file": source.original_name, "row": goal.source_line}
    return _("%(file)s, line %(line)s") % {"file": source.original_name, "line": goal.source_line}


def citation(goal, url: str) -> str:
    report = goal.report
    unit = f"{goal.unit.code} {goal.unit.published_name}".strip()
    return _(
        "%(institution)s. “%(objective)s”. Goals and objectives of the administrative units "
        "(%(literal)s), report of %(period)s; unit %(unit)s; %(source)s. In Transparencia "
        "Metas: %(url)s"
    ) % {
        "institution": report.institution.name,
        "objective": goal.objective,
        "literal": literal(report),
        "period": periods.label(report.period),
        "unit": unit,
        "source": source_place(goal),
        "url": url,
    }
