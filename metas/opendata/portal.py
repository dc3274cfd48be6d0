"""A report as the national transparency portal takes it for numeral 1.3 (LOTAIP Art. 19):
three CSV files, whatever form the report was published in (metas.importer.portal reads them).

    files = portal_files(report)       # {"conjunto-de-datos": bytes, "metadatos": …, …}
    portal_filename(report, "metadatos")   # "municipio-de-loja-2019-08-metadatos.csv"

- conjunto de datos: the header `Unidad, Objetivo, Indicador, Meta cuantificable, Enlace al
  sistema de gestión de planificación …`, then one goal per row, in the report's order: the
  unit as published, the objective, indicator and target as published, the goal's
  verification link (else the report's link);
- metadatos: label and value, no header: the update date (day/month/year), periodicity, holder
  unit, responsible person, e-mail, phone, and the report's link when it has one;
- diccionario: label and description, the first row `Institución` and its name, then what
  each column of the data set holds.

UTF-8 with a byte-order mark (so that a spreadsheet opens the accents right), commas, CRLF line
ends, fields quoted where the CSV needs it. A text a spreadsheet would run as a formula is
neutralised (metas.opendata.exports.neutralise), as in every export. The portal has no unit
codes and no process levels: those of a Format A report are not in these files.
"""
from __future__ import annotations

import csv
import io

from ..models import Goal, Report
from .exports import BOM, neutralise

DATASET, METADATA, DICTIONARY = "conjunto-de-datos", "metadatos", "diccionario"
PARTS = (DATASET, METADATA, DICTIONARY)
LINK_HEADER = (
    "Enlace al sistema de gestión de planificación para verificación de los indicadores y "
    "metas cuantificables por procesos o niveles"
)
DATASET_HEADER = ["Unidad", "Objetivo", "Indicador", "Meta cuantificable", LINK_HEADER]
HOLDER = "UNIDAD POSEEDORA DE LA INFORMACIÓN"
RESPONSIBLE = f"RESPONSABLE DE LA {HOLDER}"
METADATA_LABELS = (
    ("updated_on", "FECHA ACTUALIZACIÓN DE LA INFORMACIÓN"),
    ("periodicity", "PERIODICIDAD DE ACTUALIZACIÓN DE LA INFORMACIÓN"),
    ("holder_unit", HOLDER),
    ("responsible", RESPONSIBLE),
    ("email", f"CORREO ELECTRÓNICO DEL O LA {RESPONSIBLE}"),
    ("phone", f"NÚMERO TELEFÓNICO DEL O LA {RESPONSIBLE}"),
)
LINK_LABEL = "LINK PARA DESCARGAR EL REPORTE DE SEGUIMIENTO"
COLUMN_DESCRIPTIONS = [
    ["Unidad", "Nombre de la unidad administrativa, como se publicó"],
    ["Objetivo", "Objetivo de la unidad administrativa"],
    ["Indicador", "Indicador con el que se mide el objetivo"],
    ["Meta cuantificable", "Meta cuantificable del periodo, o su porcentaje de avance"],
    [LINK_HEADER, "Dirección del reporte del sistema de gestión de planificación (GPR)"],
]


def portal_files(report: Report) -> dict[str, bytes]:
    """The three files, by part name."""
    return {part: portal_file(report, part) for part in PARTS}


def portal_file(report: Report, part: str) -> bytes:
    rows = {DATASET: dataset_rows, METADATA: metadata_rows, DICTIONARY: dictionary_rows}[part]
    return csv_bytes(rows(report))


def portal_filename(report: Report, part: str) -> str:
    return f"{report.institution.slug}-{report.period_slug}-{part}.csv"


def dataset_rows(report: Report) -> list[list[str]]:
    goals = (
        Goal.objects.filter(report=report).select_related("unit").order_by("position")
        .only("unit__published_name", "objective", "indicator", "target", "verification_link")
    )
    return [DATASET_HEADER] + [
        [goal.unit.published_name, goal.objective, goal.indicator, goal.target,
         goal.verification_link or report.link_url]
        for goal in goals.iterator(chunk_size=2000)
    ]


def metadata_rows(report: Report) -> list[list[str]]:
    rows = []
    for field, label in METADATA_LABELS:
        value = getattr(report, field)
        if field == "updated_on":
            value = f"{value.day:02d}/{value.month:02d}/{value.year}" if value else ""
        rows.append([label, value])
    if report.link_url or report.link_text:
        text = report.link_text if report.link_text != report.link_url else ""
        rows.append([LINK_LABEL, " ".join(part for part in (text, report.link_url) if part)])
    return rows


def dictionary_rows(report: Report) -> list[list[str]]:
    return [["Institución", report.institution.name], *COLUMN_DESCRIPTIONS]


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return (BOM + buffer.getvalue()).encode("utf-8")
