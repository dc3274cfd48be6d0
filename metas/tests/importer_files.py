"""Report files for the importer's tests, built from the sample as municipalities publish them.

    sample_bytes()                         # fixtures/loja-lotaip-a4-2019-08.tsv as published
    sample_rows()                          # its rows as lists of cells (line i is rows[i - 1])
    csv_bytes(rows, ";", "cp1252")         # what Excel writes as "CSV" in a Spanish locale
    xlsx_bytes(rows, percent_cells=True)   # the same layout as a workbook
    portal_files()                         # Format B: data set, metadata, dictionary
    database_state()                       # everything an import could change, to compare
"""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage

from metas.importer import InputFile
from metas.models import (
    Goal,
    GoalNeighbourhood,
    GoalParish,
    ImportLog,
    Institution,
    ProcessLevel,
    Report,
    SourceFile,
    Unit,
)

SAMPLE = Path(settings.BASE_DIR) / "fixtures" / "loja-lotaip-a4-2019-08.tsv"
SAMPLE_NAME = SAMPLE.name


def sample_bytes() -> bytes:
    return SAMPLE.read_bytes()


def sample_file() -> InputFile:
    return InputFile(SAMPLE_NAME, sample_bytes())


def sample_rows() -> list[list[str]]:
    """The sample's rows, cells as published (bare quotes kept); rows[i] is line i + 1."""
    text = sample_bytes().decode("utf-8")
    return [line.split("\t") if line else [] for line in text.split("\n")]


def tsv_bytes(rows, encoding="utf-8") -> bytes:
    return "\n".join("\t".join(row) for row in rows).encode(encoding)


