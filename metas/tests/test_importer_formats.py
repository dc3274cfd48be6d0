"""The report as municipalities really publish it: TSV, CSV with commas or semicolons, XLSX,
the portal's three files in any order or in a ZIP, in UTF-8, Windows-1252 or CP850, quotes
both ways. Format and encoding come from the bytes, never from the name."""
import random
from datetime import date
from decimal import Decimal

import pytest

from metas.importer import InputFile, import_report, read_report
from metas.importer.sources import decode
from metas.importer.values import parse_date, parse_target
from metas.models import Goal, Report, SourceFile, Unit

from .importer_files import (
    PORTAL_LINK,
    csv_bytes,
    portal_dataset,
    portal_files,
    sample_file,
    sample_rows,
    tsv_bytes,
    xlsx_bytes,
    zip_bytes,
)


def goals_of(parsed):
    return [(g.level, g.unit_code, g.unit_name, g.objective, g.indicator, g.target, g.line)
            for g in parsed.goals]


@pytest.fixture(scope="module")
def published():
    """What the sample gives, to compare other encodings and layouts with."""
    return read_report([sample_file()])


# --- Format A in other files -------------------------------------------------------------------

@pytest.mark.parametrize("delimiter, encoding, detected", [
    (",", "utf-8", "utf-8"),
    (";", "cp1252", "cp1252"),  # Excel's "CSV" in a Spanish locale
    (";", "cp850", "cp850"),  # Excel's "CSV (MS-DOS)"
    (",", "utf-8-sig", "utf-8-sig"),  # Excel's "CSV UTF-8", with a byte order mark
])
def test_a_csv_gives_the_same_report_as_the_tsv(published, delimiter, encoding, detected):
    data = csv_bytes(sample_rows(), delimiter=delimiter, encoding=encoding)
    assert b'"Proyecto ""Ruta natural"" Gualel"' in data  # quoted the CSV way
    parsed = read_report([InputFile("reporte.txt", data)])
    assert (parsed.files[0].detected_format, parsed.files[0].encoding) == ("csv", detected)
    assert parsed.levels == published.levels
    assert goals_of(parsed) == goals_of(published)
    assert parsed.metadata.updated_on == date(2019, 8, 31)
    assert parsed.metadata.holder_unit == "DIRECCIÓN DE PLANIFICACIÓN"
    assert parsed.metadata.phone == "(593-7) 2570407 EXT 206"


def test_bare_quotes_inside_a_field_are_text_even_at_its_start(published):
    rows = [list(row) for row in sample_rows()]
    rows[87][2] = '"Ruta natural" en Gualel'  # line 88, as text pulled out of a PDF writes it
    parsed = read_report([InputFile("reporte.csv", tsv_bytes(rows, encoding="cp1252"))])
    assert parsed.files[0].encoding == "cp1252"
    by_line = {goal.line: goal for goal in parsed.goals}
    assert by_line[88].objective == '"Ruta natural" en Gualel'
    assert by_line[90].objective == 'Repotenciación del Proyecto "Destino Vilcabamba"'
    assert len(parsed.goals) == 137


def test_bare_quotes_in_a_semicolon_file(published):
    # Written without any quoting; the sample's one semicolon inside a text becomes a comma.
    rows = [[cell.replace(";", ",") for cell in row] for row in sample_rows()]
    text = "\r\n".join(";".join(row) for row in rows)
    parsed = read_report([InputFile("reporte.csv", text.encode("cp850"))])
    assert (parsed.files[0].detected_format, parsed.files[0].encoding) == ("csv", "cp850")
    by_line = {goal.line: goal for goal in parsed.goals}
    assert by_line[88].objective == 'Proyecto "Ruta natural" Gualel'
    assert by_line[90].objective == 'Repotenciación del Proyecto "Destino Vilcabamba"'
    assert [g.target for g in parsed.goals] == [g.target for g in published.goals]


