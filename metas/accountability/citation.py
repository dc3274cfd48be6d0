"""A goal cited exactly: a ready sentence and its permanent link.

    citation(goal, "https://…/metas/123/")
    # "Municipio de Loja. «Pavimentación de vías». Metas y objetivos de las unidades
    #  administrativas (LOTAIP, art. 7, literal a4), reporte de agosto de 2019; unidad 8.1
    #  Gestión de Obras Públicas - Vialidad Urbana y Rural; loja.tsv, línea 22. En
    #  Transparencia Metas: https://…/metas/123/"

`goal` needs its report, institution, unit and source file loaded (the goal page's query).
"""
from __future__ import annotations

from urllib.parse import quote, urlencode

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from metas import periods
from metas.models import Report
from metas.text import email_address

LITERALS = {
    Report.Format.MATRIX: gettext_lazy("LOTAIP, art. 7, literal a4"),
    Report.Format.PORTAL: gettext_lazy("LOTAIP, art. 19, numeral 1.3"),
}


def literal(report: Report) -> str:
    return str(LITERALS.get(report.format, LITERALS[Report.Format.PORTAL]))


def source_place(goal) -> str:
    """"loja.tsv, línea 22", "reporte.xlsx, fila 22", "reporte.pdf, página 3, fila 12", or
    "línea 22" without a file."""
    source = goal.source_file
    if source is None:
        return _("line %(line)s") % {"line": goal.source_line}
    if goal.source_page:
        return _("%(file)s, page %(page)s, row %(row)s") % {
            "file": source.original_name, "page": goal.source_page, "row": goal.source_line}
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


def error_report_mailto(goal, url: str) -> str | None:
    """A mailto: link to the report's responsible person, the goal's link in the body."""
    address = email_address(goal.report.email)
    if not address:
        return None
    subject = _("Possible error in a published goal")
    body = _("I think there is an error in this goal (%(period)s):\n%(objective)s\n%(url)s\n\n") % {
        "period": periods.label(goal.report.period),
        "objective": goal.objective,
        "url": url,
    }
    return f"mailto:{address}?" + urlencode({"subject": subject, "body": body}, quote_via=quote)