def csv_bytes(rows, delimiter=",", encoding="utf-8", line_end="\r\n") -> bytes:
    """Rows written the CSV way: fields with quotes or separators quoted, quotes doubled."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_end)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, *, percent_cells=False, date_cell=True, sheet_title="Hoja1") -> bytes:
    """A workbook with the rows from A1 down. With percent_cells, plain percentages become
    numbers formatted as percentages (100% -> 1.0); with date_cell the update date is a real
    date cell."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            if not value:
                continue
            cell = sheet.cell(row=number, column=column)
            if percent_cells and value.endswith("%") and value[:-1].strip().isdigit():
                cell.value = int(value[:-1]) / 100
                cell.number_format = "0%"
            elif date_cell and is_date_text(value):
                day, month, year = map(int, value.split("/"))
                cell.value = datetime(year, month, day)
                cell.number_format = "dd/mm/yyyy"
            else:
                cell.value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def patched_xlsx(data: bytes, replacements: dict[bytes, bytes]) -> bytes:
    """The workbook with bytes replaced in its XML parts (what openpyxl would not write)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info)
            if info.filename.endswith(".xml"):
                for old, new in replacements.items():
                    content = content.replace(old, new)
            archive.writestr(info.filename, content)
    return buffer.getvalue()


def two_report_workbook() -> bytes:
    """August in sheet "Agosto", the same a month later in "Septiembre", and a "Notas" sheet."""
    from io import BytesIO

    from openpyxl import load_workbook

    workbook = load_workbook(BytesIO(xlsx_bytes(sample_rows(), sheet_title="Agosto")))
    september = workbook.copy_worksheet(workbook["Agosto"])
    september.title = "Septiembre"
    september["D215"] = "30/09/2019"
    workbook.create_sheet("Notas")["A1"] = "Notas de la Dirección de Planificación"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def is_date_text(value: str) -> bool:
    parts = value.split("/")
    return len(parts) == 3 and all(part.isdigit() for part in parts)


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- Format B, as filed on the national transparency portal ---------------------------------

PORTAL_LINK = "https://gpr.loja.gob.ec/reportes/2025-01"
PORTAL_HEADER = [
    "Unidad",
    "Objetivos",
    "Indicador",
    "Meta cuantificable",
    # Real files damage the case of accented letters in the header.
    "Enlace al sistema de gestiÓn de planificaciÓn para verificaciÓn de los indicadores y "
    "metas cuantificables por procesos o niveles",
]
PORTAL_GOALS = [
    ["Dirección de Planificación - Promoción Popular",
     "Adecuación de canchas en la JDB La Banda", "Porcentaje de avance", "45%", PORTAL_LINK],
    ["Dirección de Obras Públicas",
     "Pavimentación de vías en la parroquia Malacatos", "Porcentaje de avance",
     "20% Sólo posee estudios, no se ejecutó por falta de financiamiento", PORTAL_LINK],
    ["Dirección de Obras Públicas",
     "Mantenimiento vial en las parroquias rurales", "Kilómetros", "12 obras", PORTAL_LINK],
    ["Alcaldía", "Cumplir y hacer cumplir la Constitución", "N/A",
     "NO APLICA, los planes operativos anuales", ""],
    ["Dirección Financiera", "Ejecución presupuestaria", "Porcentaje", "INFORMACIÓN NO DISPONIBLE",
     PORTAL_LINK],
]
PORTAL_METADATA = [
    ["FECHA ACTUALIZACIÓN DE LA INFORMACIÓN", "31/1/2025"],
    ["PERIODICIDAD DE ACTUALIZACIÓN DE LA INFORMACIÓN", "Mensual"],
    ["UNIDAD POSEEDORA DE LA INFORMACIÓN", "Dirección de Planificación"],
    ["RESPONSABLE DE LA UNIDAD POSEEDORA DE LA INFORMACIÓN", "Ing. María Ordóñez"],
    ["CORREO ELECTRÓNICO DEL O LA RESPONSABLE DE LA UNIDAD POSEEDORA DE LA INFORMACIÓN",
     "mordonez@loja.gob.ec"],
    ["NÚMERO TELEFÓNICO DEL O LA RESPONSABLE DE LA UNIDAD POSEEDORA DE LA INFORMACIÓN",
     "(07) 2570407 ext. 150"],
]
PORTAL_DICTIONARY = [
    ["Institución", "Gobierno Autónomo Descentralizado Municipal de Loja"],
    ["Descripción", "Metas y objetivos de las unidades administrativas"],
    ["Unidad", "Nombre de la unidad administrativa"],
]
TRAILING_COLUMNS = 12  # the portal's files carry many empty columns at the right


def portal_dataset(rows=None, encoding="cp850") -> bytes:
    rows = PORTAL_GOALS if rows is None else rows
    padded = [row + [""] * TRAILING_COLUMNS for row in [PORTAL_HEADER, *rows]]
    return csv_bytes(padded, delimiter=";", encoding=encoding)


def portal_files() -> dict[str, bytes]:
    """The three files of January 2025, each in another encoding, as the portal has them."""
    return {
        "1.3-metas-enero.csv": portal_dataset(encoding="cp850"),  # Excel's "CSV (MS-DOS)"
        "metadatos.csv": csv_bytes(PORTAL_METADATA, delimiter=";", encoding="cp1252"),
        "diccionario.csv": b"\xef\xbb\xbf" + csv_bytes(PORTAL_DICTIONARY, encoding="utf-8"),
    }


# --- The database, to show that a refused import changed nothing -----------------------------

def database_state() -> dict:
    """Every row an import writes (except the import log) and every stored file."""
    models = (Institution, ProcessLevel, Unit, Report, SourceFile, Goal, GoalParish,
              GoalNeighbourhood)
    state = {model.__name__: sorted(model.objects.values_list("pk", flat=True)) for model in models}
    state["reports"] = sorted(
        Report.objects.values_list("institution__name", "period", "goal_count")
    )
    state["files"] = sorted(stored_files())
    return state


def stored_files(folder="reports") -> list[str]:
    if not default_storage.exists(folder):
        return []
    directories, files = default_storage.listdir(folder)
    found = [f"{folder}/{name}" for name in files]
    for directory in directories:
        found += stored_files(f"{folder}/{directory}")
    return found


def log_entries() -> list[tuple]:
    return list(ImportLog.objects.order_by("pk").values_list("outcome", "error_count"))