def test_a_quoted_cell_over_several_lines_keeps_the_next_lines_right(published):
    rows = [list(row) for row in sample_rows()]
    rows[12][2] = "Regularización ambiental\nde proyectos municipales."  # line 13
    parsed = read_report([InputFile("reporte.csv", csv_bytes(rows, line_end="\n"))])
    by_line = {goal.line: goal for goal in parsed.goals}
    assert by_line[13].objective == "Regularización ambiental\nde proyectos municipales."
    # Every later row starts one line further down in this file.
    assert by_line[15].objective == published.goals[4].objective
    assert parsed.goals[-1].line == published.goals[-1].line + 1


def test_windows_line_breaks_do_not_change_lines_or_text(published):
    text = sample_file().data.decode("utf-8").replace("\n", "\r\n")
    parsed = read_report([InputFile("reporte.tsv", text.encode("utf-8"))])
    assert goals_of(parsed) == goals_of(published)
    assert parsed.metadata.phone == "(593-7) 2570407 EXT 206"


def test_an_xlsx_named_csv_xlsx_with_date_and_percent_cells(db, published):
    data = xlsx_bytes(sample_rows(), percent_cells=True, date_cell=True)
    result = import_report([InputFile("loja-metas-agosto.csv.xlsx", data)])
    assert result.files == [("loja-metas-agosto.csv.xlsx", "xlsx", "", "matrix", 220)]
    report = result.report
    assert (report.period, report.updated_on) == (date(2019, 8, 1), date(2019, 8, 31))
    assert report.goals.count() == 137
    assert report.goals.summary()["lacking_financing"] == 32
    # A number formatted as a percentage reads as the percentage the sheet shows.
    seventy = report.goals.get(objective__startswith="Ampliación y mejoramiento del Zoológico")
    assert (seventy.target, seventy.progress) == ("70%", Decimal("70"))
    # Sheet rows are the file's lines.
    assert [g.source_line for g in report.goals.order_by("position")] == [
        g.line for g in published.goals
    ]
    stored = SourceFile.objects.get(report=report)
    assert (stored.detected_format, stored.encoding) == ("xlsx", "")


def test_an_xlsx_update_date_as_a_serial_number_and_blank_rows_on_top(published):
    rows = [[], [], *sample_rows()]
    rows[216][3] = "43708"  # 31/08/2019 as a spreadsheet counts days, in a plain number cell
    parsed = read_report([InputFile("reporte", xlsx_bytes(rows, date_cell=False))])
    assert parsed.metadata.updated_on == date(2019, 8, 31)
    assert [g.line for g in parsed.goals] == [g.line + 2 for g in published.goals]


def test_an_xlsx_reads_the_first_sheet_with_content(published):
    from io import BytesIO

    from openpyxl import load_workbook

    workbook = load_workbook(BytesIO(xlsx_bytes(sample_rows())))
    workbook.create_sheet("Vacía", 0)
    buffer = BytesIO()
    workbook.save(buffer)
    parsed = read_report([InputFile("reporte.xlsx", buffer.getvalue())])
    assert parsed.files[0].sheet == "Hoja1"
    assert len(parsed.goals) == 137


def test_footer_labels_match_by_prefix_whatever_their_case_accents_and_colons():
    rows = [list(row) for row in sample_rows()]
    rows[213] = ["Link para descargar el reporte GPR", "", "", "",
                 "Reporte del GPR: https://www.loja.gob.ec/gpr/2019-08"]
    rows[214] = ["Fecha de actualizacion de la informacion", "", "2025-02-28 00:00:00"]
    rows[215] = ["PERIODICIDAD DE ACTUALIZACIÓN DE LA INFORMACIÓN: Mensual"]
    rows[216] = ["UNIDAD POSEEDORA DE LA INFORMACIÓN - LITERAL a4)", "", "", "Planificación"]
    rows[219] = ["Teléfono", "", "", "2570407"]
    parsed = read_report([InputFile("reporte.tsv", tsv_bytes(rows))])
    metadata = parsed.metadata
    assert (metadata.link_text, metadata.link_url) == (
        "Reporte del GPR", "https://www.loja.gob.ec/gpr/2019-08"
    )
    assert metadata.updated_on == date(2025, 2, 28)
    assert metadata.periodicity == "Mensual"
    assert metadata.holder_unit == "Planificación"
    assert metadata.phone == "2570407"
    assert len(parsed.goals) == 137


# --- Format B ------------------------------------------------------------------------------------

@pytest.mark.parametrize("packed", [False, True], ids=["three files", "zip"])
def test_the_portal_files_in_any_order_each_in_its_encoding(db, packed):
    files = list(portal_files().items())
    random.Random(3).shuffle(files)
    if packed:
        inputs = [InputFile("lotaip-enero-2025.zip", zip_bytes(dict(files)))]
    else:
        inputs = [InputFile(name, data) for name, data in files]
    result = import_report(inputs)

    prefix = "lotaip-enero-2025.zip/" if packed else ""
    assert sorted(result.files) == sorted([
        (prefix + "1.3-metas-enero.csv", "csv", "cp850", "dataset", 6),
        (prefix + "metadatos.csv", "csv", "cp1252", "metadata", 6),
        (prefix + "diccionario.csv", "csv", "utf-8-sig", "dictionary", 3),
    ])
    assert result.institution == "Gobierno Autónomo Descentralizado Municipal de Loja"
    assert result.period == date(2025, 1, 1)
    assert (result.format, result.levels, result.goals) == ("B", 0, 5)
    assert (result.not_applicable, result.not_available, result.text_targets) == (1, 1, 1)
    assert result.lacking_financing == 1

    report = result.report
    assert report.format == Report.Format.PORTAL
    assert (report.updated_on, report.periodicity) == (date(2025, 1, 31), "Mensual")
    assert report.responsible == "Ing. María Ordóñez"
    assert report.email == "mordonez@loja.gob.ec"
    assert report.phone == "(07) 2570407 ext. 150"
    assert set(report.files.values_list("role", flat=True)) == {"dataset", "metadata", "dictionary"}

    first = report.goals.get(position=1)
    assert first.verification_link == PORTAL_LINK
    assert first.unit.level is None
    assert (first.unit.name, first.unit.parent.name) == (
        "Promoción Popular", "Dirección de Planificación"
    )
    assert list(first.neighbourhood_tags.values_list("neighbourhood__slug", flat=True)) == [
        "jdb-la-banda"
    ]
    rural = report.goals.get(objective="Mantenimiento vial en las parroquias rurales")
    assert (rural.status, rural.target, rural.coverage) == ("text", "12 obras", "rural")
    assert rural.parish_tags.count() == 13
    assert report.goals.get(unit__name="Dirección Financiera").status == Goal.Status.NOT_AVAILABLE
    assert not Unit.objects.filter(level__isnull=False).exists()


def test_a_portal_data_set_saved_as_xlsx_and_clutter_in_the_zip(db):
    files = portal_files()
    rows = [line.split(";") for line in files["1.3-metas-enero.csv"].decode("cp850").splitlines()]
    archive = zip_bytes({
        "enero/datos.csv.xlsx": xlsx_bytes(rows),
        "enero/metadatos.csv": files["metadatos.csv"],
        "__MACOSX/enero/._metadatos.csv": b"\x00\x05\x16\x07 mac resource fork",
        "enero/.DS_Store": b"\x00\x00\x00\x01Bud1",
    })
    result = import_report([InputFile("enero.zip", archive)], institution="Municipio de Loja")
    assert [name for name, *_ in result.files] == [
        "enero.zip/enero/datos.csv.xlsx", "enero.zip/enero/metadatos.csv"
    ]
    assert (result.institution, result.goals, result.period) == (
        "Municipio de Loja", 5, date(2025, 1, 1)
    )


def test_an_unquoted_comma_in_a_metadata_value_is_kept():
    files = portal_files()
    files["metadatos.csv"] = (
        "FECHA ACTUALIZACIÓN DE LA INFORMACIÓN,31/1/2025\n"
        "RESPONSABLE DE LA UNIDAD POSEEDORA DE LA INFORMACIÓN,Ordóñez, María\n"
    ).encode("cp1252")
    files["diccionario.csv"] = "Institución;GAD Municipal de Loja, Ecuador\n".encode("utf-8")
    parsed = read_report([InputFile(name, data) for name, data in files.items()])
    assert parsed.metadata.responsible == "Ordóñez, María"
    assert parsed.institution == "GAD Municipal de Loja, Ecuador"


def test_na_in_a_portal_file_stays_text_and_means_not_available():
    dataset = portal_dataset([
        ["Alcaldía", "Gestión", "NA", "N/A", ""],
        ["Alcaldía", "Otra gestión", "", "NA", ""],
        ["Alcaldía", "Tercera", "", "", ""],
    ], encoding="utf-8")
    parsed = read_report([InputFile("datos.csv", dataset)])
    assert [(g.indicator, g.target, g.status) for g in parsed.goals] == [
        ("NA", "N/A", "not_available"),
        ("", "NA", "not_available"),
        ("", "", "not_available"),
    ]


# --- Values ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, progress, status, note, lacks_financing", [
    ("100%", Decimal("100"), "percent", "", False),
    ("100 %", Decimal("100"), "percent", "", False),
    ("50,5%", Decimal("50.5"), "percent", "", False),
    ("0%", Decimal("0"), "percent", "", False),
    ("33.333%", Decimal("33.33"), "percent", "", False),
    ("20% Sólo posee estudios, no se ejecutó por falta de financiamiento", Decimal("20"),
     "percent", "Sólo posee estudios, no se ejecutó por falta de financiamiento", True),
    ("10% - POR FALTA DE FINANCIAMIENTO", Decimal("10"), "percent", "POR FALTA DE FINANCIAMIENTO",
     True),
    ("NO APLICA, los planes operativos anuales", None, "not_applicable", "", False),
    ("No aplica", None, "not_applicable", "", False),
    ("INFORMACIÓN NO DISPONIBLE", None, "not_available", "", False),
    ("N/A", None, "not_available", "", False),
    ("no disponible", None, "not_available", "", False),
    ("", None, "not_available", "", False),
    ("12 obras", None, "text", "", False),
    ("Avance 50%", None, "text", "", False),
])
def test_it_reads_targets(text, progress, status, note, lacks_financing):
    target = parse_target(text)
    assert (target.progress, target.status, target.note, target.lacks_financing) == (
        progress, status, note, lacks_financing
    )


@pytest.mark.parametrize("text, expected", [
    ("31/08/2019", date(2019, 8, 31)),
    ("31/1/2025", date(2025, 1, 31)),
    ("2025-02-05", date(2025, 2, 5)),
    ("2025-02-28 00:00:00", date(2025, 2, 28)),
    ("43708", date(2019, 8, 31)),
    ("31 de agosto de 2019", date(2019, 8, 31)),
    ("31/02/2019", None),
    ("agosto", None),
    ("", None),
])
def test_it_reads_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", [
    "Gestión Ambiental", "INFORMACIÓN", "AÑO", "EL ÁREA", "Señalización vial", "¿Qué?",
    "Dirección Financiera;Ejecución presupuestaria;INFORMACIÓN NO DISPONIBLE",
])
@pytest.mark.parametrize("encoding", ["cp1252", "cp850"])
def test_it_tells_windows_1252_from_cp850_even_in_a_few_words(text, encoding):
    assert decode(text.encode(encoding)) == (text, encoding)


def test_utf8_is_recognised_before_anything_else():
    assert decode("Gestión".encode("utf-8")) == ("Gestión", "utf-8")
    assert decode(b"\xef\xbb\xbfGesti\xc3\xb3n") == ("Gestión", "utf-8-sig")
    assert decode("Gestión".encode("utf-16")) == ("Gestión", "utf-16")
